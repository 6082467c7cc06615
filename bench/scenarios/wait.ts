/**
 * `npm run bench -- wait [--database URL]`: 10,000 concurrent waiters — half `wait invoices updated
 * <next>`, half `waitanyinvoice <last pay_index>`, 5 per connection over 2,000 connections — then one
 * single-part payment through `htlc_accepted`: the time from the payment's answer to each waiter's answer
 * (p50/p99 over all waiters of all rounds; negative when a waiter was answered before the payer heard
 * back — the daemon wakes waiters right after the commit), the same from when the payment was sent, the
 * time until the last waiter answered, and the daemon's memory with them all waiting (and with the
 * connections open but idle, between rounds). Three rounds (fresh waiters each), after a warm-up round.
 */
import { performance } from 'node:perf_hooks';
import { connectMany } from '../lib/client.js';
import { createTargets, pay } from '../lib/payments.js';
import { withDaemon } from '../lib/scenario.js';
import { median, ms, percentile } from '../lib/stats.js';
import type { BenchOptions, ScenarioResult } from '../run.js';

const WAITERS = 10_000;
const CONNECTIONS = Number(process.env.BENCH_WAIT_CONNECTIONS ?? 2_000);
const ROUNDS = 3;

export async function run(opts: BenchOptions): Promise<ScenarioResult> {
  const out: ScenarioResult = { database: opts.database ? 'postgres' : 'sqlite', waiters: WAITERS };
  await withDaemon(opts, async (d) => {
    const clients = await connectMany(d.socketPath, CONNECTIONS);
    const payer = (await connectMany(d.socketPath, 1))[0]!;
    const targets = await createTargets(clients.slice(0, 8), ROUNDS + 1);
    const wakes: number[] = [];
    const lasts: number[] = [];
    const rss: number[] = [];
    const arms: number[] = [];
    const sinceSent: number[] = [];
    const rssIdle: number[] = [];
    for (let r = 0; r <= ROUNDS; r++) {
      const rssBefore = d.rssMb();
      const info = await payer.ok('listinvoices', { index: 'updated', reverse: true, limit: 1 });
      const updated = (info.result.invoices[0]?.updated_index as number | undefined) ?? 0;
      const lastPaid = await payer.ok('listinvoices', { status: 'paid', index: 'updated', reverse: true, limit: 1 });
      const payIndex = (lastPaid.result.invoices[0]?.pay_index as number | undefined) ?? 0;
      const answered: number[] = [];
      const t0 = performance.now();
      const pending = Array.from({ length: WAITERS }, (_, k) => {
        const c = clients[k % CONNECTIONS]!;
        const p =
          k % 2 === 0
            ? c.ok('wait', { subsystem: 'invoices', indexname: 'updated', nextvalue: updated + 1 })
            : c.ok('waitanyinvoice', { lastpay_index: payIndex });
        return p.then(() => void answered.push(performance.now()));
      });
      // Every connection answers a cheap request sent after its waits, so all waits have been dispatched.
      await Promise.all(clients.map((c) => c.ok('getinfo', {})));
      const armed = performance.now() - t0;
      if (answered.length > 0) throw new Error(`${answered.length} waiters answered before any payment`);
      const mem = d.rssMb();
      const sentAt = performance.now();
      await pay(payer, targets[r]!, 1);
      const paidAt = performance.now();
      await Promise.all(pending);
      if (r === 0) continue; // warm-up
      arms.push(armed);
      rss.push(mem);
      rssIdle.push(rssBefore);
      for (const t of answered) {
        wakes.push(t - paidAt);
        sinceSent.push(t - sentAt);
      }
      lasts.push(Math.max(...answered) - paidAt);
    }
    out['arm_10k_waiters_ms'] = Math.round(median(arms));
    out['wake_p50_ms'] = ms(percentile(wakes, 0.5));
    out['wake_p99_ms'] = ms(percentile(wakes, 0.99));
    out['wake_last_ms'] = ms(median(lasts));
    out['wake_since_payment_sent_p50_ms'] = ms(percentile(sinceSent, 0.5));
    out['wake_since_payment_sent_p99_ms'] = ms(percentile(sinceSent, 0.99));
    out['rss_with_waiters_mb'] = Math.round(Math.max(...rss));
    out['rss_connected_idle_mb'] = Math.round(median(rssIdle));
    for (const c of clients) c.close();
    payer.close();
  });
  return out;
}
