/**
 * Schema step 2: our BOLT 12 offers and our invoice_requests ("offers to pay", `lnr`). Frozen once
 * released. Both tables keep CLN's status integer (reference §4.13): bit 0 active, bit 1 single-use,
 * bit 2 used. The same step runs on SQLite and PostgreSQL; only the byte-string type differs.
 */
import { PostgresAdapter, sql, type Kysely } from 'kysely';

// `any`: Kysely hands migrations an untyped handle by design; the schema they build is not the app's type yet.
type AnyDb = Kysely<any>;

export async function up(db: AnyDb): Promise<void> {
  const isPg = db.getExecutor().adapter instanceof PostgresAdapter;
  const bytes = isPg ? sql`bytea` : sql`blob`;

  // The two tables differ only in their id, CLN's hash of the records. For offers it is SHA256 of the offer's TLV
  // records (offers are deterministic, so an identical offer has the same id and the primary key finds it).
  for (const [table, id] of [
    ['offers', 'offer_id'],
    ['invoicerequests', 'invreq_id'],
  ] as const) {
    await db.schema
      .createTable(table)
      .addColumn(id, bytes, (c) => c.primaryKey())
      .addColumn('bolt12', 'text', (c) => c.notNull())
      .addColumn('label', 'text')
      .addColumn('description', 'text')
      .addColumn('status', 'integer', (c) => c.notNull().check(sql`status >= 0 and status <= 7`))
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();
    // listoffers / listinvoicerequests list in creation order.
    await db.schema.createIndex(`${table}_created_at`).on(table).columns(['created_at', id]).execute();
  }
}

export async function down(db: AnyDb): Promise<void> {
  await db.schema.dropTable('invoicerequests').execute();
  await db.schema.dropTable('offers').execute();
}
