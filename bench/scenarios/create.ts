/**
 * `npm run bench -- create [--database URL]`: `invoice` over the socket at 1, 8 and 64 concurrent clients
 * (one connection each; distinct labels, shop-like descriptions, varied amounts), after a warm-up, over
 * three rounds per concurrency: invoices/s and latency p50/p99 (medians of the rounds). In the same run,
 * the signing backend alone on one core (BOLT 11's recoverable ECDSA through src/crypto/secp256k1.ts), and
 * the ratio of invoices/s at 64 clients to that. Also the daemon's CPU per invoice at 64 clients (whole
 * process and main thread): unlike the rates, it hardly moves when other work shares the machine.
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { secp256k1 } from '../../src/crypto/secp256k1.js';
import { connectMany } from '../lib/client.js';
import { amountMsat, description, withDaemon } from '../lib/scenario.js';
import { closedLoop, medianOf, ms, rate } from '../lib/stats.js';
import type { BenchOptions, ScenarioResult } from '../run.js';

const ROUNDS = 3;
/** Invoices per round at each concurrency (a round lasts about a second at target speed). */
const PER_ROUND: Record<number, number> = { 1: 1000, 8: 3000, 64: 6000 };

/** Recoverable ECDSA signatures per second on this thread (one core), over ~1 s. */
export function signaturesPerSecond(): number {
  const key = randomBytes(32);
  const digests = Array.from({ length: 256 }, () => randomBytes(32));
  for (let i = 0; i < 500; i++) secp256k1.signRecoverable(digests[i % 256]!, key);
  let n = 0;
  const t0 = performance.now();
  let t = t0;
  while (t - t0 < 1000) {
    for (let i = 0; i < 200; i++) secp256k1.signRecoverable(digests[(n + i) % 256]!, key);
    n += 200;
    t = performance.now();
  }
  return (n / (t - t0)) * 1000;
}

export async function run(opts: BenchOptions): Promise<ScenarioResult> {
  const out: ScenarioResult = { database: opts.database ? 'postgres' : 'sqlite' };
  await withDaemon(opts, async (d) => {
    const clients = await connectMany(d.socketPath, 64);
    let label = 0;
    const create = async (w: number) => {
      const i = label++;
      await clients[w]!.ok('invoice', { amount_msat: amountMsat(i), label: `bench-${i}`, description: description(i) });
    };
    await closedLoop(8, 2000, create); // warm-up: JIT, statement cache, WAL
    for (const c of [1, 8, 64]) {
      const rounds = [];
      for (let r = 0; r < ROUNDS; r++) {
        const cpu0 = d.cpuMs();
        const x = await closedLoop(c, PER_ROUND[c]!, create);
        const cpu1 = d.cpuMs();
        rounds.push({
          per_s: x.per_s,
          p50: x.p50_ms,
          p99: x.p99_ms,
          cpu: (cpu1.total - cpu0.total) / PER_ROUND[c]!,
          main: (cpu1.main - cpu0.main) / PER_ROUND[c]!,
        });
      }
      const m = medianOf(rounds);
      out[`invoice_c${c}_per_s`] = rate(m.per_s!);
      out[`invoice_c${c}_p50_ms`] = ms(m.p50!);
      out[`invoice_c${c}_p99_ms`] = ms(m.p99!);
      if (c === 64) {
        out['invoice_c64_daemon_cpu_ms_per_invoice'] = ms(m.cpu!);
        out['invoice_c64_main_thread_cpu_ms_per_invoice'] = ms(m.main!);
      }
    }
    out['daemon_rss_mb'] = Math.round(d.rssMb());
    for (const c of clients) c.close();
  });
  const sigs = medianOf([0, 1, 2].map(() => ({ s: signaturesPerSecond() }))).s!;
  out['sign_backend'] = secp256k1.name;
  out['sign_ecdsa_one_core_per_s'] = rate(sigs);
  out['invoice_c64_to_sign_ratio'] = Math.round(((out['invoice_c64_per_s'] as number) / sigs) * 1000) / 1000;
  return out;
}
