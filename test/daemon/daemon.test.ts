/**
 * The composition root in-process (STYLE 14): createDaemon with an injected clock, seed and logger,
 * requests through `daemon.call`, and close() undoing the start in reverse order.
 */
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { nodeKeysFromSeed } from '../../src/crypto/node-keys.js';
import { resolveConfig, type DaemonConfig } from '../../src/daemon/config.js';
import { createDaemon, type Daemon } from '../../src/daemon/daemon.js';
import { AdjustableClock } from '../../src/daemon/dev-clock.js';
import { toHex } from '../../src/util/hex.js';
import { tempDir } from '../helpers/tmp.js';

const SEED = new Uint8Array(32).fill(1);
const daemons: Daemon[] = [];
afterEach(async () => {
  await Promise.all(daemons.splice(0).map((d) => d.close()));
});

function configFor(args: string[] = []): DaemonConfig {
  const dir = tempDir('invd-unit-');
  const r = resolveConfig([`--datadir=${dir}`, '--network=regtest', ...args], { home: dir, cwd: dir, readFile: () => undefined });
  if (r.action !== 'run') throw new Error('expected run');
  return r.config;
}

async function make(config: DaemonConfig, lines?: string[]): Promise<Daemon> {
  const logger = lines
    ? pino({ level: 'debug' }, { write: (s: string) => void lines.push(s) })
    : pino({ level: 'silent' });
  const d = await createDaemon({
    config,
    clock: new AdjustableClock(),
    random: (n) => new Uint8Array(n).fill(7),
    logger,
    version: 'test',
    loadSeed: async () => SEED.slice(),
  });
  daemons.push(d);
  return d;
}

describe('createDaemon', () => {
  it('serves requests in-process and on its socket', async () => {
    const config = configFor();
    const d = await make(config);
    expect(toHex(d.nodeId)).toBe(toHex(nodeKeysFromSeed(SEED).nodeId));
    const r = await d.call('invoice', { amount_msat: 1000, label: 'in-process', description: 'x' });
    expect(r.result.created_index).toBe(1);
    expect(d.socketPath).toBe(config.rpcFile);
    expect(fs.statSync(config.rpcFile).mode & 0o777).toBe(0o600);
  });

  it('close() stops listening, removes the socket and closes the database; twice is harmless', async () => {
    const config = configFor();
    const d = await make(config);
    await d.close();
    await d.close();
    await d.closed;
    expect(fs.existsSync(config.rpcFile)).toBe(false);
    await expect(new Promise((res, rej) => net.connect(config.rpcFile).on('connect', res).on('error', rej))).rejects.toThrow();
    // The database was closed: a new daemon opens it and sees the invoice count.
    const d2 = await make(config);
    expect((await d2.call('getinfo', {})).result.invoices.created_index).toBe(0);
  });

  it('the stop command shuts the daemon down after answering', async () => {
    const lines: string[] = [];
    const d = await make(configFor(), lines);
    expect((await d.call('stop', [])).result).toEqual({ result: 'Shutdown complete' });
    await d.closed;
    const msgs = lines.map((l) => JSON.parse(l).msg);
    expect(msgs.slice(-2)).toEqual(['shutting down', 'shutdown complete']);
  });

  it('a failed start closes what it started and never logs the database password', async () => {
    const lines: string[] = [];
    const config = configFor(['--database=postgres://user:hunter2@127.0.0.1:1/none']);
    // PostgreSQL is unreachable here: startup fails, and the failure closes what was started.
    await expect(make(config, lines)).rejects.toThrow();
    expect(fs.existsSync(config.rpcFile)).toBe(false);
    expect(lines.join('')).not.toContain('hunter2');
  });

  it('refuses to start when another daemon answers on the socket, before opening the database', async () => {
    const config = configFor();
    await make(config);
    const other = { ...config, database: { kind: 'sqlite' as const, path: path.join(config.networkDir, 'other.sqlite3') } };
    await expect(make(other)).rejects.toThrow(`another daemon is already answering on ${config.rpcFile}`);
    expect(fs.existsSync(other.database.path)).toBe(false);
  });

  it('registers dev-clock only with --developer', async () => {
    const plain = await make(configFor());
    expect((await plain.call('dev-clock', { advance: 1 })).error?.code).toBe(-32601);
    const dev = await make(configFor(['--developer']));
    const r = await dev.call('dev-clock', { advance: 10 });
    expect(r.result.offset).toBe(10);
  });
});
