/**
 * Getting paid between two real Core Lightning nodes on regtest, with `invoiced-cln` loaded into the
 * receiving node (B) and invoiced running on B's `hsm_secret`: B's invoices and B's offer, both made by
 * invoiced, are paid by A with `pay` and `fetchinvoice`. Run by `npm run test:realnode`, which sets
 * INVOICED_REALNODE to the folder holding bitcoind, bitcoin-cli, lightningd and lightning-cli for this
 * machine (found anywhere under it); skipped otherwise. Every wait polls a condition.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DAEMON_MAIN, REPO_ROOT } from '../helpers/daemon.js';
import { RpcClient } from '../helpers/rpc-client.js';
import { tempDir } from '../helpers/tmp.js';

const FOLDER = process.env.INVOICED_REALNODE;
const PLUGIN = path.join(REPO_ROOT, 'dist/src/bridge/cln/main.js');

/** The first executable called `name` under `dir` (depth-first, a few levels down). */
function findBinary(dir: string, name: string, depth = 4): string | undefined {
  if (depth < 0 || !fs.existsSync(dir)) return undefined;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isFile() && e.name === name) {
      try {
        fs.accessSync(p, fs.constants.X_OK);
        return p;
      } catch {
        // not executable: keep looking
      }
    }
  }
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    if (e.isDirectory()) {
      const found = findBinary(path.join(dir, e.name), name, depth - 1);
      if (found) return found;
    }
  }
  return undefined;
}

const BIN = FOLDER
  ? {
      bitcoind: findBinary(FOLDER, 'bitcoind'),
      bitcoinCli: findBinary(FOLDER, 'bitcoin-cli'),
      lightningd: findBinary(FOLDER, 'lightningd'),
      lightningCli: findBinary(FOLDER, 'lightning-cli'),
    }
  : undefined;
const missing = BIN ? Object.entries(BIN).filter(([, v]) => !v).map(([k]) => k) : [];

async function until<T>(what: string, f: () => T | undefined | Promise<T | undefined>, timeoutMs = 120_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const v = await f();
      if (v !== undefined && v !== false) return v as T;
    } catch {
      // not yet
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

const port = () => 20_000 + Math.floor(Math.random() * 30_000);

describe.skipIf(!FOLDER || missing.length > 0)(`a real regtest network${missing.length ? ` (missing: ${missing.join(', ')})` : ''}`, () => {
  const procs: ChildProcess[] = [];
  const root = tempDir('rn-');
  const btcDir = path.join(root, 'bitcoin');
  const rpcPort = port();
  const btc = (...args: string[]) => {
    const r = spawnSync(BIN!.bitcoinCli!, [`-datadir=${btcDir}`, '-regtest', `-rpcport=${rpcPort}`, '-rpcuser=rn', '-rpcpassword=rn', ...args], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`bitcoin-cli ${args.join(' ')}: ${r.stderr}`);
    return r.stdout.trim();
  };
  const node = (name: 'a' | 'b') => {
    const dir = path.join(root, name);
    return {
      dir,
      netDir: path.join(dir, 'regtest'),
      port: port(),
      cli: (...args: string[]) => {
        const r = spawnSync(BIN!.lightningCli!, [`--lightning-dir=${dir}`, '--network=regtest', ...args], { encoding: 'utf8' });
        if (r.status !== 0) throw new Error(`lightning-cli(${name}) ${args.join(' ')}: ${r.stdout}${r.stderr}`);
        return JSON.parse(r.stdout);
      },
    };
  };
  const A = node('a');
  const B = node('b');
  const invd = { dir: path.join(root, 'invd'), socket: path.join(root, 'invd', 'regtest', 'invoice-rpc') };
  let daemon: RpcClient;
  const call = async (method: string, params: unknown) => {
    const r = await daemon.call(method, params);
    if (r.error) throw new Error(`${method}: ${JSON.stringify(r.error)}`);
    return r.result;
  };

  const startLightningd = (n: typeof A, extra: string[]) => {
    fs.mkdirSync(n.netDir, { recursive: true });
    const p = spawn(
      BIN!.lightningd!,
      [
        `--lightning-dir=${n.dir}`,
        '--network=regtest',
        `--bitcoin-cli=${BIN!.bitcoinCli}`,
        `--bitcoin-datadir=${btcDir}`,
        `--bitcoin-rpcport=${rpcPort}`,
        '--bitcoin-rpcuser=rn',
        '--bitcoin-rpcpassword=rn',
        `--addr=127.0.0.1:${n.port}`,
        '--log-level=debug',
        `--log-file=${path.join(n.dir, 'log')}`,
        ...extra,
      ],
      { stdio: 'ignore' },
    );
    procs.push(p);
    return until(`lightningd ${n.dir}`, () => n.cli('getinfo').id as string);
  };

  beforeAll(async () => {
    fs.chmodSync(PLUGIN, 0o755); // lightningd executes plugins directly
    fs.mkdirSync(btcDir, { recursive: true });
    procs.push(
      spawn(BIN!.bitcoind!, [`-datadir=${btcDir}`, '-regtest', `-rpcport=${rpcPort}`, `-port=${port()}`, '-rpcuser=rn', '-rpcpassword=rn', '-fallbackfee=0.00001', '-txindex'], {
        stdio: 'ignore',
      }),
    );
    await until('bitcoind', () => btc('getblockchaininfo'));
    btc('createwallet', 'rn');
    btc('generatetoaddress', '101', btc('getnewaddress'));

    // B's key exists before anything starts: invoiced runs on it, lightningd B uses it.
    fs.mkdirSync(B.netDir, { recursive: true });
    fs.writeFileSync(path.join(B.netDir, 'hsm_secret'), randomBytes(32), { mode: 0o400 });
    procs.push(
      spawn(process.execPath, [DAEMON_MAIN, `--datadir=${invd.dir}`, '--network=regtest', `--hsm-secret=${path.join(B.netDir, 'hsm_secret')}`], { stdio: 'ignore' }),
    );
    daemon = await until('invoiced', () => RpcClient.connect(invd.socket));

    await startLightningd(A, []);
    const bId = await startLightningd(B, [`--plugin=${PLUGIN}`, `--invoiced-rpc-file=${invd.socket}`]);
    expect((await call('getinfo', {})).id).toBe(bId);
    await until('the plugin connected', () => fs.readFileSync(path.join(B.dir, 'log'), 'utf8').includes('connected to invoiced at'));

    // A opens a channel to B.
    A.cli('connect', `${bId}@127.0.0.1:${B.port}`);
    btc('sendtoaddress', A.cli('newaddr').bech32 as string, '1');
    btc('generatetoaddress', '1', btc('getnewaddress'));
    await until('A sees its funds', () => (A.cli('listfunds').outputs as unknown[]).length > 0);
    A.cli('fundchannel', bId, '1000000');
    btc('generatetoaddress', '6', btc('getnewaddress'));
    await until('the channel is normal', () =>
      (A.cli('listpeerchannels').channels as Array<{ state: string }>).some((c) => c.state === 'CHANNELD_NORMAL'),
    );
  }, 300_000);

  afterAll(async () => {
    daemon?.destroy();
    for (const p of procs.reverse()) p.kill('SIGTERM');
    await Promise.all(procs.map((p) => (p.exitCode === null ? new Promise((r) => p.on('exit', r)) : undefined)));
  }, 60_000);

  it('A pays an invoice invoiced made for B', async () => {
    const inv = await call('invoice', { amount_msat: 100_000, label: 'realnode-bolt11', description: 'realnode bolt11' });
    const paid = A.cli('pay', inv.bolt11);
    expect(paid).toMatchObject({ status: 'complete', amount_msat: 100_000 });
    const [listed] = (await call('listinvoices', { label: 'realnode-bolt11' })).invoices;
    expect(listed).toMatchObject({ status: 'paid', amount_received_msat: 100_000, payment_preimage: paid.payment_preimage });
  }, 120_000);

  it("A fetches an invoice for invoiced's offer over onion messages and pays it", async () => {
    const offer = await call('offer', { amount: 20_000, description: 'realnode bolt12' });
    const fetched = A.cli('fetchinvoice', offer.bolt12);
    expect(fetched.invoice).toMatch(/^lni1/);
    expect(A.cli('pay', fetched.invoice)).toMatchObject({ status: 'complete', amount_msat: 20_000 });
    const listed = (await call('listinvoices', { offer_id: offer.offer_id })).invoices;
    expect(listed).toEqual([expect.objectContaining({ status: 'paid', amount_received_msat: 20_000 })]);
  }, 120_000);

  it("A's own payment to an invoice of B's node itself still works beside invoiced's", async () => {
    const own = B.cli('invoice', '30000', 'realnode-cln-own', 'CLN invoice');
    expect(A.cli('pay', own.bolt11)).toMatchObject({ status: 'complete' });
    expect(B.cli('listinvoices', 'realnode-cln-own').invoices[0].status).toBe('paid');
  }, 120_000);
});
