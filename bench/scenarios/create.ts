/**
 * `npm run bench -- create [--database URL]`: `invoice` over the socket at 1, 8 and 64 concurrent clients
 * (one connection each; distinct labels, shop-like descriptions, varied amounts), after a warm-up, over
 * three rounds per concurrency: invoices/s and latency p50/p99 (medians of the rounds). In the same run,
 * native libsecp256k1 alone on one core (BOLT 11's recoverable ECDSA through src/crypto/secp256k1.ts; the
 * WebAssembly build beside it), and the ratio of invoices/s at 64 clients to the native rate. Also the
 * daemon's CPU per invoice at 64 clients, the whole process and its main thread alone (from /proc, so the
 * signing workers are excluded): unlike the rates, it hardly moves when other work shares the machine.
 *
 * Then the cost of webhooks: two more daemons, one with `--webhook` pointing at a local sink (a minimal
 * HTTP/1.1 responder, bench/lib/http-sink.ts, answering 204 to every POST) and one without, measured in nine
 * units of four short rounds at 1 and 64 clients (`alternatingUnits`); the ratio is the median of the units'
 * ratios. The sink's count of deliveries is checked.
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { nativeSecp256k1, nativeSecp256k1Unavailable, secp256k1, tinySecp256k1, type Secp256k1 } from '../../src/crypto/secp256k1.js';
import { httpSink } from '../lib/http-sink.js';
import { daemonSignerEnv } from '../lib/daemon.js';
import { invoiceLoad, withDaemon } from '../lib/scenario.js';
import { alternatingUnits, closedLoop, median, medianOf, ms, rate, ratio } from '../lib/stats.js';
import type { BenchOptions, ScenarioResult } from '../run.js';

const ROUNDS = 3;
/** Invoices per round at each concurrency (a round lasts about a second at target speed). */
const PER_ROUND: Record<number, number> = { 1: 1000, 8: 3000, 64: 6000 };
/** The webhook comparison: units of four rounds (two with, two without), and invoices per round. */
const WEBHOOK_UNITS = 9;
const WEBHOOK_PER_ROUND: Record<number, number> = { 1: 500, 64: 3000 };

/** Recoverable ECDSA signatures per second on this thread (one core) with `backend`, over ~1 s. */
export function signaturesPerSecond(backend: Secp256k1 = secp256k1): number {
  const key = randomBytes(32);
  const digests = Array.from({ length: 256 }, () => randomBytes(32));
  for (let i = 0; i < 500; i++) backend.signRecoverable(digests[i % 256]!, key);
  let n = 0;
  const t0 = performance.now();
  let t = t0;
  while (t - t0 < 1000) {
    for (let i = 0; i < 200; i++) backend.signRecoverable(digests[(n + i) % 256]!, key);
    n += 200;
    t = performance.now();
  }
  return (n / (t - t0)) * 1000;
}

export async function run(opts: BenchOptions): Promise<ScenarioResult> {
  const out: ScenarioResult = { database: opts.database ? 'postgres' : 'sqlite' };
  await withDaemon(opts, async (d) => {
    const { create, close } = await invoiceLoad(d.socketPath, 'bench');
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
    close();
  });
  Object.assign(out, await webhookComparison(opts));
  // The daemon loads the same module on the same machine, so it signs with this backend too (unless told otherwise).
  out['sign_backend'] = daemonSignerEnv()['INVOICED_SECP256K1'] === 'wasm' ? tinySecp256k1.name : secp256k1.name;
  if (nativeSecp256k1Unavailable !== undefined) out['sign_native_unavailable'] = nativeSecp256k1Unavailable;
  out['sign_ecdsa_wasm_one_core_per_s'] = rate(median([0, 1, 2].map(() => signaturesPerSecond(tinySecp256k1))));
  const sigs = referenceSignRate();
  out['sign_ecdsa_one_core_per_s'] = rate(sigs);
  out['main_thread_cpu_measure'] = 'utime+stime of /proc/<pid>/task/<pid>/stat (main thread only, workers excluded), per invoice at 64 clients';
  out['invoice_c64_to_sign_ratio'] = ratio((out['invoice_c64_per_s'] as number) / sigs);
  return out;
}

/**
 * The rate the targets' ratios are against: native libsecp256k1's recoverable signatures per second on one
 * core (without the binary, the fallback's), the median of three measurements.
 */
export function referenceSignRate(): number {
  return median([0, 1, 2].map(() => signaturesPerSecond(nativeSecp256k1 ?? tinySecp256k1)));
}

/** invoices/s and p99 at 1 and 64 clients without and with one webhook URL, rounds alternating. */
async function webhookComparison(opts: BenchOptions): Promise<ScenarioResult> {
  const sink = await httpSink();
  const out: ScenarioResult = {};
  try {
    await withDaemon(opts, (plain) =>
      withDaemon(
        opts,
        async (hooked) => {
          const sides = await Promise.all([plain, hooked].map((d, side) => invoiceLoad(d.socketPath, `wh-${side}`)));
          for (const s of sides) await closedLoop(8, 2000, s.create); // warm-up
          for (const c of [1, 64]) {
            // Many short units (alternatingUnits): with plain pairs, whichever side went second more often lost a
            // few per cent. A unit's figures are over its two rounds per side; the ratio is the median of the
            // units' ratios.
            const n = WEBHOOK_PER_ROUND[c]!;
            const units = await alternatingUnits(WEBHOOK_UNITS, async (side) => {
              const d = [plain, hooked][side]!;
              const c0 = d.cpuMs().total;
              const x = await closedLoop(c, n, sides[side]!.create);
              return { ms: (n / x.per_s) * 1000, cpu: (d.cpuMs().total - c0) / n, p99: x.p99_ms };
            });
            const rounds = units.map(([a, b]) => {
              const sum = (xs: typeof a) => ({ ms: xs[0]!.ms + xs[1]!.ms, cpu: (xs[0]!.cpu + xs[1]!.cpu) / 2, p99: Math.max(xs[0]!.p99, xs[1]!.p99) });
              const [without, withHook] = [sum(a), sum(b)];
              const perS = (x: typeof without) => (2 * n * 1000) / x.ms;
              return { without: perS(without), with: perS(withHook), without_p99: without.p99, with_p99: withHook.p99, ratio: perS(withHook) / perS(without), without_cpu: without.cpu, with_cpu: withHook.cpu };
            });
            const m = medianOf(rounds);
            out[`webhook_off_invoice_c${c}_per_s`] = rate(m.without!);
            out[`webhook_on_invoice_c${c}_per_s`] = rate(m.with!);
            out[`webhook_off_invoice_c${c}_p99_ms`] = ms(m.without_p99!);
            out[`webhook_on_invoice_c${c}_p99_ms`] = ms(m.with_p99!);
            out[`webhook_on_to_off_c${c}_ratio`] = ratio(m.ratio!);
            // The daemon's whole CPU per invoice (its poster thread included; deliveries of a round may
            // still be running as the next round starts, so this is the cost as it falls, not to the µs).
            out[`webhook_off_c${c}_daemon_cpu_ms_per_invoice`] = ms(m.without_cpu!);
            out[`webhook_on_c${c}_daemon_cpu_ms_per_invoice`] = ms(m.with_cpu!);
          }
          // Every event of the hooked daemon reaches the sink (delivery runs behind the answers).
          const t0 = performance.now();
          const expected = sides[1]!.created();
          while (sink.count() < expected && performance.now() - t0 < 120_000) await new Promise((r) => setTimeout(r, 50));
          out['webhook_delivered'] = sink.count();
          out['webhook_expected'] = expected;
          out['webhook_drain_after_load_ms'] = ms(performance.now() - t0);
          for (const s of sides) s.close();
        },
        { args: [`--webhook=${sink.url}`] },
      ),
    );
  } finally {
    await sink.close();
  }
  return out;
}
