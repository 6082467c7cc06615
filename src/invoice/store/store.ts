/**
 * The invoice store: Kysely queries only, in the SQL that SQLite and PostgreSQL share (STYLE 6). No rules,
 * no JSON: the engine decides what to do, these functions read and write rows. Every function takes the
 * handle to run on, either the database (reads) or a write transaction's connection (see write-queue.ts).
 * State changes are guarded single statements (`… WHERE status = 'unpaid' … RETURNING`), safe with
 * several daemons on one database. Rows become the engine's records in invoice-row.ts.
 */
import { CompiledQuery, type ExpressionBuilder } from 'kysely';
import type { Msat } from '../../util/msat.js';
import { COUNTER, type DbInt, type InvoiceDb } from './schema.js';
import type { Invoice, InvoiceStatus } from '../invoice.js';
import { newRow, rowToInvoice, type NewInvoiceRow } from './invoice-row.js';
import { execute, onPostgres, prepared, toNum, type Db } from './prepared.js';
import { insertNextPg, NEXT_VALUES, type NextResult, type Taken } from './pg-invoice-batch.js';

export * from './counters.js';
export * from './htlcs.js';
export { rowToInvoice, type NewInvoiceRow } from './invoice-row.js';
export type { Taken } from './pg-invoice-batch.js';

const INSERT_COLUMNS = [
  'created_index',
  'label',
  'kind',
  'invstring',
  'payment_hash',
  'payment_preimage',
  'amount_msat',
  'status',
  'pay_index',
  'amount_received_msat',
  'paid_at',
  'description',
  'expires_at',
  'local_offer_id',
  'invreq_payer_note',
  'updated_index',
  'created_at',
] as const;

const insertRow = prepared(INSERT_COLUMNS.length, (db, ...vals: unknown[]) =>
  db
    .insertInto('invoices')
    // Markers stand in for every column's value; the real values are bound per call.
    .values(Object.fromEntries(INSERT_COLUMNS.map((c, i) => [c, vals[i]])) as never),
);

/**
 * Inserts a new invoice with the `created_index` given. No `RETURNING`: every column's value is what was
 * bound (the ones not bound are NULL), so the record is built from them, which saves reading the row back.
 */
export async function insertInvoice(db: Db, r: NewInvoiceRow): Promise<Invoice> {
  const row = newRow(r);
  await insertRow(db, ...INSERT_COLUMNS.map((c) => row[c]));
  return rowToInvoice(row);
}

/**
 * The created-index counter's bump and the insert in ONE statement: the row takes the counter's value + 1
 * and the counter is set to that value only if the row went in. `ON CONFLICT DO NOTHING` (every unique
 * constraint is an arbiter: label, payment_hash, created_index) makes a duplicate write nothing (no row
 * changed), without an error, so neither the counter nor the transaction is touched; the database still
 * enforces uniqueness. Runs only under the write lock. SQLite's counter is moved by the INSERT's trigger
 * (migration 0009), and the new row's index is then read back from the counter (`CREATED_SQLITE`) rather
 * than with `RETURNING`, which makes SQLite open and drop a temporary table at every insert (~6 µs of the
 * ~30 µs here, docs/performance.md); PostgreSQL bumps it in a data-modifying WITH, and inserts a batch's
 * invoices together (pg-invoice-batch.ts).
 */
const INSERT_NEXT_SQLITE = `insert into invoices (created_index, label, kind, invstring, payment_hash, payment_preimage,
    amount_msat, status, description, expires_at, local_offer_id, invreq_payer_note, updated_index, created_at)
  select c.value + 1, ?, ?, ?, ?, ?, ?, 'unpaid', ?, ?, ?, ?, 0, ?
  from invoice_counters c where c.name = '${COUNTER.created}'
  on conflict do nothing`;

/** After INSERT_NEXT_SQLITE wrote its row, in the same transaction: the row's created_index. */
const CREATED_SQLITE = `select value as created_index from invoice_counters where name = '${COUNTER.created}'`;

/** A new invoice as stored, or which of its unique values were already taken (then nothing was written). */
export type InsertNextResult = { readonly invoice: Invoice } | { readonly taken: Taken };

/**
 * Inserts a new invoice with the next `created_index`, bumping the counter, in one statement (above).
 * When a unique value is already taken nothing is written, and the answer says which (looked up at once,
 * under the same write lock). Neither taken means the counter is missing or behind the table.
 */
export async function insertInvoiceNext(db: Db, r: Omit<NewInvoiceRow, 'created_index'>): Promise<InsertNextResult> {
  // The row is built once: its values are bound, and with the index given back it is the record.
  const row = newRow({ ...r, created_index: 0 });
  let got: NextResult;
  if (onPostgres(db)) got = await insertNextPg(db, row, taken);
  else {
    const wrote = (await execute(db, CompiledQuery.raw(INSERT_NEXT_SQLITE, NEXT_VALUES.map((c) => row[c])))).numAffectedRows === 1n;
    const [one] = wrote ? (await execute(db, CompiledQuery.raw(CREATED_SQLITE, []) as CompiledQuery<{ created_index: DbInt }>)).rows : [];
    got = one ? { created_index: toNum(one.created_index) } : { taken: await taken(db, row.payment_hash, row.label) };
  }
  return 'created_index' in got ? { invoice: rowToInvoice({ ...row, created_index: got.created_index }) } : got;
}

const byLabel = prepared(1, (db, label: string) => db.selectFrom('invoices').selectAll().where('label', '=', label));
const byHash = prepared(1, (db, hash: Uint8Array) =>
  db.selectFrom('invoices').selectAll().where('payment_hash', '=', hash),
);
const hashRow = prepared(1, (db, hash: Uint8Array) =>
  db.selectFrom('invoices').select('created_index').where('payment_hash', '=', hash),
);

export async function findByLabel(db: Db, label: string): Promise<Invoice | undefined> {
  const [r] = await byLabel(db, label);
  return r && rowToInvoice(r);
}

export async function findByPaymentHash(db: Db, hash: Uint8Array): Promise<Invoice | undefined> {
  const [r] = await byHash(db, hash);
  return r && rowToInvoice(r);
}

export async function findByInvstring(db: Db, invstring: string): Promise<Invoice | undefined> {
  const r = await db.selectFrom('invoices').selectAll().where('invstring', '=', invstring).executeTakeFirst();
  return r && rowToInvoice(r);
}

export async function hashExists(db: Db, hash: Uint8Array): Promise<boolean> {
  return (await hashRow(db, hash)).length > 0;
}

const takenQuery = prepared(2, (db, hash: Uint8Array, label: string) =>
  db
    .selectNoFrom((eb) => [
      eb.exists(eb.selectFrom('invoices').select('created_index').where('payment_hash', '=', hash)).as('hash_taken'),
      eb.exists(eb.selectFrom('invoices').select('created_index').where('label', '=', label)).as('label_taken'),
    ]),
);

/** Whether a payment hash and a label are already used, in one round trip (the create path's checks). */
export async function taken(db: Db, hash: Uint8Array, label: string): Promise<Taken> {
  const [r] = await takenQuery(db, hash, label);
  // SQLite answers 0/1, PostgreSQL true/false.
  return { hash: Boolean(r?.hash_taken), label: Boolean(r?.label_taken) };
}

/** The paid invoice with the smallest pay_index above `after`. */
export async function firstPaidAfter(db: Db, after: number): Promise<Invoice | undefined> {
  const r = await db
    .selectFrom('invoices')
    .selectAll()
    .where('pay_index', '>', after)
    .orderBy('pay_index', 'asc')
    .limit(1)
    .executeTakeFirst();
  return r && rowToInvoice(r);
}

/** Filters and order of a listing. */
export interface ListQuery {
  readonly index: 'created' | 'updated';
  /** Lower bound (ascending) or upper bound (descending); undefined = none. */
  readonly start?: number;
  readonly limit?: number;
  readonly status?: InvoiceStatus;
  readonly reverse: boolean;
  readonly local_offer_id?: Uint8Array;
  readonly metadata?: { readonly key: string; readonly value?: string };
}

export async function listInvoices(db: Db, q: ListQuery): Promise<Invoice[]> {
  const col = q.index === 'created' ? 'created_index' : 'updated_index';
  const dir = q.reverse ? 'desc' : 'asc';
  let query = db.selectFrom('invoices').selectAll();
  if (q.start !== undefined) query = query.where(col, q.reverse ? '<=' : '>=', q.start);
  if (q.status !== undefined) query = query.where('status', '=', q.status);
  if (q.local_offer_id !== undefined) query = query.where('local_offer_id', '=', q.local_offer_id);
  const m = q.metadata;
  if (m) query = query.where(metadataMatches(m));
  query = query.orderBy(col, dir);
  if (col === 'updated_index') query = query.orderBy('created_index', dir);
  if (q.limit !== undefined) query = query.limit(q.limit);
  return (await query.execute()).map(rowToInvoice);
}

/**
 * Invoices whose metadata has `key` (with `value`). With a value: the few matching rows through the
 * (key, value) index, then each invoice by its key. With the key alone: the invoices in listing order,
 * each checked by the (created_index, key) primary key, so a page stops after `limit` matches instead of
 * collecting every invoice having the key first.
 */
function metadataMatches(m: { readonly key: string; readonly value?: string }) {
  return (eb: ExpressionBuilder<InvoiceDb, 'invoices'>) => {
    const rows = eb.selectFrom('invoice_metadata').select('invoice_metadata.created_index').where('invoice_metadata.key', '=', m.key);
    if (m.value !== undefined) return eb('invoices.created_index', 'in', rows.where('invoice_metadata.value', '=', m.value));
    return eb.exists(rows.whereRef('invoice_metadata.created_index', '=', 'invoices.created_index'));
  };
}

/** Guarded unpaid → paid; undefined when the invoice is not (any more) unpaid or has expired by `now`. */
export async function markPaidRow(
  db: Db,
  p: {
    payment_hash: Uint8Array;
    now: number;
    pay_index: number;
    updated_index: number;
    amount_received_msat: Msat;
  },
): Promise<Invoice | undefined> {
  const r = await db
    .updateTable('invoices')
    .set({
      status: 'paid',
      pay_index: p.pay_index,
      paid_at: p.now,
      amount_received_msat: p.amount_received_msat.toString(),
      updated_index: p.updated_index,
    })
    .where('payment_hash', '=', p.payment_hash)
    .where('status', '=', 'unpaid')
    .where('expires_at', '>', p.now)
    .returningAll()
    .executeTakeFirst();
  return r && rowToInvoice(r);
}

/** Unpaid invoices due to expire by `now`, in expiry order. */
export async function dueUnpaid(db: Db, now: number, limit: number): Promise<Invoice[]> {
  const rows = await db
    .selectFrom('invoices')
    .selectAll()
    .where('status', '=', 'unpaid')
    .where('expires_at', '<=', now)
    .orderBy('expires_at', 'asc')
    .orderBy('created_index', 'asc')
    .limit(limit)
    .execute();
  return rows.map(rowToInvoice);
}

/** Guarded unpaid → expired of one invoice. */
export async function expireRow(db: Db, created_index: number, now: number, updated_index: number): Promise<Invoice | undefined> {
  const r = await db
    .updateTable('invoices')
    .set({ status: 'expired', updated_index })
    .where('created_index', '=', created_index)
    .where('status', '=', 'unpaid')
    .where('expires_at', '<=', now)
    .returningAll()
    .executeTakeFirst();
  return r && rowToInvoice(r);
}

/** Unpaid invoices issued for one of our offers, in creation order (disabling the offer expires them). */
export async function unpaidForOffer(db: Db, offer_id: Uint8Array): Promise<Invoice[]> {
  const rows = await db
    .selectFrom('invoices')
    .selectAll()
    .where('local_offer_id', '=', offer_id)
    .where('status', '=', 'unpaid')
    .orderBy('created_index', 'asc')
    .execute();
  return rows.map(rowToInvoice);
}

/** Guarded unpaid → expired of one invoice whatever its expiry time (its offer was disabled or used up). */
export async function expireUnpaidRow(db: Db, created_index: number, updated_index: number): Promise<Invoice | undefined> {
  const r = await db
    .updateTable('invoices')
    .set({ status: 'expired', updated_index })
    .where('created_index', '=', created_index)
    .where('status', '=', 'unpaid')
    .returningAll()
    .executeTakeFirst();
  return r && rowToInvoice(r);
}

/** The earliest expires_at among unpaid invoices. */
export async function nextExpiry(db: Db): Promise<number | undefined> {
  const r = await db
    .selectFrom('invoices')
    .select((eb) => eb.fn.min('expires_at').as('m'))
    .where('status', '=', 'unpaid')
    .executeTakeFirst();
  return r?.m === null || r?.m === undefined ? undefined : toNum(r.m as DbInt);
}

/**
 * Guarded delete of one invoice in `status`; returns whether the row went. Its HTLC records stay: a node
 * may still replay one of those HTLCs, and it must be fulfilled with the preimage they keep.
 */
export async function deleteRow(db: Db, created_index: number, status: InvoiceStatus): Promise<boolean> {
  const r = await db
    .deleteFrom('invoices')
    .where('created_index', '=', created_index)
    .where('status', '=', status)
    .returning('created_index')
    .executeTakeFirst();
  return r !== undefined;
}

/** Guarded removal of a description (delinvoice desconly). */
export async function removeDescription(db: Db, created_index: number, updated_index: number): Promise<boolean> {
  const r = await db
    .updateTable('invoices')
    .set({ description: null, updated_index })
    .where('created_index', '=', created_index)
    .where('description', 'is not', null)
    .returning('created_index')
    .executeTakeFirst();
  return r !== undefined;
}

/** One HTLC that paid an invoice. */

/** Number of invoices in each status. */
export async function statusCounts(db: Db): Promise<Record<InvoiceStatus, number>> {
  const rows = await db
    .selectFrom('invoices')
    .select((eb) => ['status', eb.fn.countAll().as('n')])
    .groupBy('status')
    .execute();
  const out: Record<InvoiceStatus, number> = { unpaid: 0, paid: 0, expired: 0 };
  for (const r of rows) out[r.status] = Number(r.n);
  return out;
}

/** Autoclean candidates: invoices in `status` whose reference time (expires_at / paid_at) is ≤ cutoff. */
export async function cleanable(
  db: Db,
  status: 'expired' | 'paid',
  cutoff: number,
  limit: number,
): Promise<Invoice[]> {
  const col = status === 'expired' ? 'expires_at' : 'paid_at';
  const rows = await db
    .selectFrom('invoices')
    .selectAll()
    .where('status', '=', status)
    .where(col, '<=', cutoff)
    .orderBy('created_index', 'asc')
    .limit(limit)
    .execute();
  return rows.map(rowToInvoice);
}

/** Invoices in `status` too young to clean (reference time > cutoff). */
export async function countUncleaned(db: Db, status: 'expired' | 'paid', cutoff: number): Promise<number> {
  const col = status === 'expired' ? 'expires_at' : 'paid_at';
  const r = await db
    .selectFrom('invoices')
    .select((eb) => eb.fn.countAll().as('n'))
    .where('status', '=', status)
    .where(col, '>', cutoff)
    .executeTakeFirstOrThrow();
  return Number(r.n);
}
