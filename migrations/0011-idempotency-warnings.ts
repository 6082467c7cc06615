/**
 * Schema step 11: `invoices.idempotency_warnings`, the `warning_*` fields the creating call answered with
 * (a JSON array of [name, text] pairs), stored with its idempotency key. A repeat answers them as they
 * were, not as today's node facts (channels, capacities) would compute them. NULL for invoices created
 * without a key, and for those created with one before this step (their repeats recompute the warnings,
 * as before). Frozen once released.
 */
import type { Kysely } from 'kysely';

// `any`: Kysely hands migrations an untyped handle by design; the schema they build is not the app's type yet.
type AnyDb = Kysely<any>;

export async function up(db: AnyDb): Promise<void> {
  await db.schema.alterTable('invoices').addColumn('idempotency_warnings', 'text').execute();
}

export async function down(db: AnyDb): Promise<void> {
  await db.schema.alterTable('invoices').dropColumn('idempotency_warnings').execute();
}
