/**
 * The per-invoice `webhook` URL (`invoice … webhook=URL`): kept by the invoice's created_index in
 * `invoice_webhooks` (migration 0006), written in the invoice's own creation transaction, read when the
 * invoice's events are appended so each is also delivered there. Kysely queries only.
 */
import type { ColumnType, Kysely } from 'kysely';
import { prepared } from '../invoice/store/prepared.js';
import type { DbInt } from '../invoice/store/schema.js';

type Tables = {
  invoice_webhooks: { created_index: ColumnType<DbInt, number, never>; url: ColumnType<string, string, never> };
};
/** Any Kysely handle on the database (the pool, or a write transaction's connection). */
// `any`: the handle's own table map does not matter here; withTables adds ours.
type AnyDb = Kysely<any>;
const on = (db: AnyDb): Kysely<Tables> => db.withTables<Tables>() as unknown as Kysely<Tables>;

/** Records the webhook URL of a new invoice (inside its creation transaction). */
export async function setInvoiceWebhook(db: AnyDb, created_index: number, url: string): Promise<void> {
  await on(db).insertInto('invoice_webhooks').values({ created_index, url }).execute();
}

/** One invoice's URL, compiled once: the lookup every lone new invoice's events make. */
const urlOf = prepared(1, (db, created_index: number) =>
  on(db).selectFrom('invoice_webhooks').select(['created_index', 'url']).where('created_index', '=', created_index),
);

/** The webhook URLs of the invoices among `created_indexes`, by created_index. */
export async function invoiceWebhooks(db: AnyDb, created_indexes: readonly number[]): Promise<Map<number, string>> {
  const out = new Map<number, string>();
  const indexes = [...new Set(created_indexes)];
  if (indexes.length === 0) return out;
  const rows =
    indexes.length === 1
      ? await urlOf(db, indexes[0]!)
      : await on(db).selectFrom('invoice_webhooks').select(['created_index', 'url']).where('created_index', 'in', indexes).execute();
  for (const r of rows) out.set(Number(r.created_index), r.url);
  return out;
}

/** Forgets the URLs of deleted invoices (after their `invoice_deleted` event was routed). */
export async function dropInvoiceWebhooks(db: AnyDb, created_indexes: readonly number[]): Promise<void> {
  if (created_indexes.length === 0) return;
  await on(db).deleteFrom('invoice_webhooks').where('created_index', 'in', [...created_indexes]).execute();
}
