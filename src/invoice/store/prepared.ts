/**
 * The store's shared helpers: the handle type every store function takes, the integer conversion, and
 * `prepared` — a query compiled once per dialect, for the hot paths.
 */
import { CompiledQuery, type Compilable, type Kysely } from 'kysely';
import type { DbInt, InvoiceDb } from './schema.js';

/** The database or a write transaction's connection. */
export type Db = Kysely<InvoiceDb>;

export const toNum = (v: DbInt): number => Number(v);

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
    return (await db.executeQuery(CompiledQuery.raw(c.sql, params) as CompiledQuery<R>)).rows;
  };
}
