/**
 * The frame of the scenarios that query a large seeded database (list, metadata): `BENCH_LIST_ROWS`
 * invoices (1,000,000 by default, bench/lib/seed.ts) in a fresh datadir, and with --database in a fresh
 * PostgreSQL schema. Whatever happens, the daemons the scenario started are stopped and the datadir and
 * schema removed at the end.
 */
import { freshPgSchema, makeDatadir, removeDatadir, startDaemon, type BenchDaemon } from './daemon.js';
import { seedPostgres, seedSqliteDatadir, type SeedSummary } from './seed.js';
import type { BenchOptions, ScenarioResult } from '../run.js';

export interface SeededRun {
  /** How many invoices were seeded. */
  readonly rows: number;
  readonly datadir: string;
  /** The fresh schema, with --database: its `--database` URL and its name. */
  readonly pg?: { readonly url: string; readonly schema: string };
  /** The seeding's totals and seconds (`copy_s`: SQLite's copy of the template). */
  readonly seeded: SeedSummary & { readonly seed_s: number; readonly copy_s?: number };
  /** The scenario's figures, `database` and `rows` already in. */
  readonly out: ScenarioResult;
  /** Starts a daemon on the seeded data (stopped at the end if the scenario did not stop it). */
  start(): Promise<BenchDaemon>;
}

/** Seeds, runs `body` on the seeded data and returns its figures; cleans up also when seeding or `body` fails. */
export async function seededRun(opts: BenchOptions, body: (run: SeededRun) => Promise<void>): Promise<ScenarioResult> {
  const rows = Number(process.env.BENCH_LIST_ROWS ?? 1_000_000);
  const out: ScenarioResult = { database: opts.database ? 'postgres' : 'sqlite', rows };
  const datadir = makeDatadir();
  const pg = opts.database ? await freshPgSchema(opts.database) : undefined;
  const started: BenchDaemon[] = [];
  try {
    const seeded = pg ? await seedPostgres(datadir, opts.database!, pg.schema, rows) : await seedSqliteDatadir(datadir, rows);
    const start = async () => {
      const d = await startDaemon({ datadir, ...(pg ? { database: pg.url } : {}) });
      started.push(d);
      return d;
    };
    await body({ rows, datadir, ...(pg ? { pg } : {}), seeded, out, start });
  } finally {
    for (const d of started) await d.stop(); // harmless for one already stopped
    await pg?.drop();
    removeDatadir(datadir);
  }
  return out;
}
