/**
 * What the engine's jobs share (src/invoice/engine.ts builds one per engine): the database and its
 * group-commit write queue, the injected clock and codec, the waiters and change listeners, the engine's
 * lifecycle flags and in-flight tasks, and `bump` — the one way a job records an index change, so it
 * reaches other daemons with the commit and this daemon's waiters and listeners after it.
 */
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { NodeKeys } from '../../crypto/node-keys.js';
import type { Clock, RandomSource } from '../../util/clock.js';
import { toHex } from '../../util/hex.js';
import type { Network } from '../../util/network.js';
import { decodeBolt11, encodeBolt11 } from '../bolt11/index.js';
import type { Bolt11Codec } from '../create.js';
import { detailsFor, encodeEvent, type InvoiceChange, type InvoiceEvent } from '../events.js';
import type { Invoice, InvoiceIndexName } from '../invoice.js';
import type { InvoiceDatabase } from '../store/db.js';
import type { InvoiceDb } from '../store/schema.js';
import { WriteQueue, type WriteTx } from '../store/write-queue.js';
import type { InvoiceChangeListener, InvoiceEngineDeps } from './types.js';
import { Waiters } from './waiters.js';
import { createLiveCounts, type LiveCounts } from './live-counts.js';
import type { EventType } from '../../events/event-types.js';

export interface EngineCore {
  readonly deps: InvoiceEngineDeps;
  readonly database: InvoiceDatabase;
  readonly db: Kysely<InvoiceDb>;
  readonly nodeKeys: NodeKeys;
  readonly network: Network;
  readonly clock: Clock;
  readonly random: RandomSource;
  readonly logger: Logger | undefined;
  readonly codec: Bolt11Codec;
  readonly queue: WriteQueue;
  readonly waiters: Waiters;
  readonly listeners: Set<InvoiceChangeListener>;
  /** getinfo's counts in memory, moved by every event `deliver` hands out. */
  readonly counts: LiveCounts;
  /** This daemon's name in NOTIFY payloads, so it skips its own messages. */
  readonly origin: string;
  /** Writes and sweeps in flight (close and idle wait for them). */
  readonly tasks: Set<Promise<unknown>>;
  /** `started`: start() ran (timers armed); `closed`: close() ran. */
  readonly state: { started: boolean; closed: boolean };
  /** Adds `p` to `tasks` until it settles. */
  track<T>(p: Promise<T>): Promise<T>;
  /** Delivers a committed event to the live counts, waiters and change listeners. */
  deliver(ev: InvoiceEvent): void;
  /**
   * Records the event of an index bump whose value the caller took in `tx`: sent to other daemons with the
   * commit, delivered to this daemon's waiters and listeners after it.
   */
  bump(tx: WriteTx, index: InvoiceIndexName, change: InvoiceChange, inv: Invoice, extra: { value: number; status?: Invoice['status'] }): void;
}

/** The feed's event for each invoice change (description_removed has its own, written by deletion). */
const FEED_EVENT: Readonly<Record<InvoiceChange, EventType | undefined>> = {
  created: 'invoice_created',
  paid: 'invoice_paid',
  expired: 'invoice_expired',
  deleted: 'invoice_deleted',
  description_removed: undefined,
  hold_accepted: 'hold_accepted',
  hold_canceled: 'hold_cancelled',
  metadata_set: 'invoice_metadata_changed',
};

export function createEngineCore(deps: InvoiceEngineDeps): EngineCore {
  const { db: database, nodeKeys, network, clock, random, logger } = deps;
  const waiters = new Waiters();
  const listeners = new Set<InvoiceChangeListener>();
  const origin = toHex(random(8));
  const tasks = new Set<Promise<unknown>>();
  const counts = createLiveCounts();

  const track = <T>(p: Promise<T>): Promise<T> => {
    tasks.add(p);
    const done = () => tasks.delete(p);
    p.then(done, done);
    return p;
  };

  function deliver(ev: InvoiceEvent): void {
    counts.apply(ev);
    waiters.dispatch(ev);
    if (ev.change === 'paid' || ev.change === 'expired' || ev.change === 'deleted' || ev.change === 'hold_canceled') {
      const status = ev.change === 'hold_canceled' ? 'canceled' : ev.change;
      for (const l of [...listeners]) {
        try {
          l({ payment_hash: ev.payment_hash, status });
        } catch (err) {
          logger?.error({ err }, 'invoice change listener failed');
        }
      }
    }
  }

  function bump(
    tx: WriteTx,
    index: InvoiceIndexName,
    change: InvoiceChange,
    inv: Invoice,
    extra: { value: number; status?: Invoice['status'] },
  ): void {
    const ev: InvoiceEvent = {
      index,
      value: extra.value,
      details: detailsFor(change, inv, extra.status),
      change,
      label: inv.label,
      payment_hash: inv.payment_hash,
      ...(inv.pay_index !== undefined && change === 'paid' ? { pay_index: inv.pay_index } : {}),
      invoice: inv,
    };
    if (database.dialect.notify) {
      const message = JSON.parse(encodeEvent(ev)) as Record<string, unknown>;
      message.o = origin;
      if (change === 'created') message.x = inv.expires_at;
      tx.notify(message);
    }
    tx.after(() => deliver(ev));
    // The event feed (src/events/); a settled hold invoice's payment is also its hold_settled.
    const type = FEED_EVENT[change];
    if (type) tx.event(type, inv);
    if (change === 'paid' && inv.holdstate !== undefined) tx.event('hold_settled', inv);
  }

  return {
    deps,
    database,
    db: database.db,
    nodeKeys,
    network,
    clock,
    random,
    logger,
    codec: deps.codec ?? { encode: encodeBolt11, decode: decodeBolt11 },
    queue: deps.maxBatch !== undefined ? new WriteQueue(database, { maxBatch: deps.maxBatch }) : WriteQueue.shared(database),
    waiters,
    listeners,
    counts,
    origin,
    tasks,
    state: { started: false, closed: false },
    track,
    deliver,
    bump,
  };
}
