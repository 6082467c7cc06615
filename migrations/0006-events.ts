/**
 * Schema step 6: the event feed and its webhook deliveries. Frozen once released.
 *
 * - `events`: one row per state change, written in the change's own transaction (src/events/). `seq` comes
 *   from the `event_seq` row of `invoice_counters`, bumped under the write lock like every other index, so
 *   it is 1-based, gap-free and in commit order, also with several daemons on one PostgreSQL database.
 *   `body` is the event's JSON text exactly as `listevents` shows it and webhooks post it.
 * - `webhook_deliveries`: one row per (url, event) to deliver, written in the event's transaction, with
 *   the delivery's state (pending / delivered / failed), attempts and next attempt time (ms).
 * - `invoice_webhooks`: the per-invoice `webhook` URL given to `invoice`, by the invoice's created_index.
 *
 * The same step runs on SQLite and PostgreSQL.
 */
import { sql, type Kysely } from 'kysely';

// `any`: Kysely hands migrations an untyped handle by design; the schema they build is not the app's type yet.
type AnyDb = Kysely<any>;

export async function up(db: AnyDb): Promise<void> {
  await db.schema
    .createTable('events')
    .addColumn('seq', 'bigint', (c) => c.primaryKey())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('events_created_at').on('events').columns(['created_at']).execute();
  await db.insertInto('invoice_counters').values({ name: 'event_seq', value: 0 }).execute();

  await db.schema
    .createTable('webhook_deliveries')
    .addColumn('url', 'text', (c) => c.notNull())
    .addColumn('seq', 'bigint', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('pending', 'delivered', 'failed')`))
    .addColumn('attempts', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('next_attempt_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint')
    .addColumn('last_status', 'integer')
    .addColumn('last_error', 'text')
    .addPrimaryKeyConstraint('webhook_deliveries_pk', ['url', 'seq'])
    .execute();
  await db.schema
    .createIndex('webhook_deliveries_status')
    .on('webhook_deliveries')
    .columns(['status', 'url', 'seq'])
    .execute();

  await db.schema
    .createTable('invoice_webhooks')
    .addColumn('created_index', 'bigint', (c) => c.primaryKey())
    .addColumn('url', 'text', (c) => c.notNull())
    .execute();
}

export async function down(db: AnyDb): Promise<void> {
  await db.schema.dropTable('invoice_webhooks').execute();
  await db.schema.dropTable('webhook_deliveries').execute();
  await db.schema.dropTable('events').execute();
  await db.deleteFrom('invoice_counters').where('name', '=', 'event_seq').execute();
}
