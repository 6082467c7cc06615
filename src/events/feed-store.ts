/**
 * The event feed's queries over `events` and the `event_seq` row of `invoice_counters` (migration 0006):
 * Kysely, in the SQL both databases share, but for PostgreSQL's one-statement insert of a batch's events.
 * No rules: src/events/feed.ts decides.
 */
import { CompiledQuery, sql, type ColumnType, type Kysely } from 'kysely';
import { onPostgres, prepared, preparedInsert } from '../invoice/store/prepared.js';
import type { DbInt } from '../invoice/store/schema.js';

type Immutable<T> = ColumnType<T, T, never>;
type Tables = {
  events: { seq: ColumnType<DbInt, number, never>; type: Immutable<string>; created_at: ColumnType<DbInt, number, never>; body: Immutable<string> };
  invoice_counters: { name: Immutable<string>; value: ColumnType<DbInt, number, number> };
  webhook_deliveries: { seq: ColumnType<DbInt, number, never>; status: string };
};
/** Any Kysely handle on the database (the pool, or a write transaction's connection). */
// `any`: the handle's own table map does not matter here; withTables adds ours.
type AnyDb = Kysely<any>;
const on = (db: AnyDb): Kysely<Tables> => db.withTables<Tables>() as unknown as Kysely<Tables>;

/**
 * The `invoice_counters` row up to which events have been routed to their webhook deliveries (SQLite, where
 * routing follows the commit: webhooks' deferred-routing.ts); absent on PostgreSQL.
 */
export const ROUTED_SEQ = 'webhook_routed_seq';

/** The name of the feed's counter row in `invoice_counters`. */
export const EVENT_SEQ = 'event_seq';

/** One stored event. */
export interface EventRow {
  readonly seq: number;
  readonly type: string;
  readonly created_at: number;
  /** The event's JSON text. */
  readonly body: string;
}

const toRow = (r: { seq: DbInt; type: string; created_at: DbInt; body: string }): EventRow =>
  Object.freeze({ seq: Number(r.seq), type: r.type, created_at: Number(r.created_at), body: r.body });

/**
 * Takes `n` feed values under the write lock (inside a write transaction) and returns the last one:
 * the events get last-n+1 … last. Rolled back with the transaction, so values are never skipped.
 */
export async function takeSeqs(db: AnyDb, n: number): Promise<number> {
  const [r] = await bumpSeq(db, n);
  if (!r) throw new Error(`counter ${EVENT_SEQ} missing`);
  return Number(r.value);
}
const bumpSeq = prepared(1, (db, n: number) =>
  on(db)
    .updateTable('invoice_counters')
    .set({ value: sql`value + ${n}` })
    .where('name', '=', EVENT_SEQ)
    .returning('value'),
);

const insertRows = preparedInsert(4, (db, rows) =>
  on(db)
    .insertInto('events')
    .values(rows.map(([seq, type, created_at, body]) => ({ seq, type, created_at, body }) as never)),
);

/** PostgreSQL: any number of events in one statement (one round trip), their columns as arrays. */
const INSERT_MANY_PG = `insert into events (seq, type, created_at, body)
  select * from unnest($1::bigint[], $2::text[], $3::bigint[], $4::text[])`;

/**
 * Stores new events: on SQLite by statements compiled once per chunk size (the hot path of every change),
 * never per batch; on PostgreSQL several in one statement.
 */
export async function insertEvents(db: AnyDb, rows: readonly EventRow[]): Promise<void> {
  if (rows.length > 1 && onPostgres(db)) {
    const columns = [rows.map((r) => r.seq), rows.map((r) => r.type), rows.map((r) => r.created_at), rows.map((r) => r.body)];
    await db.executeQuery(CompiledQuery.raw(INSERT_MANY_PG, columns));
    return;
  }
  await insertRows(db, rows.map((r) => [r.seq, r.type, r.created_at, r.body]));
}

/** Events from `start` (inclusive) in seq order, at most `limit`, optionally only some types. */
export async function listEvents(
  db: AnyDb,
  q: { readonly start?: number; readonly limit?: number; readonly types?: readonly string[] },
): Promise<EventRow[]> {
  let s = on(db).selectFrom('events').selectAll();
  if (q.start !== undefined) s = s.where('seq', '>=', q.start);
  if (q.types !== undefined) s = s.where('type', 'in', [...q.types]);
  s = s.orderBy('seq', 'asc');
  if (q.limit !== undefined) s = s.limit(q.limit);
  return (await s.execute()).map(toRow);
}

/** The last feed value handed out (0 = none yet): the `created` index of `wait events`. */
export async function lastSeq(db: AnyDb): Promise<number> {
  const r = await on(db).selectFrom('invoice_counters').select('value').where('name', '=', EVENT_SEQ).executeTakeFirst();
  return r ? Number(r.value) : 0;
}

/**
 * Autoclean: deletes at most `limit` events created at or before `cutoff` (Unix seconds) that no webhook
 * delivery still waits for and that have been routed to their deliveries; returns how many went. The counter keeps its value: seqs are never reused.
 */
export async function deleteOldEvents(db: AnyDb, cutoff: number, limit: number): Promise<number> {
  const k = on(db);
  const victims = k
    .selectFrom('events')
    .select('seq')
    .where('created_at', '<=', cutoff)
    // Not before their deliveries exist: on SQLite events are routed after their commit (webhooks'
    // deferred-routing.ts), up to the seq this counter holds; without the row every event is routed.
    .where('seq', '<=', (eb) =>
      eb.fn.coalesce(eb.selectFrom('invoice_counters').select('value').where('name', '=', ROUTED_SEQ), sql.lit(Number.MAX_SAFE_INTEGER)),
    )
    .where(({ not, exists, selectFrom }) =>
      not(exists(selectFrom('webhook_deliveries as d').select('d.seq').whereRef('d.seq', '=', 'events.seq').where('d.status', '=', 'pending'))),
    )
    .orderBy('seq', 'asc')
    .limit(limit);
  const seqs = (await victims.execute()).map((r) => Number(r.seq));
  if (seqs.length === 0) return 0;
  await k.deleteFrom('webhook_deliveries').where('seq', 'in', seqs).execute();
  await k.deleteFrom('events').where('seq', 'in', seqs).execute();
  return seqs.length;
}
