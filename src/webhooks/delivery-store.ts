/**
 * Webhook delivery rows (`webhook_deliveries`, migration 0006): Kysely queries only. One row per (url,
 * seq), written in the event's own transaction; a URL's rows are delivered in seq order, its head being
 * the pending row with the smallest seq. Times are Unix milliseconds.
 */
import { sql, type ColumnType, type Kysely, type Selectable } from 'kysely';
import { ROUTED_SEQ } from '../events/feed-store.js';
import { prepared, preparedChunked, preparedInsert } from '../invoice/store/prepared.js';
import type { DbInt } from '../invoice/store/schema.js';

export type DeliveryStatus = 'pending' | 'delivered' | 'failed';

type Tables = {
  webhook_deliveries: {
    url: ColumnType<string, string, never>;
    seq: ColumnType<DbInt, number, never>;
    status: ColumnType<string, string, string>;
    attempts: ColumnType<DbInt, number, number>;
    created_at: ColumnType<DbInt, number, number>;
    next_attempt_at: ColumnType<DbInt, number, number>;
    updated_at: ColumnType<DbInt | null, number | null, number>;
    last_status: ColumnType<DbInt | null, number | null, number | null>;
    last_error: ColumnType<string | null, string | null, string | null>;
  };
  events: { seq: ColumnType<DbInt, number, never>; body: ColumnType<string, string, never> };
  invoice_counters: { name: ColumnType<string, string, never>; value: ColumnType<DbInt, number, number> };
};
/**
 * 'pending' written into the SQL text, not bound: the partial index on pending deliveries (migration
 * 0008) is usable only where the query's text itself says `status = 'pending'`.
 */
const PENDING = sql.lit('pending');

/** Any Kysely handle on the database (the pool, or a write transaction's connection). */
// `any`: the handle's own table map does not matter here; withTables adds ours.
type AnyDb = Kysely<any>;
const on = (db: AnyDb): Kysely<Tables> => db.withTables<Tables>() as unknown as Kysely<Tables>;

export interface Delivery {
  readonly url: string;
  readonly seq: number;
  readonly status: DeliveryStatus;
  readonly attempts: number;
  readonly created_at: number;
  readonly next_attempt_at: number;
  readonly updated_at?: number;
  /** HTTP status of the last attempt, if it got one. */
  readonly last_status?: number;
  readonly last_error?: string;
}

function toDelivery(r: Selectable<Tables['webhook_deliveries']>): Delivery {
  return Object.freeze({
    url: r.url,
    seq: Number(r.seq),
    status: r.status as DeliveryStatus,
    attempts: Number(r.attempts),
    created_at: Number(r.created_at),
    next_attempt_at: Number(r.next_attempt_at),
    ...(r.updated_at !== null ? { updated_at: Number(r.updated_at) } : {}),
    ...(r.last_status !== null ? { last_status: Number(r.last_status) } : {}),
    ...(r.last_error !== null ? { last_error: r.last_error } : {}),
  });
}

const insertRows = preparedInsert(3, (db, rows) =>
  on(db)
    .insertInto('webhook_deliveries')
    .values(
      rows.map(
        ([url, seq, now]) =>
          ({ url, seq, status: 'pending', attempts: 0, created_at: now, next_attempt_at: now, updated_at: null, last_status: null, last_error: null }) as never,
      ),
    ),
);

/** A delivery read with its event's body (the rounds' and the heads' reads). */
const withBody = (r: Selectable<Tables['webhook_deliveries']> & { body: string }): Delivery & { body: string } => ({ ...toDelivery(r), body: r.body });

/** New pending deliveries, due at once (in the events' transaction: compiled once per chunk size). */
export async function insertDeliveries(db: AnyDb, rows: ReadonlyArray<{ url: string; seq: number }>, now: number): Promise<void> {
  await insertRows(db, rows.map((r) => [r.url, r.seq, now]));
}

/** URLs with something pending. */
export async function pendingUrls(db: AnyDb): Promise<string[]> {
  const rows = await on(db).selectFrom('webhook_deliveries').select('url').distinct().where('status', '=', PENDING).execute();
  return rows.map((r) => r.url);
}

/** `url`'s pending deliveries with their events' bodies. */
const pendingWithBody = (db: AnyDb, url: string) =>
  on(db)
    .selectFrom('webhook_deliveries as d')
    .innerJoin('events as e', 'e.seq', 'd.seq')
    .selectAll('d')
    .select('e.body')
    .where('d.url', '=', url)
    .where('d.status', '=', PENDING);

/**
 * The head of `url` (its pending delivery with the smallest seq) with the event's body. With `lock`
 * (PostgreSQL, inside a transaction) the row is locked FOR UPDATE SKIP LOCKED: when another daemon holds
 * it, nothing is returned, and since only the head is ever taken, no daemon can overtake it with a later
 * seq of the same URL.
 */
export async function headOf(db: AnyDb, url: string, lock: boolean): Promise<(Delivery & { body: string }) | undefined> {
  let q = pendingWithBody(db, url).where('d.seq', '=', (eb) =>
    eb.selectFrom('webhook_deliveries as h').select((x) => x.fn.min('h.seq').as('m')).where('h.url', '=', url).where('h.status', '=', PENDING),
  );
  if (lock) q = q.forUpdate('d').skipLocked();
  const r = await q.executeTakeFirst();
  return r && withBody(r);
}

/** The rounds' reads (SQLite, the hot path of delivery): compiled once, from the head or after a seq. */
const pendingFromHead = prepared(2, (db, url: string, limit: number) => pendingWithBody(db, url).orderBy('d.seq', 'asc').limit(limit));
const pendingAfter = prepared(3, (db, url: string, limit: number, after: number) =>
  pendingWithBody(db, url).where('d.seq', '>', after).orderBy('d.seq', 'asc').limit(limit),
);

/** A URL's pending deliveries in seq order (after seq `after`, if given), at most `limit` (SQLite's rounds). */
export async function pendingOf(db: AnyDb, url: string, limit: number, after?: number): Promise<Array<Delivery & { body: string }>> {
  const rows = after === undefined ? await pendingFromHead(db, url, limit) : await pendingAfter(db, url, limit, after);
  return rows.map(withBody);
}

/**
 * PostgreSQL, inside the transaction that holds `url`'s head locked (`headOf` with `lock`): the pending
 * deliveries after it, at most `limit`, locked too. No other daemon takes a row of the URL without taking
 * its head first, so these are free, and they go out in the same run, in order.
 */
export async function lockedAfterHead(db: AnyDb, url: string, head: number, limit: number): Promise<Array<Delivery & { body: string }>> {
  const rows = await pendingWithBody(db, url).where('d.seq', '>', head).orderBy('d.seq', 'asc').limit(limit).forUpdate('d').execute();
  return rows.map(withBody);
}

/** An attempt's outcome, as the delivery's row records it. */
export interface AttemptRecord {
  readonly status: DeliveryStatus;
  readonly attempts: number;
  readonly next_attempt_at: number;
  readonly now: number;
  readonly last_status: number | null;
  readonly last_error: string | null;
}

/** One outcome for a list of a URL's deliveries still pending: compiled once per chunk size. */
const updatePending = preparedChunked(7, 1, (db, [status, attempts, next_attempt_at, updated_at, last_status, last_error, url], seqs) =>
  on(db)
    .updateTable('webhook_deliveries')
    .set({ status, attempts, next_attempt_at, updated_at, last_status, last_error } as never)
    .where('url', '=', url as string)
    .where('seq', 'in', seqs.map(([seq]) => seq as number))
    .where('status', '=', 'pending'),
);

/**
 * Records the outcomes of attempts of `url`'s deliveries: one UPDATE per distinct outcome (a round's
 * accepted deliveries usually share one) and chunk of seqs, guarded: only a row still pending changes.
 */
export async function recordAttempts(db: AnyDb, url: string, outcomes: ReadonlyArray<readonly [{ seq: number }, AttemptRecord]>): Promise<void> {
  const groups = new Map<string, { o: AttemptRecord; seqs: Array<[number]> }>();
  for (const [d, o] of outcomes) {
    const key = JSON.stringify([o.status, o.attempts, o.next_attempt_at, o.now, o.last_status, o.last_error]);
    const g = groups.get(key);
    if (g) g.seqs.push([d.seq]);
    else groups.set(key, { o, seqs: [[d.seq]] });
  }
  for (const { o, seqs } of groups.values()) {
    await updatePending(db, [o.status, o.attempts, o.next_attempt_at, o.now, o.last_status, o.last_error, url], seqs);
  }
}

export async function listDeliveries(db: AnyDb, q: { url?: string; status?: DeliveryStatus }): Promise<Delivery[]> {
  let s = on(db).selectFrom('webhook_deliveries').selectAll();
  if (q.url !== undefined) s = s.where('url', '=', q.url);
  if (q.status !== undefined) s = s.where('status', '=', q.status);
  return (await s.orderBy('seq', 'asc').orderBy('url', 'asc').execute()).map(toDelivery);
}

/** Sets the deliveries of `seq` (to `url`, or every URL) pending again, due now, attempts from zero. */
export async function resetDeliveries(db: AnyDb, seq: number, url: string | undefined, now: number): Promise<Delivery[]> {
  let u = on(db)
    .updateTable('webhook_deliveries')
    .set({ status: 'pending', attempts: 0, created_at: now, next_attempt_at: now, updated_at: now, last_status: null, last_error: null })
    .where('seq', '=', seq);
  if (url !== undefined) u = u.where('url', '=', url);
  return (await u.returningAll().execute()).map(toDelivery);
}

/** Whether event `seq` has a delivery (to `url`, or to any URL): what `resetDeliveries` would reset. */
export async function hasDeliveries(db: AnyDb, seq: number, url: string | undefined): Promise<boolean> {
  let q = on(db).selectFrom('webhook_deliveries').select('seq').where('seq', '=', seq);
  if (url !== undefined) q = q.where('url', '=', url);
  return (await q.limit(1).executeTakeFirst()) !== undefined;
}

/** Whether event `seq` is still in the feed (autoclean may have removed it). */
export async function eventExists(db: AnyDb, seq: number): Promise<boolean> {
  return (await on(db).selectFrom('events').select('seq').where('seq', '=', seq).executeTakeFirst()) !== undefined;
}

/** Pending deliveries per URL (metrics: the backlog). */
export async function backlog(db: AnyDb): Promise<Array<{ url: string; pending: number }>> {
  const rows = await on(db)
    .selectFrom('webhook_deliveries')
    .select((eb) => ['url', eb.fn.countAll().as('n')])
    .where('status', '=', PENDING)
    .groupBy('url')
    .execute();
  return rows.map((r) => ({ url: r.url, pending: Number(r.n) }));
}

/** The routed counter's value, or undefined before the first start that routes after commits. */
export async function readRouted(db: AnyDb): Promise<number | undefined> {
  const r = await on(db).selectFrom('invoice_counters').select('value').where('name', '=', ROUTED_SEQ).executeTakeFirst();
  return r && Number(r.value);
}

/**
 * Creates the routed counter at `initial` (inside a write transaction) unless it exists; returns its value.
 * On a first start every older event was routed in its own transaction.
 */
export async function ensureRouted(db: AnyDb, initial: number): Promise<number> {
  await on(db).insertInto('invoice_counters').values({ name: ROUTED_SEQ, value: initial }).onConflict((oc) => oc.column('name').doNothing()).execute();
  return (await readRouted(db))!;
}

const moveRouted = prepared(1, (db, seq: number) =>
  on(db).updateTable('invoice_counters').set({ value: seq }).where('name', '=', ROUTED_SEQ).where('value', '<', seq),
);

/** Moves the routed counter up to `seq` (inside the routing's transaction). */
export async function setRouted(db: AnyDb, seq: number): Promise<void> {
  await moveRouted(db, seq);
}
