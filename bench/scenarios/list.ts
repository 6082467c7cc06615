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
import type { BenchDaemon } from '../lib/daemon.js';
import { seededRun } from '../lib/seeded-run.js';
import { seededHash, seededLabel } from '../lib/seed.js';
import { measureLatency, median } from '../lib/stats.js';
import type { BenchOptions, ScenarioResult } from '../run.js';

const STARTS = 3;

export function run(opts: BenchOptions): Promise<ScenarioResult> {
  return seededRun(opts, async ({ rows: n, seeded, out, start }) => {
    out['seed_s'] = Math.round(seeded.seed_s * 10) / 10;
    if (seeded.copy_s !== undefined) out['seed_copy_s'] = Math.round(seeded.copy_s * 10) / 10;
    out['seeded_paid'] = seeded.paid;
    out['seeded_expired'] = seeded.expired;
    out['seeded_unpaid'] = seeded.unpaid;

    const startup: number[] = [];
    const rss: number[] = [];
    let d: BenchDaemon | undefined;
    for (let k = 0; k < STARTS; k++) {
      d = await start();
      startup.push(d.startupMs);
      rss.push(d.rssMb());
      if (k < STARTS - 1) await d.stop();
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
    const measure = (name: string, count: number, op: () => Promise<void>) => measureLatency(out, name, count, op);
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
  });
}
