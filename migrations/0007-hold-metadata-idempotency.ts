/**
 * Schema step 5: hold invoices, invoice metadata and idempotent creation (issue 15). Frozen once released.
 *
 * - `invoices.holdstate`: NULL for an ordinary invoice; for a hold invoice its state OPEN → ACCEPTED →
 *   SETTLED | CANCELED (OPEN → CANCELED too). `invoices.htlc_expiry`: the lowest `cltv_expiry` of the
 *   accepted HTLC set (the block by which it must be settled or cancelled).
 * - `hold_htlcs`: the HTLCs of an accepted hold invoice, so a restarted daemon recognises the node's
 *   replays as the set it holds. Removed with their invoice.
 * - `invoices.metadata`: the client's JSON object as stored text; `invoice_metadata` repeats its top-level
 *   members (key, value as text) for `listinvoices metadata_key= metadata_value=` through an index.
 *   Removed with their invoice.
 * - `invoices.idempotency_key` (unique) and `idempotency_fingerprint` (SHA-256 of the creating call's
 *   parameters): a repeated create with the same key is answered from the stored invoice.
 * - the same three columns on `offers` (`metadata`, `idempotency_key`, `idempotency_fingerprint`).
 *
 * The same step runs on SQLite and PostgreSQL; only the byte-string type differs.
 */
import { PostgresAdapter, sql, type Kysely } from 'kysely';

// `any`: Kysely hands migrations an untyped handle by design; the schema they build is not the app's type yet.
type AnyDb = Kysely<any>;

export async function up(db: AnyDb): Promise<void> {
  const isPg = db.getExecutor().adapter instanceof PostgresAdapter;
  const bytes = isPg ? sql`bytea` : sql`blob`;

  await db.schema
    .alterTable('invoices')
    .addColumn('holdstate', 'text', (c) => c.check(sql`holdstate in ('OPEN', 'ACCEPTED', 'SETTLED', 'CANCELED')`))
    .execute();
  await db.schema.alterTable('invoices').addColumn('htlc_expiry', 'bigint').execute();
  await db.schema.alterTable('invoices').addColumn('metadata', 'text').execute();
  await db.schema.alterTable('invoices').addColumn('idempotency_key', 'text').execute();
  await db.schema.alterTable('invoices').addColumn('idempotency_fingerprint', bytes).execute();
  await db.schema.createIndex('invoices_idempotency_key').unique().on('invoices').column('idempotency_key').execute();
  // The hold deadlines: OPEN ones by invoice expiry, ACCEPTED ones by block.
  await db.schema.createIndex('invoices_holdstate_expires_at').on('invoices').columns(['holdstate', 'expires_at']).execute();
  await db.schema.createIndex('invoices_holdstate_htlc_expiry').on('invoices').columns(['holdstate', 'htlc_expiry']).execute();

  await db.schema.alterTable('offers').addColumn('metadata', 'text').execute();
  await db.schema.alterTable('offers').addColumn('idempotency_key', 'text').execute();
  await db.schema.alterTable('offers').addColumn('idempotency_fingerprint', bytes).execute();
  await db.schema.createIndex('offers_idempotency_key').unique().on('offers').column('idempotency_key').execute();

  await db.schema
    .createTable('hold_htlcs')
    .addColumn('short_channel_id', 'text', (c) => c.notNull())
    .addColumn('id', 'bigint', (c) => c.notNull())
    .addColumn('payment_hash', bytes, (c) => c.notNull().references('invoices.payment_hash').onDelete('cascade'))
    .addColumn('amount_msat', 'text', (c) => c.notNull())
    .addColumn('cltv_expiry', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('hold_htlcs_pk', ['short_channel_id', 'id'])
    .execute();
  await db.schema.createIndex('hold_htlcs_payment_hash').on('hold_htlcs').column('payment_hash').execute();

  await db.schema
    .createTable('invoice_metadata')
    .addColumn('created_index', 'bigint', (c) => c.notNull().references('invoices.created_index').onDelete('cascade'))
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('value', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('invoice_metadata_pk', ['created_index', 'key'])
    .execute();
  await db.schema
    .createIndex('invoice_metadata_key_value')
    .on('invoice_metadata')
    .columns(['key', 'value', 'created_index'])
    .execute();
}

export async function down(db: AnyDb): Promise<void> {
  await db.schema.dropTable('invoice_metadata').execute();
  await db.schema.dropTable('hold_htlcs').execute();
  await db.schema.dropIndex('invoices_holdstate_htlc_expiry').execute();
  await db.schema.dropIndex('invoices_holdstate_expires_at').execute();
  await db.schema.dropIndex('invoices_idempotency_key').execute();
  await db.schema.dropIndex('offers_idempotency_key').execute();
  for (const c of ['idempotency_fingerprint', 'idempotency_key', 'metadata']) {
    await db.schema.alterTable('offers').dropColumn(c).execute();
  }
  for (const c of ['idempotency_fingerprint', 'idempotency_key', 'metadata', 'htlc_expiry', 'holdstate']) {
    await db.schema.alterTable('invoices').dropColumn(c).execute();
  }
}
