/**
 * Schema step 9 (SQLite only): a new invoice's created-index counter moves inside the invoice's own INSERT.
 * Frozen once released.
 *
 * PostgreSQL inserts a new invoice and bumps `invoice_counters.created_index` in one statement (a
 * data-modifying WITH, store.ts). SQLite has no writable WITH, so it took three statements: a lookup of
 * the label and hash, the counter's UPDATE, the INSERT. With this trigger the INSERT (which takes the
 * counter's value + 1 and does nothing on a taken label, hash or index) moves the counter itself, so a new
 * invoice is one statement that writes all or nothing, and needs no savepoint of its own in a batch
 * (write-queue.ts). The guard (`value < new.created_index`) leaves the counter alone for rows inserted with
 * an index already taken from it. PostgreSQL is untouched.
 */
import { PostgresAdapter, sql, type Kysely } from 'kysely';

// `any`: Kysely hands migrations an untyped handle by design; the schema they build is not the app's type yet.
type AnyDb = Kysely<any>;

const isSqlite = (db: AnyDb): boolean => !(db.getExecutor().adapter instanceof PostgresAdapter);

export async function up(db: AnyDb): Promise<void> {
  if (!isSqlite(db)) return;
  await sql`create trigger invoices_created_counter after insert on invoices
    begin
      update invoice_counters set value = new.created_index
      where name = 'created_index' and value < new.created_index;
    end`.execute(db);
}

export async function down(db: AnyDb): Promise<void> {
  if (!isSqlite(db)) return;
  await sql`drop trigger invoices_created_counter`.execute(db);
}
