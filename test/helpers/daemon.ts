/**
 * Starts the BUILT daemon (`node dist/src/daemon/main.js`, so run `npm run build` first) as a child
 * process on a temporary datadir, waits until its socket answers, and talks to it only over that socket.
 * Every suite that needs a real daemon uses this: e2e, payments, offers.
 *
 * The node secret is a fixed test seed (32 bytes of 0x01), so the node id is deterministic.
 * With `database: 'postgres'` each daemon gets a fresh schema in INVOICED_TEST_PG_URL's database.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import { withPostgresSchemaLock } from '../../src/invoice/store/db.js';
import { RpcClient, type CallOptions, type RpcReply } from './rpc-client.js';
import { tempDir } from './tmp.js';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const DAEMON_MAIN = path.join(REPO_ROOT, 'dist/src/daemon/main.js');
export const CLI_MAIN = path.join(REPO_ROOT, 'dist/src/cli/main.js');
/** The test seed every helper-started daemon uses (nodeKeysFromSeed(new Uint8Array(32).fill(1))). */
export const TEST_SEED = new Uint8Array(32).fill(1);

/** PostgreSQL for e2e runs, when configured. */
export const PG_URL = process.env.INVOICED_TEST_PG_URL;

/** True when the daemon has been built (tests skip with a reason otherwise). */
export function daemonBuilt(): boolean {
  return fs.existsSync(DAEMON_MAIN) && fs.existsSync(CLI_MAIN);
}

/** A fresh temp datadir holding the test hsm_secret (mode 0400). Short, to stay within sun_path. */
export function makeDatadir(seed: Uint8Array = TEST_SEED): string {
  const dir = tempDir('invd-');
  const hsm = path.join(dir, 'hsm_secret');
  fs.writeFileSync(hsm, seed, { mode: 0o400 });
  return dir;
}

const pgSchemas = new Set<string>();

async function dropSchemas(schemas: readonly string[]): Promise<void> {
  if (!PG_URL || schemas.length === 0) return;
  const url = PG_URL;
  await withPostgresSchemaLock(url, async () => {
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    try {
      for (const s of schemas) await c.query(`drop schema if exists ${s} cascade`);
    } finally {
      await c.end();
    }
  });
}

/** A fresh PostgreSQL schema (the daemon creates it) and a `--database` URL using it. */
export function freshPgDatabase(): { url: string; drop(): Promise<void> } {
  if (!PG_URL) throw new Error('INVOICED_TEST_PG_URL is not set');
  const schema = `e2e_${randomBytes(6).toString('hex')}`;
  pgSchemas.add(schema);
  const sep = PG_URL.includes('?') ? '&' : '?';
  return {
    url: `${PG_URL}${sep}schema=${schema}`,
    drop: async () => {
      pgSchemas.delete(schema);
      await dropSchemas([schema]);
    },
  };
}

/** Drops every schema this process made; call from afterAll once its daemons have stopped. */
export async function dropPgSchemas(): Promise<void> {
  const all = [...pgSchemas];
  pgSchemas.clear();
  await dropSchemas(all);
}

export interface StartOptions {
  /** Reuse a datadir (restarts); default a fresh one. */
  readonly datadir?: string;
  /** Default regtest. */
  readonly network?: string;
  /** `--database` value; 'postgres' makes a fresh schema. Default SQLite in the datadir. */
  readonly database?: string;
  /** Extra command-line options. */
  readonly args?: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
  /** Default true: the dev-clock command and --dev-clock-offset are available. */
  readonly developer?: boolean;
  /** Default 'debug'. */
  readonly logLevel?: string;
}

export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface TestDaemon {
  readonly datadir: string;
  readonly socketPath: string;
  /** The resolved `--database` value (undefined = SQLite default). */
  readonly database: string | undefined;
  readonly proc: ChildProcess;
  readonly exited: Promise<Exit>;
  /** Everything the daemon wrote to stdout (its JSON log lines) and stderr so far. */
  stdout(): string;
  stderr(): string;
  /** Parsed log lines. */
  logs(): Array<Record<string, unknown>>;
  /** Resolves with the first log line with this `msg` (the log is written asynchronously). */
  waitForLog(msg: string, timeoutMs?: number): Promise<Record<string, unknown>>;
  /** One request on a shared connection. */
  call(method: string, params?: unknown, opts?: CallOptions): Promise<RpcReply>;
  /** A new connection of its own. */
  connect(): Promise<RpcClient>;
  /** SIGTERM (or `signal`), then SIGKILL after `graceMs`; resolves with the exit. */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<Exit>;
  /** SIGKILL now. */
  kill(): Promise<Exit>;
  /** The options to start another daemon on the same datadir and database. */
  readonly startOptions: StartOptions;
}

const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const p of running) p.kill('SIGKILL');
});

/** Spawns the daemon without waiting for it (for startup-failure tests). */
export function spawnDaemon(args: readonly string[], env: Readonly<Record<string, string>> = {}): ChildProcess {
  const proc = spawn(process.execPath, [DAEMON_MAIN, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(proc);
  proc.on('exit', () => running.delete(proc));
  return proc;
}

/** The signals a process dies of when it crashes, as opposed to those tests send to stop it. */
const CRASH_SIGNALS: ReadonlySet<NodeJS.Signals> = new Set(['SIGABRT', 'SIGSEGV', 'SIGBUS', 'SIGILL', 'SIGFPE', 'SIGTRAP']);

/** Runs a built script to completion: exit code, stdout and stderr. */
export function runScript(
  script: string,
  args: readonly string[],
  opts: { env?: Readonly<Record<string, string>>; input?: string; timeoutMs?: number } = {},
): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [script, ...args], { env: { ...process.env, ...opts.env }, stdio: 'pipe' });
    let stdout = '';
    let stderr = '';
    p.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    p.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const t = setTimeout(() => {
      p.kill('SIGKILL');
      reject(new Error(`${path.basename(script)} ${args.join(' ')} timed out; stderr: ${stderr}`));
    }, opts.timeoutMs ?? 15_000);
    p.on('error', reject);
    p.on('close', (code, signal) => {
      clearTimeout(t);
      resolve({ code, signal, stdout, stderr });
    });
    p.stdin.end(opts.input ?? '');
  });
}

/** Waits until something accepts connections on `socketPath`, or the process exits, or `timeoutMs` passes. */
async function waitForSocket(socketPath: string, exited: Promise<Exit>, err: () => string, timeoutMs = 20_000): Promise<void> {
  let gone: Exit | undefined;
  void exited.then((e) => (gone = e));
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (gone) throw new Error(`daemon exited (${gone.code ?? gone.signal}) before listening: ${err()}`);
    try {
      const c = await RpcClient.connect(socketPath);
      c.destroy();
      return;
    } catch {
      // Not listening yet: readiness poll, not a timing assumption.
    }
    if (Date.now() > deadline) throw new Error(`daemon did not listen on ${socketPath} within ${timeoutMs} ms: ${err()}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Starts a daemon and resolves once its socket answers. */
export async function startDaemon(opts: StartOptions = {}): Promise<TestDaemon> {
  const datadir = opts.datadir ?? makeDatadir();
  const network = opts.network ?? 'regtest';
  let database = opts.database;
  if (database === 'postgres') database = freshPgDatabase().url;
  const args = [
    `--datadir=${datadir}`,
    `--network=${network}`,
    `--log-level=${opts.logLevel ?? 'debug'}`,
    ...(opts.developer === false ? [] : ['--developer']),
    ...(database !== undefined ? [`--database=${database}`] : []),
    ...(opts.args ?? []),
  ];
  const proc = spawnDaemon(args, opts.env);
  let out = '';
  let err = '';
  proc.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  proc.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
  // 'close', not 'exit': 'exit' can come before the last output has been read from the pipes, and whoever
  // awaits the exit reads stdout() and stderr() as complete.
  const exited = new Promise<Exit>((resolve) => proc.on('close', (code, signal) => resolve({ code, signal })));
  const rpcArg = opts.args?.find((a) => a.startsWith('--rpc-file='));
  const socketPath = rpcArg
    ? path.resolve(path.join(datadir, network), rpcArg.slice('--rpc-file='.length))
    : path.join(datadir, network, 'invoice-rpc');
  await waitForSocket(socketPath, exited, () => err + out.slice(-2000));

  let shared: Promise<RpcClient> | undefined;
  const stop = async (signal: NodeJS.Signals = 'SIGTERM', graceMs = 15_000): Promise<Exit> => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
    const t = setTimeout(() => proc.kill('SIGKILL'), graceMs);
    const e = await exited;
    clearTimeout(t);
    // A daemon that crashed (an abort, a fault: signals no test sends) leaves its last words here, so that the
    // test's failed exit check comes with them in the log.
    if (e.signal !== null && CRASH_SIGNALS.has(e.signal)) {
      console.error(`[test] daemon in ${datadir} ended by ${e.signal} after ${signal}; its stderr:\n${err.slice(-4000)}\nits last log lines:\n${out.slice(-2000)}`);
    }
    return e;
  };
  const logs = () =>
    out
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  return {
    datadir,
    socketPath,
    database,
    proc,
    exited,
    stdout: () => out,
    stderr: () => err,
    logs,
    waitForLog: async (msg, timeoutMs = 10_000) => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const line = logs().find((l) => l.msg === msg);
        if (line) return line;
        if (Date.now() > deadline) throw new Error(`no log line '${msg}' in: ${out.slice(-2000)}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    call: async (method, params, callOpts) => (await (shared ??= RpcClient.connect(socketPath))).call(method, params, callOpts),
    connect: () => RpcClient.connect(socketPath),
    stop,
    kill: () => stop('SIGKILL'),
    startOptions: { ...opts, datadir, ...(database !== undefined ? { database } : {}) },
  };
}

/** The database choices an e2e suite runs against: SQLite always, PostgreSQL when configured. */
export const E2E_DATABASES: ReadonlyArray<{ readonly name: string; readonly database: string | undefined; readonly skip: boolean }> = [
  { name: 'sqlite', database: undefined, skip: false },
  { name: 'postgres', database: 'postgres', skip: !PG_URL },
];

/**
 * For suites that start daemons test by test: returns a `startDaemon` that records each daemon, and
 * registers an afterEach that kills them all, so no test leaves a daemon running for the next.
 */
export function startDaemonsKilledAfterEach(): typeof startDaemon {
  const started: TestDaemon[] = [];
  afterEach(async () => {
    await Promise.all(started.splice(0).map((d) => d.kill()));
  });
  return async (...a) => {
    const d = await startDaemon(...a);
    started.push(d);
    return d;
  };
}

/** A daemon a whole `describe` block shares (see `daemonForSuite`). */
export interface SuiteDaemon {
  /** The daemon (set once beforeAll has run). */
  readonly daemon: TestDaemon;
  /** One connection the block's tests share. */
  readonly client: RpcClient;
  /** The result of a call; throws with the error if there is one. */
  ok(method: string, params: unknown): Promise<any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- JSON results
  /** The error of a call (undefined when it succeeded). */
  err(method: string, params: unknown): Promise<RpcReply['error']>;
}

/**
 * Starts a daemon in beforeAll for the calling `describe` block and stops it in afterAll (expecting a clean
 * exit), with one shared connection.
 */
export function daemonForSuite(opts: StartOptions = {}): SuiteDaemon {
  let daemon: TestDaemon | undefined;
  let client: RpcClient | undefined;
  beforeAll(async () => {
    daemon = await startDaemon(opts);
    client = await daemon.connect();
  });
  afterAll(async () => {
    client?.destroy();
    if (daemon) expect(await daemon.stop()).toEqual({ code: 0, signal: null });
  });
  const s: SuiteDaemon = {
    get daemon() {
      return daemon!;
    },
    get client() {
      return client!;
    },
    ok: async (method, params) => {
      const r = await client!.call(method, params);
      if (r.error) throw new Error(`${method}: ${JSON.stringify(r.error)}`);
      return r.result;
    },
    err: async (method, params) => (await client!.call(method, params)).error,
  };
  return s;
}
