/**
 * The invoice store: Kysely queries only, in the SQL that SQLite and PostgreSQL share (STYLE 6). No rules,
 * no JSON: the engine decides what to do, these functions read and write rows. Every function takes the
 * handle to run on, either the database (reads) or a write transaction's connection (see write-queue.ts).
 * State changes are guarded single statements (`… WHERE status = 'unpaid' … RETURNING`), safe with
 * several daemons on one database.
 */
import { CompiledQuery, sql, type Compilable, type Kysely } from 'kysely';
import { msat, type Msat } from '../util/msat.js';
import { BLOCKHEIGHT_ROW, COUNTER, type CounterName, type DbInt, type InvoiceDb, type InvoiceRow } from './db-schema.js';
import type { Invoice, InvoiceStatus } from './invoice.js';

type Db = Kysely<InvoiceDb>;

const toNum = (v: DbInt): number => Number(v);

/**
 * A query compiled once per dialect and then run with fresh arguments: the hot paths (create, pay) skip
 * Kysely's build-and-compile step, and on SQLite the fixed SQL text hits the statement cache (db.ts).
 * `build` receives placeholder markers for its `arity` arguments; each marker's position among the
 * compiled parameters is where the real argument goes.
 */
function prepared<A extends readonly unknown[], R>(
  arity: number,
  build: (db: Db, ...args: A) => Compilable<R>,
): (db: Db, ...args: A) => Promise<R[]> {
  const byAdapter = new Map<unknown, { sql: string; slots: number[]; fixed: readonly unknown[] }>();
  return async (db: Db, ...args: A): Promise<R[]> => {
    const adapter = db.getExecutor().adapter.constructor;
    let c = byAdapter.get(adapter);
    if (!c) {
      const markers = Array.from({ length: arity }, (_, i) => `\u0000arg${i}\u0000`);
      const compiled = build(db, ...(markers as unknown as A)).compile();
      const slots = compiled.parameters.map((p) => markers.indexOf(p as string));
      if (new Set(slots.filter((x) => x >= 0)).size !== arity) throw new Error('prepared query lost an argument');
      c = { sql: compiled.sql, slots, fixed: compiled.parameters };
      byAdapter.set(adapter, c);
    }
    const fixed = c.fixed;
    const params = c.slots.map((slot, i) => (slot >= 0 ? args[slot] : fixed[i]));
    return (await db.executeQuery(CompiledQuery.raw(c.sql, params) as CompiledQuery<R>)).rows;
  };
}

/** Converts a row to the engine's immutable record. */
export function rowToInvoice(r: InvoiceRow): Invoice {
  const inv: Invoice = {
    label: r.label,
    invstring: r.invstring,
    kind: r.kind,
    payment_hash: new Uint8Array(r.payment_hash),
    ...(r.amount_msat !== null ? { amount_msat: msat(BigInt(r.amount_msat)) } : {}),
    status: r.status,
    ...(r.pay_index !== null ? { pay_index: toNum(r.pay_index) } : {}),
    ...(r.amount_received_msat !== null ? { amount_received_msat: msat(BigInt(r.amount_received_msat)) } : {}),
    ...(r.paid_at !== null ? { paid_at: toNum(r.paid_at) } : {}),
    payment_preimage: new Uint8Array(r.payment_preimage),
    ...(r.description !== null ? { description: r.description } : {}),
    expires_at: toNum(r.expires_at),
    ...(r.local_offer_id !== null ? { local_offer_id: new Uint8Array(r.local_offer_id) } : {}),
    ...(r.invreq_payer_note !== null ? { invreq_payer_note: r.invreq_payer_note } : {}),
    created_index: toNum(r.created_index),
    ...(toNum(r.updated_index) !== 0 ? { updated_index: toNum(r.updated_index) } : {}),
    created_at: toNum(r.created_at),
  };
  return Object.freeze(inv);
}

/** Takes the next value of a counter (inside a write transaction) and returns it. */
const bumpCounter = prepared(2, (db, name: string, by: number) =>
  db
    .updateTable('invoice_counters')
    .set({ value: sql`value + ${by}` })
    .where('name', '=', name)
    .returning('value'),
);

export async function nextCounter(db: Db, name: CounterName, by = 1): Promise<number> {
  const [r] = await bumpCounter(db, name, by);
  if (!r) throw new Error(`counter ${name} missing`);
  return toNum(r.value);
}

/** Current values of every counter. */
export async function readCounters(db: Db): Promise<Record<CounterName, number>> {
  const rows = await db.selectFrom('invoice_counters').select(['name', 'value']).execute();
  const out = Object.fromEntries(Object.values(COUNTER).map((n) => [n, 0])) as Record<CounterName, number>;
  for (const r of rows) if (r.name in out) out[r.name as CounterName] = toNum(r.value);
  return out;
}

/** Raises the stored block height to `height` (never lowers it); creates the row the first time. */
export async function raiseBlockheight(db: Db, height: number): Promise<void> {
  await db
    .insertInto('invoice_counters')
    .values({ name: BLOCKHEIGHT_ROW, value: height })
    .onConflict((oc) => oc.column('name').doUpdateSet({ value: height }).where('invoice_counters.value', '<', height))
    .execute();
}

/** The highest block height stored, if any HTLC was ever seen. */
export async function readBlockheight(db: Db): Promise<number | undefined> {
  const r = await db.selectFrom('invoice_counters').select('value').where('name', '=', BLOCKHEIGHT_ROW).executeTakeFirst();
  return r && toNum(r.value);
}

/** A new invoice row, as the engine built it. */
export interface NewInvoiceRow {
  readonly created_index: number;
  readonly label: string;
  readonly kind: 'bolt11' | 'bolt12';
  readonly invstring: string;
  readonly payment_hash: Uint8Array;
  readonly payment_preimage: Uint8Array;
  readonly amount_msat?: Msat;
  readonly description?: string;
  readonly expires_at: number;
  readonly local_offer_id?: Uint8Array;
  readonly invreq_payer_note?: string;
  readonly created_at: number;
}

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
    .values(Object.fromEntries(INSERT_COLUMNS.map((c, i) => [c, vals[i]])) as never)
    .returningAll(),
);

export async function insertInvoice(db: Db, r: NewInvoiceRow): Promise<Invoice> {
  const [row] = await insertRow(
    db,
    r.created_index,
    r.label,
    r.kind,
    r.invstring,
    r.payment_hash,
    r.payment_preimage,
    r.amount_msat !== undefined ? r.amount_msat.toString() : null,
    'unpaid',
    null,
    null,
    null,
    r.description ?? null,
    r.expires_at,
    r.local_offer_id ?? null,
    r.invreq_payer_note ?? null,
    0,
    r.created_at,
  );
  if (!row) throw new Error('insert returned no row');
  return rowToInvoice(row);
}

/**
 * The created-index counter's bump and the insert in ONE statement (PostgreSQL: data-modifying WITH):
 * the row takes the counter's value + 1 and the counter is set to that value only if the row went in.
 * `ON CONFLICT DO NOTHING` (every unique constraint is an arbiter: label, payment_hash, created_index)
 * makes a duplicate write nothing and return no row, without an error, so neither the counter nor the
 * transaction is touched; the database still enforces uniqueness. Runs only under the write lock.
 */
const INSERT_NEXT_PG = `with ins as (
  insert into invoices (created_index, label, kind, invstring, payment_hash, payment_preimage, amount_msat,
    status, pay_index, amount_received_msat, paid_at, description, expires_at, local_offer_id,
    invreq_payer_note, updated_index, created_at)
  select c.value + 1, $1::text, $2::text, $3::text, $4::bytea, $5::bytea, $6::text,
    'unpaid', null, null, null, $7::text, $8::bigint, $9::bytea, $10::text, 0, $11::bigint
  from invoice_counters c where c.name = '${COUNTER.created}'
  on conflict do nothing
  returning *
), bump as (
  update invoice_counters c set value = ins.created_index from ins where c.name = '${COUNTER.created}'
)
select * from ins`;

/**
 * Inserts a new invoice with the next `created_index`, bumping the counter, in one round trip (PostgreSQL
 * only, see `StoreDialect.writableCte`). Undefined when a unique value is already taken: nothing was
 * written, and the caller looks up which.
 */
export async function insertInvoiceNext(
  db: Db,
  r: Omit<NewInvoiceRow, 'created_index'>,
): Promise<Invoice | undefined> {
  const q = CompiledQuery.raw(INSERT_NEXT_PG, [
    r.label,
    r.kind,
    r.invstring,
    r.payment_hash,
    r.payment_preimage,
    r.amount_msat !== undefined ? r.amount_msat.toString() : null,
    r.description ?? null,
    r.expires_at,
    r.local_offer_id ?? null,
    r.invreq_payer_note ?? null,
    r.created_at,
  ]) as CompiledQuery<InvoiceRow>;
  const [row] = (await db.executeQuery(q)).rows;
  return row && rowToInvoice(row);
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
export async function taken(db: Db, hash: Uint8Array, label: string): Promise<{ hash: boolean; label: boolean }> {
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
}

export async function listInvoices(db: Db, q: ListQuery): Promise<Invoice[]> {
  const col = q.index === 'created' ? 'created_index' : 'updated_index';
  const dir = q.reverse ? 'desc' : 'asc';
  let query = db.selectFrom('invoices').selectAll();
  if (q.start !== undefined) query = query.where(col, q.reverse ? '<=' : '>=', q.start);
  if (q.status !== undefined) query = query.where('status', '=', q.status);
  if (q.local_offer_id !== undefined) query = query.where('local_offer_id', '=', q.local_offer_id);
  query = query.orderBy(col, dir);
  if (col === 'updated_index') query = query.orderBy('created_index', dir);
  if (q.limit !== undefined) query = query.limit(q.limit);
  return (await query.execute()).map(rowToInvoice);
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
export interface HtlcPart {
  readonly short_channel_id: string;
  readonly id: bigint;
  readonly amount_msat: Msat;
}

/** Records the HTLCs that paid an invoice, each with the preimage a replay must be answered with. */
export async function insertHtlcs(
  db: Db,
  payment_hash: Uint8Array,
  payment_preimage: Uint8Array,
  parts: readonly HtlcPart[],
): Promise<void> {
  if (parts.length === 0) return;
  await db
    .insertInto('invoice_htlcs')
    .values(
      parts.map((p) => ({
        short_channel_id: p.short_channel_id,
        id: p.id,
        payment_hash,
        amount_msat: p.amount_msat.toString(),
        payment_preimage,
      })),
    )
    .execute();
}

const paidHtlc = prepared(2, (db, short_channel_id: string, id: bigint) =>
  db
    .selectFrom('invoice_htlcs')
    .select(['payment_hash', 'payment_preimage'])
    .where('short_channel_id', '=', short_channel_id)
    .where('id', '=', id)
    .where('payment_preimage', 'is not', null),
);

/**
 * The payment an HTLC helped pay, from the HTLC records alone: they outlive the invoice, so a replay is
 * fulfilled even after `delinvoice` or autoclean removed it.
 */
export async function findPaidHtlc(
  db: Db,
  short_channel_id: string,
  id: bigint,
): Promise<{ payment_hash: Uint8Array; preimage: Uint8Array } | undefined> {
  const [r] = await paidHtlc(db, short_channel_id, id);
  return r?.payment_preimage
    ? { payment_hash: new Uint8Array(r.payment_hash), preimage: new Uint8Array(r.payment_preimage) }
    : undefined;
}

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
