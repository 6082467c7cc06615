/**
 * `npm run bench -- hold [--database URL]`: hold invoice cycles through the real daemon's socket, 64 in
 * flight: each cycle sends one HTLC for a hold invoice (held: its answer waits), settles the invoice with
 * `holdinvoicesettle` once it is ACCEPTED (retried while it is still OPEN: the accept commits
 * asynchronously), and checks that the HTLC is then answered `resolve`. Hold invoices are created first
 * (not timed). Three rounds (medians) after a warm-up round.
 */
import { connectMany } from '../lib/client.js';
import { createTargets, htlcPayloads } from '../lib/payments.js';
import { withDaemon } from '../lib/scenario.js';
import { closedLoop, medianOf, ms, rate } from '../lib/stats.js';
import type { BenchOptions, ScenarioResult } from '../run.js';

const ROUNDS = 3;
const IN_FLIGHT = 64;
const PER_ROUND = 2000;
export async function run(opts: BenchOptions): Promise<ScenarioResult> {
  const out: ScenarioResult = { database: opts.database ? 'postgres' : 'sqlite', in_flight: IN_FLIGHT };
  await withDaemon(opts, async (d) => {
    // Two connections per worker: the bridge's (its HTLC waits) and the merchant's (it settles).
    const bridges = await connectMany(d.socketPath, IN_FLIGHT);
    const merchants = await connectMany(d.socketPath, IN_FLIGHT);
    let retries = 0;
    const rounds = [];
    for (let r = 0; r < ROUNDS + 1; r++) {
      const targets = await createTargets(merchants, PER_ROUND, 'holdinvoice', { cltv: 18, expiry: 7200 });
      const x = await closedLoop(IN_FLIGHT, PER_ROUND, async (w, i) => {
        const t = targets[i]!;
        const answer = bridges[w]!.ok('htlc_accepted', htlcPayloads(t, 1)[0]);
        for (;;) {
          const s = await merchants[w]!.call('holdinvoicesettle', [t.payment_hash]);
          if (!s.error) break;
          if (!s.error.message.includes("'OPEN'")) throw new Error(`holdinvoicesettle: ${s.error.message}`);
          retries++;
          await new Promise((res) => setImmediate(res));
        }
        const a = await answer;
        if (a.result?.result !== 'resolve') throw new Error(`hold payment not resolved: ${JSON.stringify(a.result)}`);
      });
      if (r > 0) rounds.push({ per_s: x.per_s, p50: x.p50_ms, p99: x.p99_ms }); // round 0 warms up
    }
    const m = medianOf(rounds);
    out['accept_settle_cycles_per_s'] = rate(m.per_s!);
    out['cycle_p50_ms'] = ms(m.p50!);
    out['cycle_p99_ms'] = ms(m.p99!);
    out['settles_retried_while_open'] = retries;
    out['daemon_rss_mb'] = Math.round(d.rssMb());
    for (const c of [...bridges, ...merchants]) c.close();
  });
  return out;
}
