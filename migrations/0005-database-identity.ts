/**
 * Schema step 5: the database says whose it is. Frozen once released.
 *
 * One row per fact, `name` → `value` text: `network` (the `--network` name) and `node_id` (hex) are
 * written by the first daemon to start on the database (src/daemon/database-identity.ts), and every later
 * start compares them with its own, refusing a mismatch: invoices in the database were signed by that
 * node for that chain. The table starts empty, so a database from before this step is claimed by the
 * next daemon to start on it. The same step runs on SQLite and PostgreSQL.
 */
import type { Kysely } from 'kysely';

// `any`: Kysely hands migrations an untyped handle by design; the schema they build is not the app's type yet.
type AnyDb = Kysely<any>;

export async function up(db: AnyDb): Promise<void> {
  await db.schema
    .createTable('database_identity')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('value', 'text', (c) => c.notNull())
    .execute();
}

export async function down(db: AnyDb): Promise<void> {
  await db.schema.dropTable('database_identity').execute();
}
