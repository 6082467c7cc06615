/**
 * Starting the built daemon (`dist/src/daemon/main.js`) for a scenario: a fresh temp datadir with a fresh
 * random hsm_secret, SQLite in the datadir unless a PostgreSQL URL is given (then a fresh schema in it),
 * default options otherwise. Ready = its socket accepts a connection; the time from spawn to that is the
 * startup time. RSS comes from /proc/<pid>/status.
 *
 * `BENCH_DAEMON_NODE_ARGS` (space-separated) is passed to the daemon's node, e.g. `--cpu-prof
 * --cpu-prof-dir=/tmp/prof` to profile it under a scenario's load.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

/** The built daemon, relative to this file's built location (dist/bench/lib/). */
export const DAEMON_MAIN = fileURLToPath(new URL('../../src/daemon/main.js', import.meta.url));

export interface BenchDaemon {
  readonly pid: number;
  readonly datadir: string;
  readonly socketPath: string;
  /** Milliseconds from spawn to the first accepted connection. */
  readonly startupMs: number;
  /** Resident set size now, MiB. */
  rssMb(): number;
  /** CPU used so far, ms (see cpuMs). */
  cpuMs(): { total: number; main: number };
  /** SIGTERM and wait for the exit (SIGKILL after 20 s). */
  stop(): Promise<void>;
}

/** A fresh datadir holding a random 32-byte hsm_secret (mode 0400). */
export function makeDatadir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'invb-'));
  fs.writeFileSync(path.join(dir, 'hsm_secret'), randomBytes(32), { mode: 0o400 });
  return dir;
}

/** A fresh PostgreSQL schema in `baseUrl`'s database: the `--database` URL and how to drop it. */
export async function freshPgSchema(baseUrl: string): Promise<{ url: string; schema: string; drop(): Promise<void> }> {
  const schema = `bench_${randomBytes(5).toString('hex')}`;
  const sep = baseUrl.includes('?') ? '&' : '?';
  return {
    url: `${baseUrl}${sep}schema=${schema}`,
    schema,
    async drop() {
      const c = new pg.Client({ connectionString: baseUrl });
      await c.connect();
      try {
        await c.query(`drop schema if exists ${schema} cascade`);
      } finally {
        await c.end();
      }
    },
  };
}

/** Resident set size of a process, MiB (VmRSS of /proc/<pid>/status). */
export function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`no VmRSS for ${pid}`);
  return Number(m[1]) / 1024;
}

/**
 * CPU time (user + system) used so far, ms: the whole process (all threads) and its main thread alone
 * (/proc/<pid>/stat and /proc/<pid>/task/<pid>/stat, in clock ticks of 10 ms). Unlike rates, CPU per
 * operation hardly changes when other work shares the machine.
 */
export function cpuMs(pid: number): { total: number; main: number } {
  const ticks = (file: string) => {
    const text = fs.readFileSync(file, 'utf8');
    const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return Number(f[11]) + Number(f[12]); // utime, stime (fields 14 and 15 of stat)
  };
  return { total: ticks(`/proc/${pid}/stat`) * 10, main: ticks(`/proc/${pid}/task/${pid}/stat`) * 10 };
}

/** The 1-minute load average, to read the other figures against (the machine may be shared). */
export function loadAverage(): number {
  return Math.round(os.loadavg()[0]! * 100) / 100;
}

const children = new Set<ChildProcess>();
process.on('exit', () => {
  for (const c of children) c.kill('SIGKILL');
});

export interface StartOptions {
  /** Reuse a datadir (restarts, seeded databases); default a fresh one. */
  readonly datadir?: string;
  /** `--database` value (a PostgreSQL URL); default SQLite in the datadir. */
  readonly database?: string;
  readonly args?: readonly string[];
}

/** The daemon's signer override from BENCH_DAEMON_SECP256K1 (see src/crypto/secp256k1-native.ts). */
export function daemonSignerEnv(): Record<string, string> {
  const v = process.env.BENCH_DAEMON_SECP256K1;
  return v ? { INVOICED_SECP256K1: v } : {};
}

/** Spawns the daemon (regtest) and resolves once its socket accepts connections. */
export async function startDaemon(opts: StartOptions = {}): Promise<BenchDaemon> {
  const datadir = opts.datadir ?? makeDatadir();
  const socketPath = path.join(datadir, 'regtest', 'invoice-rpc');
  const nodeArgs = (process.env.BENCH_DAEMON_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const t0 = performance.now();
  const proc = spawn(
    process.execPath,
    [
      ...nodeArgs,
      DAEMON_MAIN,
      `--datadir=${datadir}`,
      '--network=regtest',
      '--log-level=warn',
      ...(opts.database ? [`--database=${opts.database}`] : []),
      ...(opts.args ?? []),
    ],
    // BENCH_DAEMON_SECP256K1=wasm runs the daemon on the fallback signer (the bench itself still measures native).
    { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...daemonSignerEnv() } },
  );
  children.add(proc);
  let stderr = '';
  proc.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const exited = new Promise<void>((resolve) => proc.on('exit', () => resolve()));
  let gone = false;
  void exited.then(() => {
    gone = true;
    children.delete(proc);
  });
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (gone) throw new Error(`daemon exited before listening: ${stderr}`);
    if (await canConnect(socketPath)) break;
    if (Date.now() > deadline) throw new Error(`daemon did not listen within 60 s: ${stderr}`);
    await new Promise((r) => setTimeout(r, 2));
  }
  const startupMs = performance.now() - t0;
  const pid = proc.pid!;
  return {
    pid,
    datadir,
    socketPath,
    startupMs,
    rssMb: () => rssMb(pid),
    cpuMs: () => cpuMs(pid),
    async stop() {
      if (!gone) proc.kill('SIGTERM');
      const t = setTimeout(() => proc.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(t);
    },
  };
}

function canConnect(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ path: socketPath });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

/** Removes a datadir made by makeDatadir. */
export function removeDatadir(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
}
