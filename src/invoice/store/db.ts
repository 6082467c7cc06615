/**
 * Opening the invoice database: a SQLite file (the embedded default) or a PostgreSQL URL, with the
 * pragmas durability needs, and the Kysely migrator run over `migrations/` at every start. Two daemons
 * starting at once on one PostgreSQL database are safe: Kysely's migrator takes an advisory lock.
 */
import { mkdirSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import Sqlite from 'better-sqlite3';
import { Kysely, Migrator, NO_MIGRATIONS, PostgresDialect, SqliteDialect, sql } from 'kysely';
import pg from 'pg';
import type { Migration, MigrationProvider } from 'kysely';
import type { Network } from '../../util/network.js';
import type { InvoiceDb } from './schema.js';
import { postgresDialect } from './dialect/postgres.js';
import { createPgPool, type PgPoolOptions } from './dialect/pg-pool.js';
import { startCheckpointer } from './checkpointer.js';
import { SQLITE_PRAGMAS, sqliteDialect, sqliteDirectRunner } from './dialect/sqlite.js';
import type { StoreDialect } from './dialect/types.js';
import { checkDatabaseIsOurs, checkSqliteIntegrity, corruptMessage, DatabaseRefused } from './db-check.js';
import type { WriteHooks } from './write-tx.js';
import type { DirectRunner } from './prepared.js';

/** An open invoice database: the Kysely handle, its dialect seams, and how to close it. */
export interface InvoiceDatabase {
  readonly db: Kysely<InvoiceDb>;
  readonly dialect: StoreDialect;
  /** Where it lives (file path, or the URL without password). */
  readonly location: string;
  /** True when this open created the schema from nothing (a new database). */
  readonly created?: boolean;
  /** What the daemon runs in every write transaction (the event feed, metrics); see write-queue.ts. */
  readonly hooks?: WriteHooks;
  /** SQLite: runs a write transaction's compiled queries straight on their statements (prepared.ts `runDirect`). */
  readonly direct?: DirectRunner;
  close(): Promise<void>;
}

export type OpenInvoiceDatabaseOptions =
  | {
      readonly path: string;
      /** Told if WAL checkpoints fall back to the writer's connection (checkpointer.ts). */
      readonly onCheckpointFallback?: (reason: string) => void;
    }
  | ({
      readonly url: string;
      /** A schema to live in instead of `public` (created if missing); tests give each case its own. */
      readonly schema?: string;
      /** Pool size (default 10). */
      readonly poolSize?: number;
    } & Pick<PgPoolOptions, 'connectTimeoutMs' | 'statementTimeoutMs' | 'onOutage' | 'onRecovered'>);

/** `<datadir>/<network>/invoices.sqlite3`, the default database of a daemon. */
export function defaultSqlitePath(datadir: string, network: Network): string {
  return path.join(datadir, network, 'invoices.sqlite3');
}

/** True when `s` names a PostgreSQL database rather than a file. */
export function isPostgresUrl(s: string): boolean {
  return /^postgres(ql)?:\/\//i.test(s);
}

const MIGRATIONS_DIR = fileURLToPath(new URL('../../../migrations/', import.meta.url));

/** Opens (creating if needed) the database and migrates it to the latest schema. */
export async function openInvoiceDatabase(opts: OpenInvoiceDatabaseOptions): Promise<InvoiceDatabase> {
  const opened = 'path' in opts ? openSqlite(opts.path) : await openPostgres(opts);
  let applied: readonly string[];
  try {
    // Nothing is written before the database is known to be ours (db-check.ts).
    const known = Object.keys(await migrationsProvider.getMigrations());
    await checkDatabaseIsOurs(opened.db, opened.location, known, 'path' in opts ? undefined : (opts.schema ?? 'public'));
    if ('path' in opts) await sql`pragma journal_mode = WAL`.execute(opened.db);
    if ('path' in opts) applied = await migrateInvoiceDatabase(opened.db);
    else applied = await withPostgresSchemaLock(opts.url, () => migrateInvoiceDatabase(opened.db, opts.schema));
  } catch (err) {
    await opened.close();
    throw err;
  }
  const checkpointer =
    'path' in opts
      ? startCheckpointer({
          file: opts.path,
          setAutoCheckpoint: (pages) => void sql.raw(`pragma wal_autocheckpoint = ${Math.trunc(pages)}`).execute(opened.db).catch(() => undefined),
          ...(opts.onCheckpointFallback ? { onFallback: opts.onCheckpointFallback } : {}),
        })
      : undefined;
  return {
    ...opened,
    created: applied.includes(FIRST_MIGRATION),
    close: async () => {
      await checkpointer?.stop();
      await opened.close();
    },
  };
}

/** The schema's first step: applying it means the database was empty. */
const FIRST_MIGRATION = '0001-invoices';

/** invalid_schema_name, undefined_table, undefined_column: what a catalog read racing DDL elsewhere sees. */
const CATALOG_RACE_CODES = new Set(['3F000', '42P01', '42703']);

/**
 * Runs every pending migration (or up or down to `target`, a name or NO_MIGRATIONS: tests build databases
 * of earlier versions) and returns the names of those applied; throws with the failing migration's error.
 *
 * Kysely's migrator looks for its tables by introspecting every schema of the database; on PostgreSQL
 * that query fails if another schema's tables change while it runs (3F000 / 42P01 / 42703: a schema,
 * table or column gone between the catalog read and pg_get_serial_sequence). openInvoiceDatabase migrates
 * holding SCHEMA_CHANGE_LOCK (as should any other caller on PostgreSQL), but DDL from outside this program
 * on a shared database does not; nothing was migrated when that query fails, so the attempt is repeated.
 */
export async function migrateInvoiceDatabase(
  db: Kysely<InvoiceDb>,
  schema?: string,
  target?: string | typeof NO_MIGRATIONS,
): Promise<string[]> {
  const migrator = new Migrator({
    db,
    provider: migrationsProvider,
    ...(schema ? { migrationTableSchema: schema } : {}),
  });
  for (let attempt = 1; ; attempt++) {
    const { error, results } = target ? await migrator.migrateTo(target) : await migrator.migrateToLatest();
    if (!error) return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
    const code = (error as { code?: unknown }).code;
    const nothingRan = !results || results.length === 0;
    if (nothingRan && CATALOG_RACE_CODES.has(String(code)) && attempt < 5) continue;
    const failed = results?.find((r) => r.status === 'Error')?.migrationName;
    const e = new Error(`invoice database migration ${failed ?? ''} failed: ${String((error as Error)?.message ?? error)}`);
    (e as Error & { cause?: unknown }).cause = error;
    throw e;
  }
}

/**
 * Key of the session advisory lock that serialises schema changes on one PostgreSQL database: migrations
 * here, and anything that drops a schema (test fixtures). Kysely's migrator finds its own tables with a
 * catalog query over every schema, which fails when a schema is dropped while it runs; holding this lock
 * keeps the two apart, and keeps daemons starting together from migrating at the same moment.
 */
export const SCHEMA_CHANGE_LOCK = 0x696e766f; // 'invo'

/** Runs `fn` holding SCHEMA_CHANGE_LOCK on its own connection (not a pool's, so a small pool cannot deadlock). */
export async function withPostgresSchemaLock<T>(url: string, fn: () => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('select pg_advisory_lock($1)', [SCHEMA_CHANGE_LOCK]);
    return await fn();
  } finally {
    // Ending the session releases the lock even if the unlock itself fails.
    await client.query('select pg_advisory_unlock($1)', [SCHEMA_CHANGE_LOCK]).catch(() => undefined);
    await client.end();
  }
}

/**
 * The files `migrations/NNNN-name.{ts,js}`, imported from here (not from inside Kysely) so that the test
 * runner's TypeScript loader applies to them; the name without extension is the migration's name.
 */
const migrationsProvider: MigrationProvider = {
  async getMigrations(): Promise<Record<string, Migration>> {
    const out: Record<string, Migration> = {};
    const files = readdirSync(MIGRATIONS_DIR).filter((f) => /^\d{4}-[\w-]+\.(js|ts)$/.test(f) && !f.endsWith('.d.ts'));
    for (const f of files.sort()) {
      const name = f.replace(/\.(js|ts)$/, '');
      if (out[name]) continue; // built .js next to .ts: either is the same step
      out[name] = (await import(pathToFileURL(path.join(MIGRATIONS_DIR, f)).href)) as Migration;
    }
    return out;
  },
};

/** Most prepared statements kept per SQLite connection. */
const STATEMENT_CACHE_SIZE = 256;

/**
 * better-sqlite3 behind Kysely prepares every query anew; the hot queries are few and their SQL text is
 * fixed (see store.ts `prepared`), so prepared statements are kept by SQL text and reused. Safe because
 * the store never streams (a statement is never busy iterating when it is run again).
 */
function withStatementCache(conn: Sqlite.Database, location: string): { close(): void; prepare(sql: string): Sqlite.Statement } {
  const cache = new Map<string, Sqlite.Statement>();
  // Once SQLite reports the file corrupt, nothing more is written to it (reads may go on): every write
  // fails with what to do (db-check.ts).
  let corrupt: string | undefined;
  const watch = <A extends unknown[], R>(f: (...a: A) => R) => (...a: A): R => {
    try {
      return f(...a);
    } catch (err) {
      const code = String((err as { code?: unknown }).code ?? '');
      if (code === 'SQLITE_CORRUPT' || code === 'SQLITE_NOTADB') corrupt ??= corruptMessage(location, (err as Error).message);
      throw corrupt !== undefined ? new DatabaseRefused(corrupt) : err;
    }
  };
  return {
    close: () => conn.close(),
    prepare(sqlText: string): Sqlite.Statement {
      let stmt = cache.get(sqlText);
      if (!stmt) {
        const s = watch((t: string) => conn.prepare(t))(sqlText);
        // What Kysely's driver uses of a statement (reader, all, run, iterate), each call watched.
        stmt = {
          reader: s.reader,
          all: watch(s.all.bind(s)),
          run: watch(s.run.bind(s)),
          iterate: watch(s.iterate.bind(s)),
        } as unknown as Sqlite.Statement;
        if (cache.size >= STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value as string);
        cache.set(sqlText, stmt);
      }
      if (corrupt !== undefined && !stmt.reader) throw new DatabaseRefused(corrupt);
      return stmt;
    },
  };
}

function openSqlite(file: string): InvoiceDatabase {
  if (file !== ':memory:') mkdirSync(path.dirname(file), { recursive: true });
  const conn = new Sqlite(file);
  try {
    // journal_mode writes to the file: set once the database is known to be ours (openInvoiceDatabase).
    for (const p of SQLITE_PRAGMAS) if (!p.startsWith('journal_mode')) conn.pragma(p);
    checkSqliteIntegrity(conn, file);
  } catch (err) {
    conn.close();
    const code = String((err as { code?: unknown }).code ?? '');
    if (code === 'SQLITE_CORRUPT' || code === 'SQLITE_NOTADB') throw new DatabaseRefused(corruptMessage(file, (err as Error).message));
    throw err;
  }
  const statements = withStatementCache(conn, file);
  const db = new Kysely<InvoiceDb>({ dialect: new SqliteDialect({ database: statements }) });
  return {
    db,
    dialect: sqliteDialect,
    location: file,
    direct: sqliteDirectRunner(statements),
    close: () => db.destroy(),
  };
}

async function openPostgres(opts: Omit<PgPoolOptions, 'schema'> & { readonly schema?: string }): Promise<InvoiceDatabase> {
  const schema = opts.schema;
  if (schema !== undefined && !/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
    throw new Error(`invalid PostgreSQL schema name '${schema}'`);
  }
  // Connections lost in use or idle fail their requests, never the daemon (dialect/pg-pool.ts).
  const pool = createPgPool({ ...opts, ...(schema !== undefined ? { schema } : {}) });
  const db = new Kysely<InvoiceDb>({ dialect: new PostgresDialect({ pool }) });
  if (schema) await sql`create schema if not exists ${sql.id(schema)}`.execute(db);
  const u = new URL(opts.url);
  u.password = '';
  return {
    db,
    dialect: postgresDialect(pool, schema),
    location: u.toString() + (schema ? `#${schema}` : ''),
    close: () => db.destroy(),
  };
}
