/**
 * invoiced-cln holding HTLCs, between a simulated lightningd and a scripted stand-in for invoiced: the hold
 * limit counts only time the daemon cannot be reached (an HTLC the daemon itself keeps open, as for a hold
 * invoice, is sent again after a dropped connection however long it was held); a daemon that is connected
 * but silent is found by the liveness check and treated as down; forwards are never sent to the daemon;
 * a payload the daemon refuses as invalid params gets continue at once.
 */
import * as fs from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { JsonServer, RpcFail } from './json-server.js';
import { capturedMessages, fakeInvoiced, LightningdSim, PLUGIN_MAIN, simsCheckedAfterEach, TEST_NODE_ID } from './lightningd-sim.js';

const ready = fs.existsSync(PLUGIN_MAIN);
const HASH = 'd9e8191a24623573e0f1ccdcb37b5e4db7cb6c71a2381c2cbf54b470bb2d8983';

const sims = simsCheckedAfterEach();
const cleanup: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0)) await c();
});


async function started(daemon: JsonServer, options: Record<string, string | number>, timing: Record<string, number> = {}): Promise<LightningdSim> {
  const sim = await LightningdSim.start({
    nodeId: TEST_NODE_ID,
    blockheight: 108,
    options: { 'invoiced-rpc-file': daemon.path, 'invoiced-log-level': 'debug', ...options },
    env: { INVOICED_CLN_TEST_TIMING: JSON.stringify(timing) },
  });
  sims.push(sim);
  expect((await sim.handshake()).init).toEqual({});
  await sim.waitForLog(/connected to invoiced at /);
  return sim;
}

/** A captured htlc_accepted (a payment to this node: its onion has no next hop). */
const HTLC = capturedMessages('hooks.B.raw.jsonl').find((m) => m.method === 'htlc_accepted')!;

/** The captured HTLC as a forward: `hop` (e.g. `"short_channel_id":"103x2x0"`) added to its onion. */
function forwardText(hop: string, n: number): { id: string; text: string } {
  const id = `"cln:htlc_accepted#${500 + n}"`;
  const text = HTLC.text.replace(HTLC.id!, id).replace('"forward_msat":', `${hop},"forward_msat":`);
  expect(text).toContain(hop);
  return { id, text };
}

describe.skipIf(!ready)('invoiced-cln: holding HTLCs', { timeout: 60_000 }, () => {
  it('an HTLC the daemon holds past the hold limit is sent again after the connection drops, and gets the daemon’s answer', async () => {
    const waiting: Array<() => void> = [];
    const daemon = await fakeInvoiced({
      htlc_accepted: () => new Promise((resolve) => waiting.push(() => resolve({ result: 'fail', failure_message: '400f00000000000186a00000006c' }))),
    });
    // Liveness checks every 200 ms, each given 5 s: the daemon answers them, so the held call stays open.
    const sim = await started(daemon, { 'invoiced-hold-seconds': 1 }, { livenessIntervalMs: 200, livenessTimeoutMs: 5000 });
    let answered = false;
    const reply = sim.sendRequest(HTLC.id!, HTLC.text).then((r) => ((answered = true), r));
    await daemon.waitFor('htlc_accepted');
    const heldAt = Date.now();
    const probesBefore = daemon.callsOf('getinfo').length;
    // Held by the daemon well past the 1 s limit, through several liveness checks.
    await vi.waitFor(
      () => {
        expect(daemon.callsOf('getinfo').length).toBeGreaterThanOrEqual(probesBefore + 5);
        expect(Date.now() - heldAt).toBeGreaterThan(1500);
      },
      { timeout: 15_000, interval: 50 },
    );
    expect(answered).toBe(false);
    daemon.dropConnections(); // the daemon restarts
    const next = await Promise.race([
      daemon.waitFor('htlc_accepted', () => daemon.callsOf('htlc_accepted').length >= 2).then(() => 'sent again'),
      reply.then((r) => `answered ${r.raw} without the daemon`),
    ]);
    expect(next).toBe('sent again');
    expect(daemon.callsOf('htlc_accepted').map((c) => c.raw)).toEqual([HTLC.params, HTLC.params]);
    for (const w of waiting) w(); // only the second call's connection is still there to carry the answer
    expect(LightningdSim.result(await reply)).toEqual({ result: 'fail', failure_message: '400f00000000000186a00000006c' });
    expect(sim.logs.filter((l) => /did not answer within/.test(l.message))).toEqual([]);
  });

  it('a daemon that is connected but answers nothing: the liveness check drops it, and after the hold limit the HTLC gets continue', async () => {
    let frozen = false;
    const daemon = await fakeInvoiced({
      getinfo: () => (frozen ? new Promise(() => {}) : { id: TEST_NODE_ID, blockheight: 0 }),
      // The daemon hangs once the HTLC is in: it still accepts connections, and reads, but answers nothing.
      htlc_accepted: () => ((frozen = true), new Promise(() => {})),
    });
    const sim = await started(daemon, { 'invoiced-hold-seconds': 1 }, { livenessIntervalMs: 200, livenessTimeoutMs: 300, connectTimeoutMs: 300 });
    const reply = await sim.sendRequest(HTLC.id!, HTLC.text);
    expect(LightningdSim.result(reply)).toEqual({ result: 'continue' });
    expect(daemon.callsOf('htlc_accepted')).toHaveLength(1);
    const silent = sim.logs.findIndex((l) =>
      l.message.startsWith(`invoiced at ${daemon.path} did not answer getinfo within 0.3 s while calls were waiting; dropping the connection`),
    );
    const gaveUp = sim.logs.findIndex(
      (l) => l.message === `HTLC 103x1x0/0 for ${HASH}: invoiced did not answer within 1 s (invoiced-hold-seconds); answering continue, so lightningd decides`,
    );
    expect(silent).toBeGreaterThanOrEqual(0);
    expect(gaveUp).toBeGreaterThan(silent);
    // One line for the drop, not a second "lost the connection" for the same event.
    expect(sim.logs.filter((l) => /lost the connection to invoiced/.test(l.message))).toEqual([]);
  });

  it('forwards get continue at once without the daemon being asked, while it is up and while it is down', async () => {
    const daemon = await fakeInvoiced();
    const sim = await started(daemon, {}); // the default hold limit (120 s): a forward held would time the test out
    const hops = ['"short_channel_id":"103x2x0"', '"next_node_id":"027537b83b9efc17659dd1a11749ef073ed8c05541c299424301d48824628d2bbe"'];
    let n = 0;
    for (const hop of hops) {
      const f = forwardText(hop, ++n);
      expect(LightningdSim.result(await sim.sendRequest(f.id, f.text))).toEqual({ result: 'continue' });
    }
    expect(daemon.callsOf('htlc_accepted')).toEqual([]);
    await daemon.close(); // the daemon goes away
    await sim.waitForLog(/lost the connection to invoiced/);
    for (const hop of hops) {
      const f = forwardText(hop, ++n);
      expect(LightningdSim.result(await sim.sendRequest(f.id, f.text))).toEqual({ result: 'continue' });
    }
    expect(daemon.callsOf('htlc_accepted')).toEqual([]);
    expect(sim.logs.filter((l) => /holding it/.test(l.message))).toEqual([]);
  });

  it('a payload the daemon refuses as invalid params (-32602) gets continue at once, with a log line', async () => {
    const daemon = await fakeInvoiced({
      htlc_accepted: () => {
        throw new RpcFail(-32602, 'onion.forward_msat: missing');
      },
    });
    const sim = await started(daemon, {}); // the default hold limit (120 s): retrying would time the test out
    expect(LightningdSim.result(await sim.sendRequest(HTLC.id!, HTLC.text))).toEqual({ result: 'continue' });
    expect(daemon.callsOf('htlc_accepted')).toHaveLength(1);
    expect(sim.logs).toContainEqual({
      level: 'warn',
      message: `HTLC 103x1x0/0 for ${HASH}: invoiced refused the payload (htlc_accepted: -32602 onion.forward_msat: missing); answering continue, so lightningd decides`,
    });
  });
});
