/**
 * The store's shared helpers: the handle type every store function takes, the integer conversion,
 * `prepared` — a query compiled once per dialect, for the hot paths — and `execute`, which runs a compiled
 * query straight on its SQLite statement inside a write transaction.
 */
import { CompiledQuery, PostgresAdapter, type Compilable, type Kysely, type QueryResult } from 'kysely';
import type { DbInt, InvoiceDb } from './schema.js';

/** The database or a write transaction's connection. */
export type Db = Kysely<InvoiceDb>;

export const toNum = (v: DbInt): number => Number(v);

/** Whether `db` runs on PostgreSQL (where a few hot statements have their own SQL). */
export const onPostgres = (db: Db): boolean => db.getExecutor().adapter instanceof PostgresAdapter;

/** Runs a compiled query at once on a SQLite connection's prepared statement, as Kysely's driver would. */
export type DirectRunner = <R>(q: CompiledQuery<R>) => QueryResult<R>;

const directOf = new WeakMap<Db, DirectRunner>();

/**
 * Says that `conn`, a write transaction's connection, runs its compiled queries through `runner`. Only a
 * transaction's connection: it holds the SQLite connection (one, synchronous) until it commits, and each of
 * its statements is awaited before the next, so a statement run at once keeps its place. It saves Kysely's
 * connection hand-over, several promise hops per statement (docs/performance.md).
 */
export function runDirect(conn: Db, runner: DirectRunner): void {
  directOf.set(conn, runner);
}

/** Runs `q` on `db`: straight on its statement where `runDirect` said so, else through Kysely. */
export function execute<R>(db: Db, q: CompiledQuery<R>): QueryResult<R> | Promise<QueryResult<R>> {
  const direct = directOf.get(db);
  return direct ? direct(q) : db.executeQuery(q);
}

/**
 * A query compiled once per dialect and then run with fresh arguments: the hot paths (create, pay) skip
 * Kysely's build-and-compile step, and on SQLite the fixed SQL text hits the statement cache (db.ts).
 * `build` receives placeholder markers for its `arity` arguments; each marker's position among the
 * compiled parameters is where the real argument goes.
 */
export function prepared<A extends readonly unknown[], R>(
  arity: number,
  build: (db: Db, ...args: A) => Compilable<R>,
): (db: Db, ...args: A) => Promise<R[]> {
  const byAdapter = new Map<unknown, { sql: string; slots: number[]; fixed: readonly unknown[] }>();
  return async (db: Db, ...args: A): Promise<R[]> => {
    const adapter = db.getExecutor().adapter.constructor;
    let c = byAdapter.get(adapter);
    if (!c) {
      const markers = Array.from({ length: arity }, (_, i) => `\u0000arg${i}\u0000`);
      const compiled = build(db, ...(markers as unknown as A)).compile();
      const slots = compiled.parameters.map((p) => markers.indexOf(p as string));
      if (new Set(slots.filter((x) => x >= 0)).size !== arity) throw new Error('prepared query lost an argument');
      c = { sql: compiled.sql, slots, fixed: compiled.parameters };
      byAdapter.set(adapter, c);
    }
    const fixed = c.fixed;
    const params = c.slots.map((slot, i) => (slot >= 0 ? args[slot] : fixed[i]));
    return (await execute(db, CompiledQuery.raw(c.sql, params) as CompiledQuery<R>)).rows;
  };
}

/** Items per statement of a chunked query: any number goes in chunks of 32, 16, …, 1, so only six statements exist. */
const CHUNKS = [32, 16, 8, 4, 2, 1] as const;

/**
 * A query over many items (a multi-row insert, an update of a list of keys) compiled once per chunk size
 * (`prepared`), so that the hot paths that write a batch's rows never compile per batch. Each statement
 * takes the `fixedArity` values in `fixed` and one chunk of the items, each of `width` values; `build`
 * receives placeholder markers for both.
 */
export function preparedChunked(
  fixedArity: number,
  width: number,
  build: (db: Db, fixed: readonly unknown[], items: ReadonlyArray<readonly unknown[]>) => Compilable<unknown>,
): (db: Db, fixed: readonly unknown[], items: ReadonlyArray<readonly unknown[]>) => Promise<void> {
  const byChunk = new Map(
    CHUNKS.map((n) => [
      n,
      prepared(fixedArity + n * width, (db, ...v: unknown[]) =>
        build(
          db,
          v.slice(0, fixedArity),
          Array.from({ length: n }, (_, i) => v.slice(fixedArity + i * width, fixedArity + (i + 1) * width)),
        ),
      ),
    ]),
  );
  return async (db, fixed, items) => {
    let at = 0;
    while (at < items.length) {
      const n = CHUNKS.find((c) => c <= items.length - at)!;
      await byChunk.get(n)!(db, ...fixed, ...items.slice(at, at + n).flat());
      at += n;
    }
  };
}

/** A multi-row insert of rows of `width` values (`preparedChunked` without fixed values). */
export function preparedInsert(
  width: number,
  build: (db: Db, rows: ReadonlyArray<readonly unknown[]>) => Compilable<unknown>,
): (db: Db, rows: ReadonlyArray<readonly unknown[]>) => Promise<void> {
  const run = preparedChunked(0, width, (db, _fixed, rows) => build(db, rows));
  return (db, rows) => run(db, [], rows);
}
