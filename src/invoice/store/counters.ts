/** The counters row by row (`invoice_counters`): the index counters, the autoclean totals, the block height. */
import { sql } from 'kysely';
import { prepared, toNum, type Db } from './prepared.js';
import { BLOCKHEIGHT_ROW, COUNTER, type CounterName, type DbInt } from './schema.js';

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

/** Stores `height` as the block height, also lower than the stored one (an operator's correction). */
export async function writeBlockheight(db: Db, height: number): Promise<void> {
  await db
    .insertInto('invoice_counters')
    .values({ name: BLOCKHEIGHT_ROW, value: height })
    .onConflict((oc) => oc.column('name').doUpdateSet({ value: height }))
    .execute();
}

/** The highest block height stored, if any HTLC was ever seen. */
export async function readBlockheight(db: Db): Promise<number | undefined> {
  const r = await db.selectFrom('invoice_counters').select('value').where('name', '=', BLOCKHEIGHT_ROW).executeTakeFirst();
  return r && toNum(r.value);
}

/**
 * The invoices by status and every counter, in ONE statement, so both come from one snapshot (the engine's
 * in-memory counts, src/invoice/engine/live-counts.ts, start from it); `kind` says which a row is.
 */
export async function readCountsSnapshot(db: Db): Promise<{ status: Record<string, number>; counters: Record<string, number> }> {
  const rows = await db
    .selectFrom('invoices')
    .select((eb) => [sql<string>`'status'`.as('kind'), eb.ref('status').$castTo<string>().as('name'), eb.fn.countAll<DbInt>().as('value')])
    .groupBy('status')
    .unionAll(db.selectFrom('invoice_counters').select((eb) => [sql<string>`'counter'`.as('kind'), 'name', eb.ref('value').$castTo<DbInt>().as('value')]))
    .execute();
  const status: Record<string, number> = {};
  const counters: Record<string, number> = {};
  for (const r of rows) (r.kind === 'status' ? status : counters)[r.name] = toNum(r.value);
  return { status, counters };
}
