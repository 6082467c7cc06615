/**
 * Schema step 10: paging `index=updated` with a status (`listinvoices index=updated status=paid
 * reverse=true limit=10`, "the most recently paid") reads one index in order. Frozen once released.
 *
 * With only `(updated_index, created_index)` and `(status, expires_at)` to choose from, SQLite's planner
 * took the status index and sorted every invoice of that status (on a database never analysed, which is
 * every daemon's: 38 ms at 20,000 invoices, seconds at a million). `(status, updated_index, created_index)`
 * answers the equality and the order at once, in either direction, on both databases.
 */
import type { Kysely } from 'kysely';

// `any`: Kysely hands migrations an untyped handle by design; the schema they build is not the app's type yet.
type AnyDb = Kysely<any>;

export async function up(db: AnyDb): Promise<void> {
  await db.schema.createIndex('invoices_status_updated_index').on('invoices').columns(['status', 'updated_index', 'created_index']).execute();
}

export async function down(db: AnyDb): Promise<void> {
  await db.schema.dropIndex('invoices_status_updated_index').execute();
}
