/**
 * invoiced-cln carrying payments between a simulated lightningd and the real, built invoiced: exact and
 * multi-part payments, unknown hashes left to lightningd, HTLCs held while the daemon is killed and
 * restarted, the hold limit, the identity check at init, and a clean shutdown. The simulator spawns the
 * built plugin as lightningd does and checks every byte it writes (test/bridge/lightningd-sim.ts).
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { nodeKeysFromSeed } from '../../src/crypto/node-keys.js';
import { toHex } from '../../src/util/hex.js';
import { daemonBuilt, startDaemonsKilledAfterEach, TEST_SEED, type TestDaemon } from '../helpers/daemon.js';
import { targetFromInvoice, TestPayer, type PayTarget } from '../helpers/payer.js';
import { LightningdSim, PLUGIN_MAIN, type Reply, simsCheckedAfterEach } from './lightningd-sim.js';

const NODE_ID = toHex(nodeKeysFromSeed(TEST_SEED).nodeId);
const built = daemonBuilt() && fs.existsSync(PLUGIN_MAIN);

const sims = simsCheckedAfterEach();

async function simFor(d: { socketPath: string } | string, opts: { nodeId?: string; options?: Record<string, string | number> } = {}) {
  const sim = await LightningdSim.start({
    nodeId: opts.nodeId ?? NODE_ID,
    blockheight: 800_000,
    options: { 'invoiced-rpc-file': typeof d === 'string' ? d : d.socketPath, 'invoiced-log-level': 'debug', ...opts.options },
  });
  sims.push(sim);
  return sim;
}

let labels = 0;
async function issue(d: TestDaemon, amount_msat: number): Promise<PayTarget> {
  const r = await d.call('invoice', { amount_msat, label: `cln-${++labels}`, description: 'paid through invoiced-cln' });
  if (!r.result) throw new Error(r.raw);
  return targetFromInvoice(r.result.bolt11);
}

function expectResolved(r: Reply, target: PayTarget): void {
  const res = LightningdSim.result(r);
  expect(Object.keys(res)).toEqual(['result', 'payment_key']);
  expect(res.result).toBe('resolve');
  expect(createHash('sha256').update(Buffer.from(res.payment_key, 'hex')).digest('hex')).toBe(toHex(target.payment_hash));
}

// Each test starts up to two daemons: on a loaded two-core machine that needs more than the default 30 s.
describe.skipIf(!built)('invoiced-cln: payments through a simulated lightningd', { timeout: 120_000 }, () => {
  const startDaemon = startDaemonsKilledAfterEach();
  const payer = new TestPayer({ blockheight: 800_000 });

  it('registers as lightningd expects and initialises against a daemon on the node key', async () => {
    const d = await startDaemon();
    const sim = await simFor(d);
    const { manifest, init } = await sim.handshake();
    expect(manifest.dynamic).toBe(true);
    expect(manifest.options.map((o: { name: string }) => o.name)).toEqual([
      'invoiced-rpc-file',
      'invoiced-hold-seconds',
      'invoiced-log-level',
      'invoiced-facts-interval',
    ]);
    expect(manifest.hooks.map((h: { name: string }) => h.name)).toEqual(['htlc_accepted', 'onion_message_recv', 'onion_message_recv_secret']);
    expect(manifest.subscriptions).toEqual(['block_added', 'channel_state_changed', 'shutdown']);
    expect(init).toEqual({});
    await sim.waitForLog(new RegExp(`connected to invoiced at .* \\(node ${NODE_ID}\\)`));
    // lightningd's own RPC was used for the node's identity, height and fetchinvoice-noconnect.
    expect(sim.rpc.callsOf('getinfo').length).toBeGreaterThan(0);
    expect(sim.rpc.callsOf('listconfigs')[0]!.params).toEqual({ config: 'fetchinvoice-noconnect' });
  });

  it('an exact payment is resolved with the preimage; an unknown hash is left to lightningd', async () => {
    const d = await startDaemon();
    const sim = await simFor(d);
    await sim.handshake();
    const t = await issue(d, 100_000);
    expectResolved(await sim.htlc(payer.pay(t)[0]!), t);
    const paid = (await d.call('listinvoices', { payment_hash: toHex(t.payment_hash) })).result.invoices[0];
    expect(paid).toMatchObject({ status: 'paid', amount_received_msat: 100_000 });
    const stranger = { payment_hash: new Uint8Array(32).fill(7), payment_secret: new Uint8Array(32).fill(8), amount_msat: 5000n };
    expect(LightningdSim.result(await sim.htlc(payer.pay(stranger)[0]!))).toEqual({ result: 'continue' });
  });

  it('multi-part: parts wait for their set without holding up other HTLCs, and all resolve', async () => {
    const d = await startDaemon();
    const sim = await simFor(d);
    await sim.handshake();
    const t = await issue(d, 300_000);
    const [p1, p2, p3] = payer.pay(t, { parts: 3 });
    let settled = 0;
    const first = [sim.htlc(p1!), sim.htlc(p2!)].map((p) => p.then((r) => (settled++, r)));
    // Another HTLC, sent after the two waiting parts, is answered while they still wait.
    const stranger = { payment_hash: new Uint8Array(32).fill(9), payment_secret: new Uint8Array(32).fill(8), amount_msat: 5000n };
    expect(LightningdSim.result(await sim.htlc(payer.pay(stranger)[0]!))).toEqual({ result: 'continue' });
    expect(settled).toBe(0);
    const last = await sim.htlc(p3!);
    for (const r of [...(await Promise.all(first)), last]) expectResolved(r, t);
  });

  it('holds HTLCs while the daemon is killed and restarted, then gets the daemon’s own answers', async () => {
    const d = await startDaemon();
    const sim = await simFor(d);
    await sim.handshake();
    const single = await issue(d, 50_000);
    const multi = await issue(d, 80_000);
    const [m1, m2] = payer.pay(multi, { parts: 2 });
    const part1 = sim.htlc(m1!); // waits in its set inside the daemon
    // Answered only after the daemon has read part 1 (one connection, read in order).
    const barrier = { payment_hash: new Uint8Array(32).fill(5), payment_secret: new Uint8Array(32).fill(8), amount_msat: 5000n };
    expect(LightningdSim.result(await sim.htlc(payer.pay(barrier)[0]!))).toEqual({ result: 'continue' });
    await d.kill();
    const held = sim.htlc(payer.pay(single)[0]!);
    await sim.waitForLog(/lost the connection to invoiced/);
    await sim.waitForLog(/HTLC .* for [0-9a-f]{64}: .*holding it until invoiced answers/);
    const d2 = await startDaemon(d.startOptions);
    const heldReply = await held;
    expectResolved(heldReply, single);
    const part2 = sim.htlc(m2!);
    expectResolved(await part1, multi);
    expectResolved(await part2, multi);
    expect((await d2.call('listinvoices', { payment_hash: toHex(multi.payment_hash) })).result.invoices[0].status).toBe('paid');
    // Preimages never reach the node's log.
    const preimage = LightningdSim.result(heldReply).payment_key as string;
    expect(sim.logs.filter((l) => l.message.includes(preimage))).toEqual([]);
  });

  it('after the hold limit an HTLC gets continue and a log line, never resolve', async () => {
    const d = await startDaemon();
    const sim = await simFor(d, { options: { 'invoiced-hold-seconds': 1 } });
    await sim.handshake();
    const t = await issue(d, 10_000);
    await d.kill();
    const r = await sim.htlc(payer.pay(t)[0]!);
    expect(LightningdSim.result(r)).toEqual({ result: 'continue' });
    expect(await sim.waitForLog(/did not answer within 1 s/)).toContain(toHex(t.payment_hash));
  });

  it('a daemon that is down at init: init succeeds, HTLCs wait for it to come up', async () => {
    const d = await startDaemon();
    await d.kill();
    const sim = await simFor(d);
    expect((await sim.handshake()).init).toEqual({});
    await sim.waitForLog(/invoiced is not reachable at .*HTLCs will be held/);
    const pending = sim.htlc(payer.pay({ payment_hash: new Uint8Array(32).fill(3), payment_secret: new Uint8Array(32).fill(4), amount_msat: 1000n })[0]!);
    await startDaemon(d.startOptions);
    expect(LightningdSim.result(await pending)).toEqual({ result: 'continue' });
  });

  it('identity mismatch: init answers disable with both ids and the way to fix it, and logs it', async () => {
    const d = await startDaemon();
    const other = toHex(nodeKeysFromSeed(new Uint8Array(32).fill(2)).nodeId);
    const sim = await simFor(d, { nodeId: other });
    const { init } = await sim.handshake();
    expect(Object.keys(init)).toEqual(['disable']);
    expect(init.disable).toBe(
      `invoiced's node id ${NODE_ID} is not this node's id ${other}: run invoiced on this node's key ` +
        `(invoiced --hsm-secret=${sim.netDir}/hsm_secret, see docs/cln-plugin.md)`,
    );
    expect(sim.logs).toContainEqual({ level: 'error', message: init.disable });
    // lightningd kills a plugin that disabled itself; until then a hook is passed on untouched.
    expect(LightningdSim.result(await sim.htlc(payer.pay(await issue(d, 1000))[0]!))).toEqual({ result: 'continue' });
  });

  it('shuts down cleanly on shutdown, HTLCs in flight or not', async () => {
    const d = await startDaemon();
    const sim = await simFor(d);
    await sim.handshake();
    const t = await issue(d, 20_000);
    void sim.htlc(payer.pay(t, { parts: 2 })[0]!); // one part waiting in its set
    const barrier = { payment_hash: new Uint8Array(32).fill(6), payment_secret: new Uint8Array(32).fill(8), amount_msat: 5000n };
    expect(LightningdSim.result(await sim.htlc(payer.pay(barrier)[0]!))).toEqual({ result: 'continue' });
    expect(await sim.shutdown()).toEqual({ code: 0, signal: null });
    expect(sim.logs.at(-1)).toEqual({ level: 'info', message: 'shutting down: lightningd asked us to shut down' });
  });
});
