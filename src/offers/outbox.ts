/**
 * The outbox: onion messages the daemon wants sent, kept in the database until a node bridge reports
 * them sent or failed (the daemon builds no onions and has no peers). The contract is the daemon's own
 * idiom, as for invoices: entries carry a `created_index` (1, 2, … never reused), a bridge lists pending
 * ones, waits for new ones with `wait outbox created N`, and answers `outbox-sent` / `outbox-failed`.
 * docs/bridge.md §6 is the full contract.
 *
 * Entries are written in the invoice store's group-commit queue, so an entry is durable before anyone
 * hears of it. With several daemons on one PostgreSQL database, each commit also sends a notification on
 * the invoice store's channel (`{"ob": created_index}` for a new entry, `{"obs": created_index}` for a
 * status change), so a bridge may drain the outbox through any of them and a `sendinvoice` waiting on one
 * daemon hears the `outbox-failed` reported to another. (The invoice engine ignores these messages.)
 */
import type { ColumnType, Kysely, Selectable } from 'kysely';
import type { DbInt } from '../invoice/store/schema.js';
import type { InvoiceDatabase } from '../invoice/store/db.js';
import { remoteMessages } from '../invoice/store/remote-messages.js';
import { WriteQueue, type WriteTx } from '../invoice/store/write-queue.js';
import { nowSeconds, type Clock, type RandomSource } from '../util/clock.js';
import { fromHex, isHex, toHex } from '../util/hex.js';
import { IndexWaiters } from '../util/index-waiters.js';
import { MerchantError } from './merchant-errors.js';

export type OutboxStatus = 'pending' | 'sent' | 'failed';

type Immutable<T> = ColumnType<T, T, never>;
type Tables = {
  outbox: {
    created_index: ColumnType<DbInt, number, never>;
    kind: Immutable<string>;
    label: Immutable<string>;
    payment_hash: Immutable<Uint8Array>;
    destination_paths: Immutable<Uint8Array>;
    destination_node_id: Immutable<Uint8Array | null>;
    message: Immutable<Uint8Array>;
    reply_path: Immutable<Uint8Array>;
    status: ColumnType<string, string, string>;
    error: ColumnType<string | null, string | null, string | null>;
    created_at: ColumnType<DbInt, number, never>;
    updated_at: ColumnType<DbInt | null, number | null, number>;
  };
};
// `any`: the handle's own table map does not matter here; withTables adds ours.
const on = (db: Kysely<any>): Kysely<Tables> => db.withTables<Tables>() as unknown as Kysely<Tables>;

/** One message to send. */
export interface OutboxEntry {
  readonly created_index: number;
  /** The onion message field it goes in: `invoice` (66). */
  readonly kind: 'invoice';
  readonly label: string;
  readonly payment_hash: Uint8Array;
  /** The wire bytes of the `blinded_path`s to try (invreq_paths), concatenated; empty: send to `node_id`. */
  readonly destination_paths: Uint8Array;
  /** The node to send to directly when there are no paths (invreq_payer_id). */
  readonly destination_node_id?: Uint8Array;
  /** The TLV stream of the message (the invoice). */
  readonly message: Uint8Array;
  /** A blinded path to us, to put in the onion message's `reply_path` (type 2). */
  readonly reply_path: Uint8Array;
  readonly status: OutboxStatus;
  /** The bridge's reason, for failed entries. */
  readonly error?: string;
  readonly created_at: number;
  readonly updated_at?: number;
}

export type NewOutboxEntry = Omit<OutboxEntry, 'created_index' | 'status' | 'error' | 'created_at' | 'updated_at'>;

/** What a `wait outbox created N` returns. */
export interface OutboxWaitResult {
  readonly created: number;
  /** The entry that moved the index, when the wait had to wait. */
  readonly entry?: OutboxEntry;
}

export type OutboxListener = (e: OutboxEntry) => void;

/** An onion message reply relayed between daemons: the path secret it came with and its payload. */
export interface RelayedReply {
  readonly pathSecret?: Uint8Array;
  readonly invoice?: Uint8Array;
  readonly invoice_error?: Uint8Array;
}

export interface Outbox {
  add(e: NewOutboxEntry): Promise<OutboxEntry>;
  /**
   * Writes an entry inside a write transaction someone else runs (`sendinvoice` stores its invoice and
   * queues it in one transaction). Listeners and waiters hear of it only if that transaction commits.
   */
  addIn(tx: WriteTx, e: NewOutboxEntry): Promise<OutboxEntry>;
  list(q: { status?: OutboxStatus; start?: number; limit?: number }): Promise<OutboxEntry[]>;
  get(created_index: number): Promise<OutboxEntry | undefined>;
  /** pending → sent (sent again is harmless; failed → -1). */
  markSent(created_index: number): Promise<OutboxEntry>;
  /** pending → failed with the bridge's reason (failed again is harmless; sent → -1). */
  markFailed(created_index: number, error: string): Promise<OutboxEntry>;
  /** `check outbox-sent` / `check outbox-failed`: what marking the entry `to` would refuse, from a read. */
  checkMark(created_index: number, to: 'sent' | 'failed'): Promise<void>;
  /** Resolves once an entry with created_index ≥ nextvalue exists (at once if it does). */
  wait(nextvalue: number, signal?: AbortSignal): Promise<OutboxWaitResult>;
  /** Hears every committed change (new entries and status changes); returns the unsubscribe function. */
  onChange(listener: OutboxListener): () => void;
  /**
   * Passes a reply the bridge handed to this daemon to the other daemons on the same PostgreSQL database
   * (a `sendinvoice` may be waiting on one of them). No-op on SQLite.
   */
  relayReply(r: RelayedReply): Promise<void>;
  /** Hears replies relayed by other daemons; returns the unsubscribe function. */
  onRelayedReply(listener: (r: RelayedReply) => void): () => void;
  /** Resolves once other daemons' changes are heard (PostgreSQL LISTEN in place; at once on SQLite). */
  ready(): Promise<void>;
  close(): Promise<void>;
}

function toEntry(r: Selectable<Tables['outbox']>): OutboxEntry {
  return Object.freeze({
    created_index: Number(r.created_index),
    kind: 'invoice',
    label: r.label,
    payment_hash: new Uint8Array(r.payment_hash),
    destination_paths: new Uint8Array(r.destination_paths),
    ...(r.destination_node_id !== null ? { destination_node_id: new Uint8Array(r.destination_node_id) } : {}),
    message: new Uint8Array(r.message),
    reply_path: new Uint8Array(r.reply_path),
    status: r.status as OutboxStatus,
    ...(r.error !== null ? { error: r.error } : {}),
    created_at: Number(r.created_at),
    ...(r.updated_at !== null ? { updated_at: Number(r.updated_at) } : {}),
  });
}

export function createOutbox(deps: { readonly db: InvoiceDatabase; readonly clock: Clock; readonly random: RandomSource }): Outbox {
  const db = deps.db.db;
  const queue = WriteQueue.shared(deps.db);
  const listeners = new Set<OutboxListener>();
  /** `wait outbox` in progress; `wait` listens before it reads the index (src/util/index-waiters.ts). */
  const waiters = new IndexWaiters<OutboxWaitResult>();
  const closing = new AbortController();
  // Tells our own notifications from other daemons'.
  const origin = `outbox-${toHex(deps.random(8))}`;
  const relayListeners = new Set<(r: RelayedReply) => void>();

  /** Another daemon's committed change: read the entry and deliver it as if it were ours. */
  function onRemote(payload: string): void {
    for (const m of remoteMessages(payload, origin)) {
      if (m.rr && typeof m.rr === 'object') {
        const r = m.rr as Record<string, unknown>;
        const hex = (k: string) => (typeof r[k] === 'string' && isHex(r[k] as string) ? { [k]: fromHex(r[k] as string) } : {});
        const reply = { ...hex('pathSecret'), ...hex('invoice'), ...hex('invoice_error') } as RelayedReply;
        for (const l of [...relayListeners]) l(reply);
        continue;
      }
      const index = typeof m.ob === 'number' ? m.ob : typeof m.obs === 'number' ? m.obs : undefined;
      if (index === undefined) continue;
      void get(index).then(
        (e) => e && !closing.signal.aborted && deliver(e, typeof m.ob === 'number'),
        () => undefined,
      );
    }
  }
  const listening = deps.db.dialect.listen?.(onRemote).catch(() => undefined);

  function deliver(e: OutboxEntry, created: boolean): void {
    if (created) {
      waiters.wake(e.created_index, () => ({ created: e.created_index, entry: e }));
    }
    for (const l of [...listeners]) l(e);
  }

  async function get(created_index: number): Promise<OutboxEntry | undefined> {
    const r = await on(db).selectFrom('outbox').selectAll().where('created_index', '=', created_index).executeTakeFirst();
    return r && toEntry(r);
  }

  async function maxIndex(k: Kysely<any>): Promise<number> {
    const r = await on(k)
      .selectFrom('outbox')
      .select((eb) => eb.fn.max('created_index').as('m'))
      .executeTakeFirst();
    return r?.m == null ? 0 : Number(r.m);
  }

  /** A mark's refusal of the entry as it stands: unknown, or in the other final status (-1). */
  function markRefusal(current: OutboxEntry | undefined, to: 'sent' | 'failed'): asserts current is OutboxEntry {
    if (!current) throw new MerchantError('Failed', 'Unknown outbox message');
    if (current.status !== 'pending' && current.status !== to) throw new MerchantError('Failed', `Outbox message is ${current.status}, not pending`);
  }

  async function setStatus(created_index: number, to: 'sent' | 'failed', error: string | null): Promise<OutboxEntry> {
    return queue.run(async (tx) => {
      const row = await on(tx.db)
        .updateTable('outbox')
        .set({ status: to, error, updated_at: nowSeconds(deps.clock) })
        .where('created_index', '=', created_index)
        .where('status', '=', 'pending')
        .returningAll()
        .executeTakeFirst();
      if (row) {
        const e = toEntry(row);
        tx.notify({ obs: e.created_index, o: origin });
        tx.after(() => deliver(e, false));
        tx.event(to === 'sent' ? 'outbox_sent' : 'outbox_failed', e); // event feed (src/events/)
        return e;
      }
      const current = await on(tx.db).selectFrom('outbox').selectAll().where('created_index', '=', created_index).executeTakeFirst();
      const entry = current && toEntry(current);
      markRefusal(entry, to);
      return entry;
    });
  }

  async function addIn(tx: WriteTx, n: NewOutboxEntry): Promise<OutboxEntry> {
    // Entries are only written under the write lock (every write transaction holds it), so max + 1 is
    // never taken twice and commits in index order.
    const created_index = (await maxIndex(tx.db)) + 1;
    const row = await on(tx.db)
      .insertInto('outbox')
      .values({
        created_index,
        kind: n.kind,
        label: n.label,
        payment_hash: n.payment_hash,
        destination_paths: n.destination_paths,
        destination_node_id: n.destination_node_id ?? null,
        message: n.message,
        reply_path: n.reply_path,
        status: 'pending',
        error: null,
        created_at: nowSeconds(deps.clock),
        updated_at: null,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    const e = toEntry(row);
    tx.notify({ ob: e.created_index, o: origin });
    tx.after(() => deliver(e, true));
    tx.event('outbox_created', e); // event feed (src/events/)
    return e;
  }

  return {
    add: (n) => queue.run((tx) => addIn(tx, n)),
    addIn,
    async list(q) {
      let sel = on(db).selectFrom('outbox').selectAll();
      if (q.status !== undefined) sel = sel.where('status', '=', q.status);
      if (q.start !== undefined) sel = sel.where('created_index', '>=', q.start);
      sel = sel.orderBy('created_index', 'asc');
      if (q.limit !== undefined) sel = sel.limit(q.limit);
      return (await sel.execute()).map(toEntry);
    },
    get,
    markSent: (i) => setStatus(i, 'sent', null),
    markFailed: (i, error) => setStatus(i, 'failed', error),
    checkMark: async (i, to) => markRefusal(await get(i), to),
    wait: (nextvalue, signal) =>
      waiters.wait(nextvalue, {
        read: () => maxIndex(db),
        signal,
        closing: closing.signal,
        beforeSleep: () => {
          if (closing.signal.aborted) throw new MerchantError('Failed', 'Shutting down');
        },
      }),
    onChange(listener) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
    async relayReply(r) {
      if (!deps.db.dialect.notify) return;
      const rr = {
        ...(r.pathSecret ? { pathSecret: toHex(r.pathSecret) } : {}),
        ...(r.invoice ? { invoice: toHex(r.invoice) } : {}),
        ...(r.invoice_error ? { invoice_error: toHex(r.invoice_error) } : {}),
      };
      // An empty transaction that only carries the notification (sent on commit).
      await queue.run(async (tx) => tx.notify({ rr, o: origin }));
    },
    onRelayedReply(listener) {
      relayListeners.add(listener);
      return () => void relayListeners.delete(listener);
    },
    async ready() {
      await listening;
    },
    async close() {
      closing.abort();
      await queue.idle();
      const unlisten = await listening;
      await unlisten?.();
    },
  };
}
