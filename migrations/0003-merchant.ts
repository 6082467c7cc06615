/**
 * Schema step 3: the BOLT 12 merchant flow. Frozen once released.
 *
 * - `outbox`: onion messages the daemon wants sent (today: invoices written by `sendinvoice`). The daemon
 *   never speaks to the network, so a node bridge drains this table (docs/bridge.md §6): it lists pending
 *   rows by `created_index`, waits for new ones with `wait outbox created N`, and reports each one sent or
 *   failed. `created_index` is the outbox's own counter: it starts at 1, never goes backwards and is
 *   never reused (rows are never deleted).
 * - `currency_rates`: msat per whole unit of a currency (1 USD, 1 JPY), as a user last set it, with the
 *   time it was set, for offers priced in a currency.
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
    .createTable('outbox')
    .addColumn('created_index', 'bigint', (c) => c.primaryKey())
    // What the message carries: 'invoice' (onion message field 66).
    .addColumn('kind', 'text', (c) => c.notNull())
    // The invoice's label and payment_hash, so a bridge and an operator can tell messages apart.
    .addColumn('label', 'text', (c) => c.notNull())
    .addColumn('payment_hash', bytes, (c) => c.notNull())
    // Where to send it: the concatenated `blinded_path`s of invreq_paths, or empty to mean the node id.
    .addColumn('destination_paths', bytes, (c) => c.notNull())
    .addColumn('destination_node_id', bytes)
    // The TLV stream to put in the onion message (the invoice), and the reply path to offer with it.
    .addColumn('message', bytes, (c) => c.notNull())
    .addColumn('reply_path', bytes, (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('pending', 'sent', 'failed')`))
    .addColumn('error', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint')
    .execute();
  await db.schema.createIndex('outbox_status').on('outbox').columns(['status', 'created_index']).execute();

  await db.schema
    .createTable('currency_rates')
    .addColumn('currency', 'text', (c) => c.primaryKey())
    .addColumn('msat_per_unit', 'bigint', (c) => c.notNull().check(sql`msat_per_unit > 0`))
    .addColumn('set_at', 'bigint', (c) => c.notNull())
    .execute();
}

export async function down(db: AnyDb): Promise<void> {
  await db.schema.dropTable('currency_rates').execute();
  await db.schema.dropTable('outbox').execute();
}
