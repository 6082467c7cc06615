/**
 * Schema step 4: the HTLCs that paid an invoice outlive it. Frozen once released.
 *
 * Until now a paid invoice's `invoice_htlcs` rows were deleted with it (delinvoice, autoclean), and a
 * replayed HTLC was answered from the invoice row. A bridge that crashed before delivering a `resolve`
 * and replays the HTLC after the invoice was deleted then got `continue`, and the node failed an HTLC
 * whose preimage we had already released to the payer's side: money lost. So each HTLC row now keeps the
 * preimage itself, rows are no longer deleted with their invoice (src/invoice/store/ stops doing so in the same
 * release), and a replay is answered from `invoice_htlcs` alone.
 *
 * The column is nullable only because SQLite cannot add a NOT NULL column without a default; every row
 * is back-filled here from its invoice (each existing row has one: rows went with their invoice), and
 * every new row is written with its preimage. The same step runs on SQLite and PostgreSQL.
 */
import { PostgresAdapter, sql, type Kysely } from 'kysely';

// `any`: Kysely hands migrations an untyped handle by design; the schema they build is not the app's type yet.
type AnyDb = Kysely<any>;

export async function up(db: AnyDb): Promise<void> {
  const isPg = db.getExecutor().adapter instanceof PostgresAdapter;
  const bytes = isPg ? sql`bytea` : sql`blob`;
  await db.schema.alterTable('invoice_htlcs').addColumn('payment_preimage', bytes).execute();
  await sql`update invoice_htlcs set payment_preimage = (
      select i.payment_preimage from invoices i where i.payment_hash = invoice_htlcs.payment_hash)`.execute(db);
}

export async function down(db: AnyDb): Promise<void> {
  // Rows whose invoice is gone could not be answered by the old schema; drop them with the column.
  await sql`delete from invoice_htlcs where payment_hash not in (select payment_hash from invoices)`.execute(db);
  await db.schema.alterTable('invoice_htlcs').dropColumn('payment_preimage').execute();
}
