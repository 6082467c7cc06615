/**
 * `npm run bench -- metadata [--database URL]`: `listinvoices metadata_key=… metadata_value=…` over a
 * database of 1,000,000 invoices (bench/lib/seed.ts), each given metadata `{"order":"order-N"}` and its
 * `invoice_metadata` row by SQL before the daemon starts (not timed), then, over the socket, one client:
 * - by_metadata_value: one invoice by a random order value (p50/p99);
 * - by_metadata_key_page: the first 100 invoices having the key (`index=created limit=100`) (p50/p99).
 * `BENCH_LIST_ROWS` overrides the row count.
 */
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import Sqlite from 'better-sqlite3';
import pg from 'pg';
import { connectMany } from '../lib/client.js';
import { seededRun } from '../lib/seeded-run.js';
import { measureLatency } from '../lib/stats.js';
import type { BenchOptions, ScenarioResult } from '../run.js';

const SET_METADATA = `update invoices set metadata = '{"order":"order-' || created_index || '"}'`;
const INSERT_ROWS = `insert into invoice_metadata (created_index, key, value) select created_index, 'order', 'order-' || created_index from invoices`;

export function run(opts: BenchOptions): Promise<ScenarioResult> {
  return seededRun(opts, async ({ rows: n, datadir, pg: pgSchema, out, start }) => {
    const t0 = performance.now();
    if (pgSchema) {
      const c = new pg.Client({ connectionString: opts.database, options: `-c search_path=${pgSchema.schema}` });
      await c.connect();
      await c.query(SET_METADATA);
      await c.query(INSERT_ROWS);
      await c.query('analyze');
      await c.end();
    } else {
      const conn = new Sqlite(path.join(datadir, 'regtest', 'invoices.sqlite3'));
      conn.exec(SET_METADATA);
      conn.exec(INSERT_ROWS);
      conn.exec('analyze');
      conn.close();
    }
    out['metadata_seed_s'] = Math.round(((performance.now() - t0) / 1000) * 10) / 10;
    const d = await start();
    const [client] = await connectMany(d.socketPath, 1);
    await measureLatency(out, 'by_metadata_value', 2000, async () => {
      const i = 1 + Math.floor(Math.random() * n);
      const r = await client!.ok('listinvoices', { metadata_key: 'order', metadata_value: `order-${i}` });
      if (r.result?.invoices?.length !== 1) throw new Error(`metadata lookup: expected 1 invoice, got ${r.result?.invoices?.length}`);
    });
    await measureLatency(out, 'by_metadata_key_page', 200, async () => {
      const r = await client!.ok('listinvoices', { metadata_key: 'order', index: 'created', limit: 100 });
      if (r.result?.invoices?.length !== 100) throw new Error('metadata page: expected 100 invoices');
    });
    client!.close();
  });
}
