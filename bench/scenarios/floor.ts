/**
 * `npm run bench -- floor`: the daemon against the floor of its own parts on this machine, side by side.
 *
 * The floor (bench/lib/floor-server.ts) answers `invoice` with the daemon's build pool, the store's insert
 * and event statements, event body, formatters and database settings, group-committed, and nothing else. Both run as processes of their own,
 * each with 64 connections, measured in alternating units (A B B A, then B A A B) at 64 clients and at one:
 * invoices/s, p50, and the main thread's CPU per invoice of each; `invoice_c64_to_floor_ratio` is the median
 * of the units' ratios, the share of what these parts do here that the daemon's layers leave. In the same
 * run, native libsecp256k1's one-core rate, and both sides' ratio to it (the figure the `create` target uses):
 * the floor's says how far that target is within reach of these parts on this machine at all.
 *
 * SQLite only (the floor writes through better-sqlite3); with `--database` it says so and measures nothing.
 */
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { nativeSecp256k1, tinySecp256k1 } from '../../src/crypto/secp256k1.js';
import { decodeBolt11 } from '../../src/invoice/bolt11/index.js';
import { BenchClient } from '../lib/client.js';
import { cpuMs, makeDatadir, removeDatadir } from '../lib/daemon.js';
import { invoiceLoad, withDaemon } from '../lib/scenario.js';
import { alternatingUnits, closedLoop, median, medianOf, ms, rate, ratio } from '../lib/stats.js';
import type { BenchOptions, ScenarioResult } from '../run.js';
import { referenceSignRate } from './create.js';

const FLOOR_MAIN = fileURLToPath(new URL('../lib/floor-server.js', import.meta.url));
/** Units and invoices per round, by concurrency. */
const UNITS: Record<number, number> = { 64: 6, 1: 4 };
const PER_ROUND: Record<number, number> = { 64: 3000, 1: 500 };

/**
 * The same `invoice` asked of both: the answers must have the same members in the same order, and both
 * invoices must decode to the same fields but for what is drawn or signed anew (hash, secret, signature) and
 * the payee (each has its own key).
 */
async function checkSameAnswers(sockets: readonly string[]): Promise<void> {
  const params = { amount_msat: 123456, label: 'floor-check', description: 'Same answer from both' };
  const answers = await Promise.all(
    sockets.map(async (s) => {
      const c = await BenchClient.connect(s);
      try {
        return (await c.ok('invoice', params)).result as Record<string, unknown>;
      } finally {
        c.close();
      }
    }),
  );
  const [a, b] = answers.map((r) => {
    const d = decodeBolt11(String(r['bolt11']));
    return { members: Object.keys(r).join(','), fields: [d.network, d.amount_msat, d.description, d.expiry, d.min_final_cltv_expiry, d.features ? Buffer.from(d.features).toString('hex') : ''].join('|') };
  });
  if (a!.members !== b!.members || a!.fields !== b!.fields) throw new Error(`floor answers differ from the daemon's: ${JSON.stringify([a, b])}`);
}

/** Starts the floor on a new database `file`; resolves once it listens. */
async function startFloor(file: string, socketPath: string): Promise<{ pid: number; stop(): Promise<void> }> {
  const proc = spawn(process.execPath, [FLOOR_MAIN, file, socketPath], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  proc.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    proc.stdout!.setEncoding('utf8').on('data', (d: string) => d.includes('ready') && resolve());
    void exited.then(() => reject(new Error(`floor server exited: ${stderr}`)));
  });
  return {
    pid: proc.pid!,
    async stop() {
      proc.kill('SIGTERM');
      await exited;
    },
  };
}

export async function run(opts: BenchOptions): Promise<ScenarioResult> {
  if (opts.database) return { floor: 'SQLite only: run without --database' };
  const out: ScenarioResult = {};
  const floorDir = makeDatadir();
  const floor = await startFloor(path.join(floorDir, 'floor.sqlite3'), path.join(floorDir, 'floor.sock'));
  try {
    await withDaemon(opts, async (d) => {
      const pids = [d.pid, floor.pid];
      await checkSameAnswers([d.socketPath, path.join(floorDir, 'floor.sock')]);
      const loads = await Promise.all([invoiceLoad(d.socketPath, 'daemon'), invoiceLoad(path.join(floorDir, 'floor.sock'), 'floor')]);
      for (const l of loads) await closedLoop(8, 2000, l.create); // warm-up
      for (const c of [64, 1]) {
        const n = PER_ROUND[c]!;
        const units = await alternatingUnits(UNITS[c]!, async (side) => {
          const main0 = cpuMs(pids[side]!).main;
          const x = await closedLoop(c, n, loads[side]!.create);
          return { ms: (n / x.per_s) * 1000, p50: x.p50_ms, main: (cpuMs(pids[side]!).main - main0) / n };
        });
        const sides = units.map((u) =>
          u.map((rounds) => ({ per_s: (2 * n * 1000) / (rounds[0]!.ms + rounds[1]!.ms), p50: median(rounds.map((r) => r.p50)), main: (rounds[0]!.main + rounds[1]!.main) / 2 })),
        );
        const daemon = medianOf(sides.map((s) => s[0]!));
        const parts = medianOf(sides.map((s) => s[1]!));
        out[`invoice_c${c}_per_s`] = rate(daemon.per_s!);
        out[`floor_c${c}_per_s`] = rate(parts.per_s!);
        out[`invoice_c${c}_p50_ms`] = ms(daemon.p50!);
        out[`floor_c${c}_p50_ms`] = ms(parts.p50!);
        out[`invoice_c${c}_main_thread_cpu_ms_per_invoice`] = ms(daemon.main!);
        out[`floor_c${c}_main_thread_cpu_ms_per_invoice`] = ms(parts.main!);
        out[`invoice_c${c}_to_floor_ratio`] = ratio(median(sides.map((s) => s[0]!.per_s / s[1]!.per_s)));
      }
      for (const l of loads) l.close();
    });
  } finally {
    await floor.stop();
    removeDatadir(floorDir);
  }
  const sigs = referenceSignRate();
  out['sign_ecdsa_one_core_per_s'] = rate(sigs);
  out['sign_backend'] = (nativeSecp256k1 ?? tinySecp256k1).name;
  out['invoice_c64_to_sign_ratio'] = ratio((out['invoice_c64_per_s'] as number) / sigs);
  out['floor_c64_to_sign_ratio'] = ratio((out['floor_c64_per_s'] as number) / sigs);
  return out;
}
