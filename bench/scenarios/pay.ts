/**
 * `npm run bench -- pay [--database URL]`: payments per second through `htlc_accepted` on the real daemon's
 * socket — each HTLC answered `resolve` only after the payment is committed (the daemon's rule; the
 * scenario checks every answer). Invoices are created first (not timed); then, over three rounds each
 * (medians):
 * - single_part_c1: one payment at a time (latency-bound: one commit per payment);
 * - single_part_c64: 64 bridges' worth of concurrent single-part payments;
 * - four_part_c16: 4-part MPP payments, 16 in flight (64 HTLCs), per payment and per HTLC.
 */
import { connectMany } from '../lib/client.js';
import { createTargets, pay } from '../lib/payments.js';
import { withDaemon } from '../lib/scenario.js';
import { closedLoop, medianOf, ms, rate } from '../lib/stats.js';
import type { BenchOptions, ScenarioResult } from '../run.js';

const ROUNDS = 3;

export async function run(opts: BenchOptions): Promise<ScenarioResult> {
  const out: ScenarioResult = { database: opts.database ? 'postgres' : 'sqlite' };
  await withDaemon(opts, async (d) => {
    const clients = await connectMany(d.socketPath, 64);
    const figure = async (name: string, concurrency: number, perRound: number, parts: number) => {
      const rounds = [];
      for (let r = 0; r < ROUNDS + 1; r++) {
        const targets = await createTargets(clients, perRound);
        const x = await closedLoop(concurrency, perRound, (w, i) => pay(clients[w]!, targets[i]!, parts));
        if (r > 0) rounds.push({ per_s: x.per_s, p50: x.p50_ms, p99: x.p99_ms }); // round 0 warms up
      }
      const m = medianOf(rounds);
      out[`${name}_per_s`] = rate(m.per_s!);
      if (parts > 1) out[`${name}_htlcs_per_s`] = rate(m.per_s! * parts);
      out[`${name}_p50_ms`] = ms(m.p50!);
      out[`${name}_p99_ms`] = ms(m.p99!);
    };
    await figure('single_part_c1', 1, 500, 1);
    await figure('single_part_c64', 64, 4000, 1);
    await figure('four_part_c16', 16, 1500, 4);
    out['daemon_rss_mb'] = Math.round(d.rssMb());
    for (const c of clients) c.close();
  });
  return out;
}
