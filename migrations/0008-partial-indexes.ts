/**
 * Schema step 8: indexes over columns that most invoices leave NULL hold only the rows that have a value.
 * Frozen once released.
 *
 * A plain BOLT 11 invoice has no pay_index until paid, no offer, no idempotency key and no hold state, yet
 * each of those indexes took an entry for it: six of the twelve B-trees an insert touched. As partial
 * indexes (`WHERE column IS NOT NULL`) they cost nothing for such an invoice (fewer pages written, fewer
 * WAL bytes to sync per commit, docs/performance.md). Every query on these columns compares them with a
 * value (`=`, `>`, `IN`), which implies `IS NOT NULL`, so SQLite and PostgreSQL still use the indexes;
 * uniqueness is unchanged (NULLs were never in conflict).
 *
 * Likewise webhook deliveries: only pending ones are ever looked up by URL (the next round, the URLs with
 * work, the backlog), so `webhook_deliveries_status` holds just those, by (url, seq); a delivered row
 * leaves it instead of moving within it, and the index no longer grows with the history.
 *
 * On SQLite two tables are also rebuilt so that each write touches one B-tree fewer: `events` keyed by
 * its seq as the rowid (`integer primary key`; a `bigint` key was a second index beside the rowid), and
 * `webhook_deliveries` stored in its key (`without rowid`), now (seq, url). PostgreSQL keeps its tables: there
 * a primary key is an index beside the heap either way.
 *
 * The rest of the step runs on SQLite and PostgreSQL alike.
 */
import { PostgresAdapter, sql, type Kysely, type RawBuilder } from 'kysely';

// `any`: Kysely hands migrations an untyped handle by design; the schema they build is not the app's type yet.
type AnyDb = Kysely<any>;

interface IndexDef {
  readonly name: string;
  readonly columns: readonly string[];
  readonly unique?: boolean;
  /** The column whose NULLs the partial index leaves out. */
  readonly present: string;
}

const INDEXES: readonly IndexDef[] = [
  { name: 'invoices_pay_index', columns: ['pay_index'], unique: true, present: 'pay_index' },
  { name: 'invoices_status_paid_at', columns: ['status', 'paid_at'], present: 'paid_at' },
  { name: 'invoices_local_offer_id', columns: ['local_offer_id', 'created_index'], present: 'local_offer_id' },
  { name: 'invoices_idempotency_key', columns: ['idempotency_key'], unique: true, present: 'idempotency_key' },
  { name: 'invoices_holdstate_expires_at', columns: ['holdstate', 'expires_at'], present: 'holdstate' },
  { name: 'invoices_holdstate_htlc_expiry', columns: ['holdstate', 'htlc_expiry'], present: 'holdstate' },
];

async function create(db: AnyDb, d: IndexDef, partial: boolean): Promise<void> {
  let b = db.schema.createIndex(d.name).on('invoices').columns([...d.columns]);
  if (d.unique) b = b.unique();
  if (partial) b = b.where(sql.ref(d.present), 'is not', null);
  await b.execute();
}

const DELIVERIES_INDEX = 'webhook_deliveries_status';

const deliveryColumns = (key: RawBuilder<unknown>) => sql`url text not null, seq bigint not null,
  status text not null check (status in ('pending', 'delivered', 'failed')), attempts integer not null,
  created_at bigint not null, next_attempt_at bigint not null, updated_at bigint, last_status integer,
  last_error text, constraint webhook_deliveries_pk primary key (${key})`;

/** Replaces SQLite table `name` by one created as `columns` (same columns, same rows); its indexes go with it. */
async function rebuild(db: AnyDb, name: string, columns: RawBuilder<unknown>, suffix: RawBuilder<unknown>): Promise<void> {
  const next = `${name}_rebuilt`;
  await sql`create table ${sql.table(next)} (${columns}) ${suffix}`.execute(db);
  await sql`insert into ${sql.table(next)} select * from ${sql.table(name)}`.execute(db);
  await sql`drop table ${sql.table(name)}`.execute(db);
  await sql`alter table ${sql.table(next)} rename to ${sql.table(name)}`.execute(db);
}

/** SQLite: the two tables keyed as the header says (`rowidKeys`), or back as migration 0006 made them. */
async function rekeySqlite(db: AnyDb, rowidKeys: boolean): Promise<void> {
  const seq = rowidKeys ? sql`seq integer primary key` : sql`seq bigint primary key`;
  await rebuild(db, 'events', sql`${seq}, type text not null, created_at bigint not null, body text not null`, sql``);
  await db.schema.createIndex('events_created_at').on('events').columns(['created_at']).execute();
  // Keyed (seq, url), not (url, seq): a URL's pending rows are then found only through the partial index,
  // which SQLite's planner would otherwise pass over for the key, scanning every delivered row of the URL.
  if (rowidKeys) await rebuild(db, 'webhook_deliveries', deliveryColumns(sql`seq, url`), sql`without rowid`);
  else await rebuild(db, 'webhook_deliveries', deliveryColumns(sql`url, seq`), sql``);
}

const isSqlite = (db: AnyDb): boolean => !(db.getExecutor().adapter instanceof PostgresAdapter);

/** This step's indexes and tables (`leaner`), or migration 0007's back. */
async function reshape(db: AnyDb, leaner: boolean): Promise<void> {
  for (const d of INDEXES) {
    await db.schema.dropIndex(d.name).execute();
    await create(db, d, leaner);
  }
  // A rebuilt SQLite table comes without the index; PostgreSQL's is replaced.
  if (isSqlite(db)) await rekeySqlite(db, leaner);
  else await db.schema.dropIndex(DELIVERIES_INDEX).execute();
  const index = db.schema.createIndex(DELIVERIES_INDEX).on('webhook_deliveries');
  await (leaner
    ? index.columns(['url', 'seq']).where(sql.ref('status'), '=', sql.lit('pending'))
    : index.columns(['status', 'url', 'seq'])
  ).execute();
}

export const up = (db: AnyDb): Promise<void> => reshape(db, true);
export const down = (db: AnyDb): Promise<void> => reshape(db, false);
