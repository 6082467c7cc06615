/**
 * Schema step 1: invoices, their counters and the HTLCs that paid them. Frozen once released: later
 * changes go into new files. The same step runs on SQLite and PostgreSQL; only the byte-string type
 * differs (BLOB / BYTEA).
 */
import { PostgresAdapter, sql, type Kysely } from 'kysely';

// `any`: Kysely hands migrations an untyped handle by design; the schema they build is not the app's type yet.
type AnyDb = Kysely<any>;

const COUNTERS = [
  'created_index',
  'updated_index',
  'deleted_index',
  'pay_index',
  'autoclean_expiredinvoices_cleaned',
  'autoclean_paidinvoices_cleaned',
];

export async function up(db: AnyDb): Promise<void> {
  const isPg = db.getExecutor().adapter instanceof PostgresAdapter;
  const bytes = isPg ? sql`bytea` : sql`blob`;

  await db.schema
    .createTable('invoices')
    // created_index is the primary key, assigned from the `created_index` counter (never reused).
    .addColumn('created_index', 'bigint', (c) => c.primaryKey())
    .addColumn('label', 'text', (c) => c.notNull().unique())
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('bolt11', 'bolt12')`))
    .addColumn('invstring', 'text', (c) => c.notNull())
    .addColumn('payment_hash', bytes, (c) => c.notNull().unique())
    .addColumn('payment_preimage', bytes, (c) => c.notNull())
    // Decimal text: msat amounts range over u64, beyond a signed BIGINT.
    .addColumn('amount_msat', 'text')
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('unpaid', 'paid', 'expired')`))
    .addColumn('pay_index', 'bigint')
    .addColumn('amount_received_msat', 'text')
    .addColumn('paid_at', 'bigint')
    .addColumn('description', 'text')
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('local_offer_id', bytes)
    .addColumn('invreq_payer_note', 'text')
    .addColumn('updated_index', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();

  // Waits and waitanyinvoice look paid invoices up by pay_index; it is unique per paid invoice.
  await db.schema.createIndex('invoices_pay_index').unique().on('invoices').column('pay_index').execute();
  // Paging by `index=updated` (ties at 0 broken by creation order).
  await db.schema
    .createIndex('invoices_updated_index')
    .on('invoices')
    .columns(['updated_index', 'created_index'])
    .execute();
  // The expiry sweep and the next-expiry lookup: unpaid rows by expires_at.
  await db.schema.createIndex('invoices_status_expires_at').on('invoices').columns(['status', 'expires_at']).execute();
  // Autoclean of paid invoices by age.
  await db.schema.createIndex('invoices_status_paid_at').on('invoices').columns(['status', 'paid_at']).execute();
  // listinvoices offer_id=…
  await db.schema
    .createIndex('invoices_local_offer_id')
    .on('invoices')
    .columns(['local_offer_id', 'created_index'])
    .execute();

  await db.schema
    .createTable('invoice_counters')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('value', 'bigint', (c) => c.notNull())
    .execute();
  await db
    .insertInto('invoice_counters')
    .values(COUNTERS.map((name) => ({ name, value: 0 })))
    .execute();

  await db.schema
    .createTable('invoice_htlcs')
    .addColumn('short_channel_id', 'text', (c) => c.notNull())
    .addColumn('id', 'bigint', (c) => c.notNull())
    .addColumn('payment_hash', bytes, (c) => c.notNull())
    .addColumn('amount_msat', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('invoice_htlcs_pk', ['short_channel_id', 'id'])
    .execute();
  await db.schema.createIndex('invoice_htlcs_payment_hash').on('invoice_htlcs').column('payment_hash').execute();
}

export async function down(db: AnyDb): Promise<void> {
  await db.schema.dropTable('invoice_htlcs').execute();
  await db.schema.dropTable('invoice_counters').execute();
  await db.schema.dropTable('invoices').execute();
}
