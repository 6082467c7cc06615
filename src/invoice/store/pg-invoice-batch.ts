/**
 * New invoices on PostgreSQL, one round trip per batch instead of one per invoice. The write queue starts
 * a batch's atomic operations together (`StoreDialect.concurrentAtomic`), so the inserts of all the
 * `invoice` calls waiting reach `insertNextPg` in the same turn, in the batch's order, on the same
 * transaction's connection; they are gathered here and sent at the turn's end:
 * - one invoice: the one-statement insert (store.ts), as before;
 * - several: one query finds whether any label or payment hash is already taken, and if none is (and none
 *   repeats within the batch), ONE statement inserts them all, numbered from the counter in order, and
 *   moves the counter;
 * - otherwise each goes in alone, in order, and a refused one is told at once what was taken, so every
 *   call is answered exactly as if the batch had run one operation after another.
 * Runs only under the write lock (the index advisory lock), like every insert of a new invoice.
 */
import { CompiledQuery } from 'kysely';
import { toHex } from '../../util/hex.js';
import { COUNTER, type DbInt, type InvoiceRow } from './schema.js';
import { toNum, type Db } from './prepared.js';

/** Which of a new invoice's unique values are already taken. */
export interface Taken {
  readonly hash: boolean;
  readonly label: boolean;
}

/** What one insert gave: its created_index, or which of its unique values were taken (nothing written). */
export type NextResult = { readonly created_index: number } | { readonly taken: Taken };

/** The columns bound for a new invoice, in the order of the statements below. */
export const NEXT_VALUES = ['label', 'kind', 'invstring', 'payment_hash', 'payment_preimage', 'amount_msat', 'description', 'expires_at', 'local_offer_id', 'invreq_payer_note', 'created_at'] as const;

const COLUMNS = `label, kind, invstring, payment_hash, payment_preimage, amount_msat, status, pay_index,
    amount_received_msat, paid_at, description, expires_at, local_offer_id, invreq_payer_note, updated_index, created_at`;

/** One invoice: the counter's bump and the insert in one statement (store.ts says why). */
export const INSERT_NEXT_PG = `with ins as (
  insert into invoices (created_index, ${COLUMNS})
  select c.value + 1, $1::text, $2::text, $3::text, $4::bytea, $5::bytea, $6::text,
    'unpaid', null, null, null, $7::text, $8::bigint, $9::bytea, $10::text, 0, $11::bigint
  from invoice_counters c where c.name = '${COUNTER.created}'
  on conflict do nothing
  returning created_index
), bump as (
  update invoice_counters c set value = ins.created_index from ins where c.name = '${COUNTER.created}'
)
select created_index from ins`;

/**
 * Several invoices, none of whose labels or hashes is taken: numbered from the counter in the arrays'
 * order. A row whose index is taken (a counter behind the table) is left out and told so by its absence;
 * the counter ends at the highest index written.
 */
const INSERT_MANY_PG = `with v as (
  select * from unnest($1::text[], $2::text[], $3::text[], $4::bytea[], $5::bytea[], $6::text[], $7::text[],
    $8::bigint[], $9::bytea[], $10::text[], $11::bigint[]) with ordinality
    as v(label, kind, invstring, payment_hash, payment_preimage, amount_msat, description, expires_at,
      local_offer_id, invreq_payer_note, created_at, ord)
), ins as (
  insert into invoices (created_index, ${COLUMNS})
  select c.value + v.ord, v.label, v.kind, v.invstring, v.payment_hash, v.payment_preimage, v.amount_msat,
    'unpaid', null, null, null, v.description, v.expires_at, v.local_offer_id, v.invreq_payer_note, 0, v.created_at
  from invoice_counters c, v where c.name = '${COUNTER.created}'
  order by v.ord
  on conflict do nothing
  returning created_index, label
), bump as (
  update invoice_counters c set value = (select max(created_index) from ins)
  where c.name = '${COUNTER.created}' and exists (select 1 from ins)
)
select created_index, label from ins`;

/** Which labels and payment hashes of a batch are already taken. */
const TAKEN_ANY_PG = 'select label, payment_hash from invoices where label = any($1::text[]) or payment_hash = any($2::bytea[])';

/** Whether a payment hash and a label are taken (store.ts `taken`). */
export type TakenLookup = (db: Db, hash: Uint8Array, label: string) => Promise<Taken>;

interface Waiting {
  readonly row: InvoiceRow;
  readonly resolve: (r: NextResult) => void;
  readonly reject: (e: unknown) => void;
}

/** The inserts gathered this turn, per transaction connection. */
const gathering = new WeakMap<Db, Waiting[]>();

/** Inserts `row` (its created_index is ignored) with the next index, together with the others of this turn. */
export function insertNextPg(db: Db, row: InvoiceRow, lookup: TakenLookup): Promise<NextResult> {
  const list = gathering.get(db) ?? gather(db, lookup);
  return new Promise((resolve, reject) => void list.push({ row, resolve, reject }));
}

/** Starts this turn's list for `db`, sent when the turn ends. */
function gather(db: Db, lookup: TakenLookup): Waiting[] {
  const list: Waiting[] = [];
  gathering.set(db, list);
  setImmediate(() => {
    gathering.delete(db);
    void flush(db, list, lookup);
  });
  return list;
}

async function flush(db: Db, list: readonly Waiting[], lookup: TakenLookup): Promise<void> {
  try {
    if (list.length > 1 && (await noneTaken(db, list))) {
      const got = await db.executeQuery(
        CompiledQuery.raw(INSERT_MANY_PG, NEXT_VALUES.map((c) => list.map((w) => w.row[c]))) as CompiledQuery<{ created_index: DbInt; label: string }>,
      );
      const byLabel = new Map(got.rows.map((r) => [r.label, toNum(r.created_index)]));
      for (const w of list) {
        const created_index = byLabel.get(w.row.label);
        w.resolve(created_index !== undefined ? { created_index } : { taken: { hash: false, label: false } });
      }
      return;
    }
    // One, or some value taken: one after another, each told at once what it found taken.
    for (const w of list) w.resolve(await insertOne(db, w.row, lookup));
  } catch (err) {
    for (const w of list) w.reject(err);
  }
}

/** True when no label or hash of the batch is taken, in the table or twice within the batch. */
async function noneTaken(db: Db, list: readonly Waiting[]): Promise<boolean> {
  const labels = new Set(list.map((w) => w.row.label));
  const hashes = new Set(list.map((w) => toHex(w.row.payment_hash)));
  if (labels.size < list.length || hashes.size < list.length) return false;
  const q = CompiledQuery.raw(TAKEN_ANY_PG, [list.map((w) => w.row.label), list.map((w) => w.row.payment_hash)]);
  return (await db.executeQuery(q)).rows.length === 0;
}

async function insertOne(db: Db, row: InvoiceRow, lookup: TakenLookup): Promise<NextResult> {
  const [got] = (await db.executeQuery(CompiledQuery.raw(INSERT_NEXT_PG, NEXT_VALUES.map((c) => row[c])) as CompiledQuery<{ created_index: DbInt }>)).rows;
  return got ? { created_index: toNum(got.created_index) } : { taken: await lookup(db, row.payment_hash, row.label) };
}
