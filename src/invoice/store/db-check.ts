/**
 * Before the first write to a database (issue 18 items 6 and 7): is it ours, and is it sound?
 * - a database holding tables but no migration record of ours is someone else's: refused untouched;
 * - one whose migration record names steps we do not know was written by a newer version: refused,
 *   with what to do;
 * - a SQLite file that fails `PRAGMA quick_check` is corrupt: refused, with what to do.
 */
import { sql, type Kysely } from 'kysely';

/** Thrown when the database must not be used; the message says why and what to do. */
export class DatabaseRefused extends Error {
  override readonly name = 'DatabaseRefused';
}

/** Kysely's own bookkeeping tables. */
const MIGRATION_TABLE = 'kysely_migration';

/**
 * Refuses a foreign or newer database. `known` are our migration names; `schema` the PostgreSQL schema
 * the daemon lives in (`public` by default; undefined for SQLite).
 */
// The database's own tables are read, not ours: any schema.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function checkDatabaseIsOurs(db: Kysely<any>, location: string, known: readonly string[], schema?: string): Promise<void> {
  // Only this schema's table names (not a whole-catalog introspection, which races other schemas' DDL).
  const query =
    schema === undefined
      ? sql<{ name: string }>`select name from sqlite_master where type = 'table' and name not like 'sqlite_%'`
      : sql<{ name: string }>`select table_name as name from information_schema.tables
          where table_schema = ${schema} and table_type = 'BASE TABLE'`;
  const names = new Set((await query.execute(db)).rows.map((r) => r.name));
  if (names.size === 0) return;
  if (!names.has(MIGRATION_TABLE)) {
    const some = [...names].sort().slice(0, 5).join(', ');
    throw new DatabaseRefused(
      `database ${location} holds tables that are not invoiced's (${some}): refusing to use it; give invoiced an empty database or its own schema`,
    );
  }
  const table = schema === undefined ? sql.table(MIGRATION_TABLE) : sql.table(`${schema}.${MIGRATION_TABLE}`);
  const rows = (await sql<{ name: string }>`select name from ${table}`.execute(db)).rows.map((r) => r.name);
  const ours = new Set(known);
  const unknown = rows.filter((n) => !ours.has(n));
  if (unknown.length === 0) return;
  if (unknown.length === rows.length) {
    throw new DatabaseRefused(`database ${location} belongs to another application (migrations ${unknown.slice(0, 3).join(', ')}): refusing to use it`);
  }
  throw new DatabaseRefused(
    `database ${location} was written by a newer version of invoiced (unknown migration ${unknown.sort()[0]}): upgrade invoiced, or restore a backup made by this version`,
  );
}

/** `PRAGMA quick_check` on an open SQLite connection; throws DatabaseRefused unless it says ok. */
export function checkSqliteIntegrity(conn: { pragma(source: string): unknown }, location: string): void {
  let result: string;
  try {
    const rows = conn.pragma('quick_check') as { quick_check: string }[];
    result = rows.map((r) => r.quick_check).join('; ');
  } catch (err) {
    const code = String((err as { code?: unknown }).code ?? '');
    // Busy or locked is not corruption: another process holds the file; the open goes on as before.
    if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) return;
    result = (err as Error).message;
  }
  if (result !== 'ok') throw new DatabaseRefused(corruptMessage(location, result));
}

/** What to say about a corrupt SQLite file. */
export function corruptMessage(location: string, detail: string): string {
  const shown = detail.length > 200 ? `${detail.slice(0, 200)}...` : detail;
  return `database ${location} is corrupt (${shown}): stop invoiced, then restore the file from a backup, or recover what is readable with 'sqlite3 ${location} .recover' into a new file`;
}
