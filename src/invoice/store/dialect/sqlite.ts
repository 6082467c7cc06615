/**
 * SQLite specifics. better-sqlite3 runs one connection; `BEGIN IMMEDIATE` takes the database's write lock
 * at once, so a second process sharing the file waits (busy_timeout) instead of failing mid-transaction,
 * and the single writer makes index assignment and commit order the same thing.
 */
import type Sqlite from 'better-sqlite3';
import { CompiledQuery, type Kysely, type QueryResult } from 'kysely';
import { execute, type DirectRunner } from '../prepared.js';
import type { InvoiceDb } from '../schema.js';
import type { StoreDialect, UniqueViolation } from './types.js';

/** Pragmas applied to every connection: WAL for concurrent readers, FULL sync for durability (DESIGN rule 4). */
export const SQLITE_PRAGMAS: readonly string[] = [
  'journal_mode = WAL',
  // In WAL mode NORMAL may lose the last commits on power loss; FULL syncs the WAL on every commit.
  'synchronous = FULL',
  'busy_timeout = 10000',
  'foreign_keys = ON',
];

const BEGIN_IMMEDIATE = CompiledQuery.raw('begin immediate');

/** SQLite result codes after which the transaction goes on (constraint, type, size, binding, SQL errors). */
const STATEMENT_ONLY = ['SQLITE_CONSTRAINT', 'SQLITE_MISMATCH', 'SQLITE_TOOBIG', 'SQLITE_RANGE', 'SQLITE_ERROR'];

export const sqliteDialect: StoreDialect = Object.freeze({
  name: 'sqlite' as const,
  async beginWrite(conn: Kysely<InvoiceDb>): Promise<void> {
    await execute(conn, BEGIN_IMMEDIATE);
  },
  transactionLost(err: unknown): boolean {
    // An error the operation raised itself (no SQLite result code) leaves the transaction as it was.
    const code = String((err as { code?: unknown } | null)?.code ?? '');
    if (!code.startsWith('SQLITE_')) return false;
    return !STATEMENT_ONLY.some((c) => code === c || code.startsWith(`${c}_`));
  },
  uniqueViolation(err: unknown): UniqueViolation | undefined {
    const code = (err as { code?: unknown } | null)?.code;
    if (code !== 'SQLITE_CONSTRAINT_UNIQUE' && code !== 'SQLITE_CONSTRAINT_PRIMARYKEY') return undefined;
    const message = String((err as Error).message);
    if (message.includes('invoices.label')) return 'label';
    if (message.includes('invoices.payment_hash')) return 'payment_hash';
    if (message.includes('invoice_htlcs.')) return 'htlc';
    return 'other';
  },
});

/** Runs a compiled query at once on its prepared statement, answering what Kysely's SQLite driver answers. */
export function sqliteDirectRunner(statements: { prepare(sql: string): Sqlite.Statement }): DirectRunner {
  return <R>(q: CompiledQuery<R>): QueryResult<R> => {
    const stmt = statements.prepare(q.sql);
    if (stmt.reader) return { rows: stmt.all(q.parameters) as R[] };
    const { changes, lastInsertRowid } = stmt.run(q.parameters);
    return { numAffectedRows: BigInt(changes), insertId: BigInt(lastInsertRowid), rows: [] };
  };
}
