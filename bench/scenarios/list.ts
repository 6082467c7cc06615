/**
 * `npm run bench -- list [--database URL]`: a database seeded with 1,000,000 invoices (bench/lib/seed.ts:
 * the store's schema and row contents, a mix of paid, expired and unpaid), then, over the socket:
 * - startup: spawn to a ready socket, and resident memory right after (median of three starts);
 * - `listinvoices label=…` and `payment_hash=…` of random invoices, one client (p50/p99);
 * - a page of 1000 by `index=created` from a random start (p50/p99);
 * - the 10 most recently paid: `index=updated status=paid reverse=true limit=10` (p50/p99).
 * `BENCH_LIST_ROWS` overrides the row count (smaller, for quick checks).
 */
import { connectMany } from '../lib/client.js';
import { freshPgSchema, makeDatadir, removeDatadir, startDaemon, type BenchDaemon } from '../lib/daemon.js';
import { seededHash, seededLabel, seedPostgres, seedSqliteDatadir } from '../lib/seed.js';
import { closedLoop, median, ms } from '../lib/stats.js';
import type { BenchOptions, ScenarioResult } from '../run.js';

const STARTS = 3;

export async function run(opts: BenchOptions): Promise<ScenarioResult> {
  const n = Number(process.env.BENCH_LIST_ROWS ?? 1_000_000);
  const out: ScenarioResult = { database: opts.database ? 'postgres' : 'sqlite', rows: n };
  const datadir = makeDatadir();
  const pg = opts.database ? await freshPgSchema(opts.database) : undefined;
  let d: BenchDaemon | undefined;
  try {
    const seeded = pg ? await seedPostgres(datadir, opts.database!, pg.schema, n) : await seedSqliteDatadir(datadir, n);
    out['seed_s'] = Math.round(seeded.seed_s * 10) / 10;
    if ('copy_s' in seeded) out['seed_copy_s'] = Math.round((seeded.copy_s as number) * 10) / 10;
    out['seeded_paid'] = seeded.paid;
    out['seeded_expired'] = seeded.expired;
    out['seeded_unpaid'] = seeded.unpaid;
    const start = () => startDaemon({ datadir, ...(pg ? { database: pg.url } : {}) });

    const startup: number[] = [];
    const rss: number[] = [];
    for (let k = 0; k < STARTS; k++) {
      d = await start();
      startup.push(d.startupMs);
      rss.push(d.rssMb());
      if (k < STARTS - 1) {
        await d.stop();
        d = undefined;
      }
    }
    out['startup_to_ready_ms'] = Math.round(median(startup));
    out['rss_after_startup_mb'] = Math.round(median(rss));

    const [c] = await connectMany(d!.socketPath, 1);
    const client = c!;
    const pick = () => 1 + Math.floor(Math.random() * n);
    const check = (r: { result?: { invoices?: unknown[] } }, want: number, what: string) => {
      const got = r.result?.invoices?.length;
      if (got !== want) throw new Error(`${what}: expected ${want} invoices, got ${got}`);
    };
    const measure = async (name: string, count: number, op: () => Promise<void>) => {
      await closedLoop(1, Math.ceil(count / 5), op); // warm-up
      const x = await closedLoop(1, count, op);
      out[`${name}_p50_ms`] = ms(x.p50_ms);
      out[`${name}_p99_ms`] = ms(x.p99_ms);
    };
    await measure('by_label', 2000, async () => check(await client.ok('listinvoices', { label: seededLabel(pick()) }), 1, 'label'));
    await measure('by_payment_hash', 2000, async () =>
      check(await client.ok('listinvoices', { payment_hash: seededHash(pick()).toString('hex') }), 1, 'payment_hash'),
    );
    await measure('page_1000_created', 100, async () =>
      check(await client.ok('listinvoices', { index: 'created', start: Math.floor(Math.random() * (n - 1000)) + 1, limit: 1000 }), 1000, 'page'),
    );
    await measure('last_10_paid', 1000, async () => {
      const r = await client.ok('listinvoices', { index: 'updated', status: 'paid', reverse: true, limit: 10 });
      check(r, 10, 'last paid');
    });
    out['rss_after_queries_mb'] = Math.round(d!.rssMb());
    client.close();
  } finally {
    await d?.stop();
    await pg?.drop();
    removeDatadir(datadir);
  }
  return out;
}
