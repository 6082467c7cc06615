/**
 * The event feed (issue 16): one resumable, gap-free log of every state change the daemon makes.
 *
 * Change points record `tx.event(type, subject)` inside their write operation (event-types.ts). When the
 * transaction carrying them is about to commit, the write queue hands the kept operations' events to
 * `hooks.appendEvents`: the feed takes their `seq` values from the `event_seq` counter (one bump for the
 * whole batch, under the same write lock as every other index, so seqs are gap-free and in commit order,
 * also with several daemons on one PostgreSQL database), formats each subject with the daemon's formatter
 * (the object `listinvoices` / `listoffers` / `listoutbox` shows), inserts the rows and lets routers (the
 * webhooks) add theirs, all in that transaction. After COMMIT it wakes `wait events` waiters and tells
 * listeners; other daemons hear of it through the commit's NOTIFY (`{"ev": lastSeq}`) and read the rows.
 */
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { InvoiceDatabase } from '../invoice/store/db.js';
import { InvoiceError } from '../invoice/errors.js';
import { remoteMessages } from '../invoice/store/remote-messages.js';
import { WriteQueue, type WriteHooks, type WriteTx } from '../invoice/store/write-queue.js';
import { nowSeconds, type CancelTimer, type Clock, type RandomSource } from '../util/clock.js';
import { toHex } from '../util/hex.js';
import { IndexWaiters, waitAborted } from '../util/index-waiters.js';
import { EVENT_TYPES, type EventKind, type EventType, type PendingEvent } from './event-types.js';
import * as store from './feed-store.js';

/** Any Kysely handle on the database: the tables used are declared by the stores. */
// `any`: the handle's own table map does not matter here; the stores add theirs with withTables.
type AnyKysely = Kysely<any>;

/** An event as appended: its row plus the record it was made from (local events only). */
export interface FeedEvent extends store.EventRow {
  readonly type: EventType;
  readonly kind: EventKind;
  /** The record after the change; absent for events read back from the database (other daemons'). */
  readonly subject?: object;
}

/** Adds rows of its own in the events' transaction (the webhooks' deliveries). */
export type FeedRouter = (db: AnyKysely, events: readonly FeedEvent[]) => Promise<void>;

/** Hears committed events: `local` when this daemon made them. */
export type FeedListener = (events: readonly FeedEvent[], local: boolean) => void;

export interface EventFeedDeps {
  readonly db: InvoiceDatabase;
  readonly clock: Clock;
  readonly random: RandomSource;
  /** The JSON text of a subject as its list command shows it (the daemon passes the RPC formatters). */
  readonly formatObject: (kind: EventKind, subject: object) => string;
  readonly logger?: Logger;
  /** `--autoclean-events-age`: events older than this many seconds are deleted (0 = never). */
  readonly autocleanAge?: number;
  /** Seconds between autoclean runs (`--autoclean-cycle`, default 3600). */
  readonly autocleanCycle?: number;
}

/**
 * An event row's body: its seq, type and time, and the record as `objectJson` (its list command's JSON).
 * Built as text, so the formatter's JSON is kept exactly (amounts above 2^53 included).
 */
export function eventBody(seq: number, type: EventType, created_at: number, kind: EventKind, objectJson: string): string {
  return `{"seq":${seq},"type":"${type}","created_at":${created_at},"${kind}":${objectJson}}`;
}

/** What `wait events created N` returns. */
export interface EventWaitResult {
  readonly created: number;
  /** The first event with seq ≥ N, when the wait had to wait. */
  readonly event?: store.EventRow;
}

export interface EventFeed {
  /** Plug into the database (`{ ...db, hooks }`) so every write transaction appends its events. */
  readonly hooks: WriteHooks;
  /** Adds a router run inside each append (before COMMIT). */
  addRouter(router: FeedRouter): void;
  onEvents(listener: FeedListener): () => void;
  list(q: { start?: number; limit?: number; types?: readonly string[] }): Promise<store.EventRow[]>;
  lastSeq(): Promise<number>;
  /** Resolves once the feed's `created` index is ≥ nextvalue. */
  wait(nextvalue: number, signal?: AbortSignal): Promise<EventWaitResult>;
  /** Deletes events older than `age` seconds that no webhook still has to deliver; returns how many. */
  autoclean(age: number): Promise<number>;
  /** Waits in progress (metrics). */
  readonly waiting: number;
  /** Listens to other daemons and arms the autoclean timer. */
  start(): Promise<void>;
  close(): Promise<void>;
}

export function createEventFeed(deps: EventFeedDeps): EventFeed {
  const { clock, logger } = deps;
  const db = deps.db.db;
  const origin = `events-${toHex(deps.random(8))}`;
  const routers: FeedRouter[] = [];
  const listeners = new Set<FeedListener>();
  /** `wait events` in progress; `wait` listens before it reads the index (src/util/index-waiters.ts). */
  const waiters = new IndexWaiters<EventWaitResult>();
  /** The highest seq this daemon has delivered (its own or read after another daemon's NOTIFY). */
  let highest = 0;
  let unlisten: (() => Promise<void>) | undefined;
  let cancelCycle: CancelTimer | undefined;
  let closed = false;
  let closeDone: Promise<void> | undefined;
  const queue = WriteQueue.shared(deps.db);
  /** Aborted by close: ends the waits in progress. */
  const closing = new AbortController();

  async function appendEvents(tx: WriteTx, pending: readonly PendingEvent[]): Promise<void> {
    const created_at = nowSeconds(clock);
    const last = await store.takeSeqs(tx.db, pending.length);
    const first = last - pending.length + 1;
    const events = pending.map((p, i): FeedEvent => {
      const seq = first + i;
      const kind = EVENT_TYPES[p.type];
      const body = eventBody(seq, p.type, created_at, kind, deps.formatObject(kind, p.subject));
      return Object.freeze({ seq, type: p.type, created_at, body, kind, subject: p.subject });
    });
    await store.insertEvents(tx.db, events);
    for (const route of routers) await route(tx.db, events);
    tx.notify({ ev: last, o: origin });
    tx.after(() => deliver(events, true));
  }

  /**
   * Wakes waiters with the events not seen yet, and tells listeners: a daemon's own events always (as
   * `local`), others' once (a daemon may read its own rows back after another's NOTIFY; then they are new
   * to no waiter, and listeners hear them as not local).
   */
  function deliver(events: readonly FeedEvent[], local: boolean): void {
    const fresh = events.filter((e) => e.seq > highest);
    if (fresh.length > 0) {
      highest = fresh[fresh.length - 1]!.seq;
      waiters.wake(highest, (nextvalue) => {
        const e = fresh.find((x) => x.seq >= nextvalue)!;
        return { created: e.seq, event: e };
      });
    }
    const heard = local ? events : fresh;
    if (heard.length === 0) return;
    for (const l of [...listeners]) {
      try {
        l(heard, local);
      } catch (err) {
        logger?.error({ err }, 'event listener failed');
      }
    }
  }

  /** Another daemon committed events up to `ev`: read what this daemon has not seen and deliver it. */
  function onRemote(payload: string): void {
    const ev = Math.max(0, ...remoteMessages(payload, origin).map((m) => (typeof m.ev === 'number' ? m.ev : 0)));
    if (ev <= highest || closed) return;
    const from = highest + 1;
    void store.listEvents(db, { start: from, limit: ev - from + 1 }).then(
      (rows) => deliver(rows.map(fromRow), false),
      (err: unknown) => logger?.warn({ err: (err as Error).message }, 'reading other daemons’ events failed'),
    );
  }

  async function wait(nextvalue: number, signal?: AbortSignal): Promise<EventWaitResult> {
    if (closed) throw new InvoiceError('ShuttingDown', 'Shutting down');
    return waiters.wait(nextvalue, {
      read: () => store.lastSeq(db),
      signal,
      closing: closing.signal,
      abortError: () => (closed ? new InvoiceError('ShuttingDown', 'Shutting down') : waitAborted()),
    });
  }

  async function autoclean(age: number): Promise<number> {
    const cutoff = nowSeconds(clock) - age;
    let total = 0;
    for (;;) {
      const n = await queue.run((tx) => store.deleteOldEvents(tx.db, cutoff, 500));
      total += n;
      if (n < 500) break;
    }
    if (total > 0) logger?.info({ deleted: total }, 'autoclean: events');
    return total;
  }

  function armCycle(): void {
    const age = deps.autocleanAge ?? 0;
    if (age <= 0 || closed) return;
    cancelCycle = clock.setTimer((deps.autocleanCycle ?? 3600) * 1000, () => {
      autoclean(age)
        .catch((err: unknown) => logger?.error({ err: (err as Error).message }, 'autoclean of events failed'))
        .finally(armCycle);
    });
  }

  return {
    hooks: { appendEvents },
    addRouter: (r) => void routers.push(r),
    onEvents(listener) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
    list: (q) => store.listEvents(db, q),
    lastSeq: () => store.lastSeq(db),
    wait,
    autoclean,
    get waiting() {
      return waiters.size;
    },
    async start() {
      highest = await store.lastSeq(db);
      if (deps.db.dialect.listen) unlisten = await deps.db.dialect.listen(onRemote);
      armCycle();
    },
    close() {
      closeDone ??= (async () => {
        closed = true;
        cancelCycle?.();
        closing.abort();
        await queue.idle();
        await unlisten?.();
      })();
      return closeDone;
    },
  };
}

/** A stored row as a feed event (its kind from its type). */
export function fromRow(r: store.EventRow): FeedEvent {
  const type = r.type as EventType;
  return Object.freeze({ ...r, type, kind: EVENT_TYPES[type] ?? 'invoice' });
}
