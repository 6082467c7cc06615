/**
 * The daemon process end to end: options, startup checks, the socket's mode, the startup log line,
 * shutdown by `stop` and by signals (pending waits answered -5), restarts keeping indexes, invoices that
 * expired while the daemon was down, and secrets kept out of the logs. Runs on SQLite, and on PostgreSQL
 * when INVOICED_TEST_PG_URL is set.
 */
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { nodeKeysFromSeed } from '../../src/crypto/node-keys.js';
import { toHex } from '../../src/util/hex.js';
import {
  DAEMON_MAIN,
  E2E_DATABASES,
  daemonBuilt,
  dropPgSchemas,
  makeDatadir,
  runScript,
  spawnDaemon,
  TEST_SEED,
  startDaemonsKilledAfterEach,
} from '../helpers/daemon.js';

const NODE_ID = toHex(nodeKeysFromSeed(TEST_SEED).nodeId);
const start = startDaemonsKilledAfterEach();

describe.skipIf(!daemonBuilt())('invoiced options', () => {
  it('prints --help and --version and exits 0', async () => {
    const help = await runScript(DAEMON_MAIN, ['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: invoiced [--option=value ...]');
    expect(help.stdout).toContain('--rpc-file-mode=<octal>');
    const v = await runScript(DAEMON_MAIN, ['--version']);
    expect(v).toMatchObject({ code: 0, stdout: '0.1.0\n' });
  });

  it.each([
    [['--network=mainnet'], "invoiced: --network: should be one of bitcoin, testnet, testnet4, signet, regtest, not 'mainnet'\n"],
    [['--rpc-file-mode=999'], "invoiced: --rpc-file-mode: should be octal permissions such as 0600 or 0660, not '999'\n"],
    [['--bogus'], "invoiced: unknown option '--bogus' (see --help)\n"],
    [['--cltv-final=abc'], "invoiced: --cltv-final: should be an unsigned 32 bit integer, not 'abc'\n"],
  ])('refuses %j with exit 1 before creating anything', async (args, stderr) => {
    const dir = path.join(makeDatadir(), 'never');
    const r = await runScript(DAEMON_MAIN, [`--datadir=${dir}`, ...args]);
    expect(r).toMatchObject({ code: 1, stderr, stdout: '' });
    expect(fs.existsSync(dir)).toBe(false);
  });

  it('reads the config file and names its bad lines', async () => {
    const dir = makeDatadir();
    fs.writeFileSync(path.join(dir, 'config'), 'network=regtest\nlog-level=loud\n');
    const r = await runScript(DAEMON_MAIN, [`--datadir=${dir}`]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      `invoiced: ${dir}/config line 2: --log-level: should be one of trace, debug, info, warn, error, fatal, silent, not 'loud'\n`,
    );
  });
});

for (const db of E2E_DATABASES) {
  describe.skipIf(!daemonBuilt() || db.skip)(`invoiced lifecycle (${db.name})`, () => {
    const opts = db.database ? { database: db.database } : {};

    it('starts with one log line naming node, network, socket and database; socket mode 0600', async () => {
      const d = await start(opts);
      const line = await d.waitForLog('invoiced started');
      expect(line).toMatchObject({ level: 30, node_id: NODE_ID, network: 'regtest', socket: d.socketPath });
      expect(String(line?.database)).toContain(db.name === 'sqlite' ? 'invoices.sqlite3' : '(schema e2e_');
      expect(String(line?.database)).not.toMatch(/:[^:@/]+@/); // no password
      expect(fs.statSync(d.socketPath).mode & 0o777).toBe(0o600);
      const info = await d.call('getinfo', {});
      expect(info.result).toMatchObject({ id: NODE_ID, network: 'regtest' });
    });

    it('creates the socket with --rpc-file-mode and a relative --rpc-file', async () => {
      const d = await start({ ...opts, args: ['--rpc-file-mode=0660', '--rpc-file=my.sock'] });
      expect(d.socketPath).toBe(path.join(d.datadir, 'regtest', 'my.sock'));
      expect(fs.statSync(d.socketPath).mode & 0o777).toBe(0o660);
      // The group can reach the socket (issue 18 item 13): search permission on both folders, no more.
      expect(fs.statSync(d.datadir).mode & 0o077).toBe(0o010);
      expect(fs.statSync(path.join(d.datadir, 'regtest')).mode & 0o777).toBe(0o710);
      if (db.name === 'sqlite') expect(fs.statSync(path.join(d.datadir, 'regtest', 'invoices.sqlite3')).mode & 0o077).toBe(0);
    });

    it('applies --invoice-expiry and --cltv-final to new invoices', async () => {
      const d = await start({ ...opts, args: ['--invoice-expiry=60', '--cltv-final=42'] });
      const inv = (await d.call('invoice', [1000, 'opts', 'd'])).result;
      const dec = (await d.call('decode', [inv.bolt11])).result;
      expect(dec).toMatchObject({ expiry: 60, min_final_cltv_expiry: 42 });
      expect(inv.expires_at - dec.created_at).toBe(60);
    });

    it('refuses to start while another daemon answers on the socket', async () => {
      const d = await start(opts);
      const again = spawnDaemon([`--datadir=${d.datadir}`, '--network=regtest', ...(d.database ? [`--database=${d.database}`] : [])]);
      let err = '';
      again.stderr!.setEncoding('utf8').on('data', (s: string) => (err += s));
      // 'close', not 'exit': the exit can come before the last of stderr has been read.
      const code = await new Promise((r) => again.on('close', r));
      expect(code).toBe(1);
      expect(err).toBe(`invoiced: another daemon is already answering on ${d.socketPath}\n`);
      // The first one is unharmed.
      expect((await d.call('getinfo', {})).result.id).toBe(NODE_ID);
    });

    it('removes a stale socket left by a killed daemon', async () => {
      const d = await start(opts);
      await d.kill();
      expect(fs.statSync(d.socketPath).isSocket()).toBe(true);
      const d2 = await start(d.startOptions);
      expect((await d2.call('getinfo', {})).result.id).toBe(NODE_ID);
    });

    it('refuses to replace a file that is not a socket', async () => {
      const dir = makeDatadir();
      fs.mkdirSync(path.join(dir, 'regtest'));
      fs.writeFileSync(path.join(dir, 'regtest', 'invoice-rpc'), 'precious');
      const r = await runScript(DAEMON_MAIN, [`--datadir=${dir}`, '--network=regtest', ...(db.database ? [] : [])]);
      expect(r.code).toBe(1);
      expect(r.stderr).toBe(`invoiced: ${dir}/regtest/invoice-rpc exists and is not a socket; refusing to replace it\n`);
      expect(fs.readFileSync(path.join(dir, 'regtest', 'invoice-rpc'), 'utf8')).toBe('precious');
    });

    it('`stop` answers, then the daemon exits 0 and removes its socket', async () => {
      const d = await start(opts);
      const r = await d.call('stop', []);
      expect(r.result).toEqual({ result: 'Shutdown complete' });
      expect(await d.exited).toEqual({ code: 0, signal: null });
      expect(fs.existsSync(d.socketPath)).toBe(false);
      expect(d.logs().map((l) => l.msg)).toContain('shutdown complete');
    });

    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      it(`${signal} answers pending waits with -5, then exits 0`, async () => {
        const d = await start(opts);
        await d.call('invoice', [1000, 'w1', 'wait for me']);
        const c = await d.connect();
        const w1 = c.call('waitinvoice', ['w1']);
        const w2 = c.call('waitanyinvoice', [0]);
        const w3 = c.call('wait', ['invoices', 'created', 99]);
        // The waits are registered once a later request on the same connection has been answered.
        await c.call('getinfo', {});
        d.proc.kill(signal);
        for (const w of [w1, w2, w3]) expect((await w).error).toMatchObject({ code: -5 });
        expect(await d.exited).toEqual({ code: 0, signal: null });
      });
    }

    it('keeps created, updated and deleted indexes across a restart', async () => {
      const d = await start(opts);
      for (const l of ['a', 'b', 'c']) expect((await d.call('invoice', [1000, l, 'd'])).error).toBeUndefined();
      expect((await d.call('delinvoice', ['a', 'unpaid'])).error).toBeUndefined();
      expect((await d.call('delinvoice', { label: 'b', status: 'unpaid', desconly: true })).error).toBeUndefined();
      expect(await d.stop()).toEqual({ code: 0, signal: null });

      const d2 = await start(d.startOptions);
      const idx = async (name: string) => (await d2.call('wait', ['invoices', name, 0])).result[name];
      expect([await idx('created'), await idx('updated'), await idx('deleted')]).toEqual([3, 1, 1]);
      const again = await d2.call('invoice', [1000, 'a', 'recreated']);
      expect(again.result.created_index).toBe(4);
      const list = (await d2.call('listinvoices', {})).result.invoices;
      expect(list.map((i: { label: string; created_index: number }) => [i.label, i.created_index])).toEqual([
        ['b', 2],
        ['c', 3],
        ['a', 4],
      ]);
    });

    it('expires at startup what expired while it was down, with index bumps', async () => {
      const d = await start(opts);
      await d.call('invoice', { amount_msat: 1000, label: 'short', description: 'x', expiry: 60 });
      await d.call('invoice', { amount_msat: 1000, label: 'long', description: 'x', expiry: 3600 });
      await d.stop();
      const d2 = await start({ ...d.startOptions, args: ['--dev-clock-offset=120'] });
      const list = (await d2.call('listinvoices', {})).result.invoices;
      expect(list.map((i: { label: string; status: string }) => [i.label, i.status])).toEqual([
        ['short', 'expired'],
        ['long', 'unpaid'],
      ]);
      expect(list[0].updated_index).toBe(1);
      expect((await d2.call('wait', ['invoices', 'updated', 0])).result).toEqual({ subsystem: 'invoices', updated: 1 });
    });

    it('never logs preimages or the node secret', async () => {
      const d = await start(opts);
      const preimage = 'ab'.repeat(32);
      await d.call('invoice', { amount_msat: 1000, label: 'secret', description: 'x', preimage });
      // A refused preimage, long and distinctive enough that no temp path or id can hold it by chance.
      const badPreimage = 'zz'.repeat(32);
      await d.call('invoice', { amount_msat: 1000, label: 'bad', description: 'x', preimage: badPreimage });
      await d.call('listinvoices', {});
      await d.stop();
      const all = d.stdout() + d.stderr();
      expect(all).toContain('"method":"invoice"');
      expect(all).not.toContain(preimage);
      expect(all).not.toContain(toHex(TEST_SEED));
      expect(all).not.toContain(badPreimage);
    });
  });
}

describe.skipIf(!daemonBuilt())('invoiced log file', () => {
  it('writes JSON lines to --log-file, with one debug line per request', async () => {
    const dir = makeDatadir();
    const d = await start({ datadir: dir, args: ['--log-file=daemon.log'] });
    await d.call('getinfo', {});
    await d.call('nosuchcommand', {});
    await d.stop();
    const lines = fs
      .readFileSync(path.join(dir, 'regtest', 'daemon.log'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.find((l) => l.msg === 'invoiced started')).toBeDefined();
    const reqs = lines.filter((l) => l.msg === 'rpc request');
    expect(reqs.map((l) => [l.level, l.method, l.error_code])).toEqual([
      [20, 'getinfo', undefined],
      [20, 'nosuchcommand', -32601],
    ]);
    expect(typeof reqs[0]!.duration_ms).toBe('number');
    expect(typeof reqs[0]!.id).toBe('string');
    expect(fs.statSync(path.join(dir, 'regtest', 'daemon.log')).mode & 0o077).toBe(0);
  });
});

describe.skipIf(!daemonBuilt())('invoiced log rotation', () => {
  it('SIGHUP reopens --log-file after it was moved away', async () => {
    const dir = makeDatadir();
    const log = path.join(dir, 'regtest', 'daemon.log');
    const d = await start({ datadir: dir, args: ['--log-file=daemon.log'] });
    await d.call('getinfo', {});
    fs.renameSync(log, `${log}.1`);
    d.proc.kill('SIGHUP');
    // The reopen happens on the daemon's loop; poll for the new file while making requests.
    const deadline = Date.now() + 15_000; // a bound for a loaded machine, not a delay
    while (!fs.existsSync(log)) {
      if (Date.now() > deadline) throw new Error('log file not reopened');
      await d.call('getinfo', {});
      await new Promise((r) => setTimeout(r, 10));
    }
    await d.call('listinvoices', {});
    expect(await d.stop()).toEqual({ code: 0, signal: null });
    const fresh = fs.readFileSync(log, 'utf8');
    expect(fresh).toContain('"method":"listinvoices"');
    expect(fresh).toContain('"msg":"shutdown complete"');
    expect(fs.readFileSync(`${log}.1`, 'utf8')).toContain('"msg":"invoiced started"');
  });
});

describe.skipIf(!daemonBuilt())('invoiced log level', () => {
  it('--log-level=info leaves out the per-request debug lines', async () => {
    const d = await start({ logLevel: 'info' });
    await d.call('getinfo', {});
    await d.stop();
    const msgs = d.logs().map((l) => l.msg);
    expect(msgs).toContain('invoiced started');
    expect(msgs).toContain('shutdown complete');
    expect(msgs).not.toContain('rpc request');
    expect(d.logs().every((l) => (l.level as number) >= 30)).toBe(true);
  });
});

describe.skipIf(!daemonBuilt() || !fs.existsSync('/usr/bin/systemd-socket-activate'))('socket activation', () => {
  it('serves on the socket systemd hands over (LISTEN_FDS) and leaves it in place', async () => {
    const dir = makeDatadir();
    const sock = path.join(dir, 'activated.sock');
    const { spawn } = await import('node:child_process');
    const proc = spawn(
      '/usr/bin/systemd-socket-activate',
      ['-l', sock, process.execPath, DAEMON_MAIN, `--datadir=${dir}`, '--network=regtest'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    proc.stdout.setEncoding('utf8').on('data', (s: string) => (out += s));
    proc.stderr.setEncoding('utf8').on('data', (s: string) => (out += s));
    try {
      // systemd-socket-activate binds at once and starts the daemon on the first connection.
      for (let i = 0; !fs.existsSync(sock); i++) {
        if (i > 400) throw new Error(`no socket: ${out}`);
        await new Promise((r) => setTimeout(r, 25));
      }
      const reply = await new Promise<string>((resolve, reject) => {
        const c = net.connect({ path: sock });
        let buf = '';
        c.setEncoding('utf8');
        c.on('data', (s: string) => {
          buf += s;
          if (buf.includes('\n\n')) {
            c.destroy();
            resolve(buf);
          }
        });
        c.on('error', reject);
        c.write('{"jsonrpc":"2.0","id":1,"method":"getinfo","params":{}}');
      });
      expect(JSON.parse(reply).result.id).toBe(NODE_ID);
      for (let i = 0; !out.includes('invoiced started'); i++) {
        if (i > 400) throw new Error(`no startup line: ${out}`);
        await new Promise((r) => setTimeout(r, 25));
      }
      expect(out).toContain('"socket":"fd 3 (systemd)"');
      // Our own default socket was not created.
      expect(fs.existsSync(path.join(dir, 'regtest', 'invoice-rpc'))).toBe(false);
    } finally {
      proc.kill('SIGTERM');
      await new Promise((r) => proc.on('exit', r));
    }
  });
});

afterAll(dropPgSchemas);
