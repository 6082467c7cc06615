/**
 * invoiced-cln between a simulated lightningd and a recording stand-in for invoiced, to see the exact
 * bytes: hook payloads captured from lightningd v26.06.6 (test/fixtures/cln-payloads/hooks.*.raw.jsonl)
 * reach the daemon unchanged, integers above 2^53 included, and the daemon's answers reach lightningd
 * unchanged; many HTLCs in flight are answered each with its own answer; a JSON-RPC error is retried;
 * block heights and node facts are reported as they change.
 */
import * as fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { JsonServer, RpcFail } from './json-server.js';
import { capturedMessages, fakeInvoiced, LightningdSim, PLUGIN_MAIN, simsCheckedAfterEach, TEST_NODE_ID } from './lightningd-sim.js';

const ready = fs.existsSync(PLUGIN_MAIN);

const sims = simsCheckedAfterEach();
const cleanup: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0)) await c();
});


async function started(daemon: JsonServer, options: Record<string, string | number> = {}): Promise<LightningdSim> {
  const sim = await LightningdSim.start({ nodeId: TEST_NODE_ID, blockheight: 108, options: { 'invoiced-rpc-file': daemon.path, ...options } });
  sims.push(sim);
  expect((await sim.handshake()).init).toEqual({});
  return sim;
}

describe.skipIf(!ready)('invoiced-cln: the exact bytes between lightningd and invoiced', () => {
  it('captured hook calls reach the daemon byte for byte, and its answer reaches lightningd byte for byte', async () => {
    const answer = '{"result":"continue","note":18446744073709551615}';
    const daemon = await fakeInvoiced({ htlc_accepted: () => ({ result: 'continue', note: 18446744073709551615n }) });
    const sim = await started(daemon);
    for (const file of ['hooks.B.raw.jsonl', 'announced/hooks.B.raw.jsonl', 'hooks.A.raw.jsonl']) {
      for (const m of capturedMessages(file).filter((x) => x.kind === 'hook' && x.method !== 'invoice_payment')) {
        const before = daemon.callsOf(m.method === 'htlc_accepted' ? 'htlc_accepted' : 'onion_message_recv').length;
        const reply = await sim.sendRequest(m.id!, m.text);
        const got = daemon.callsOf(m.method === 'htlc_accepted' ? 'htlc_accepted' : 'onion_message_recv');
        expect(got.length).toBe(before + 1);
        expect(got.at(-1)!.raw).toBe(m.params);
        if (m.method === 'htlc_accepted') expect(reply.raw).toBe(answer);
        else expect(reply.raw).toBe('{"result":"continue"}');
      }
    }
    expect(daemon.callsOf('onion_message_recv').map((c) => Object.keys(c.params.onion_message))).toContainEqual(
      expect.arrayContaining(['pathsecret', 'invoice_request', 'reply_blindedpath']),
    );
  });

  it('integers above 2^53 in a payload are forwarded exactly', async () => {
    const daemon = await fakeInvoiced();
    const sim = await started(daemon);
    const htlc = capturedMessages('hooks.B.raw.jsonl').find((m) => m.method === 'htlc_accepted')!;
    const big = htlc.text
      .replace('"id":0,', '"id":18446744073709551615,')
      .replace('"amount_msat":100000', '"amount_msat":9007199254740993')
      .replace('"forward_msat":100000', '"forward_msat":2100000000000000000');
    expect(big).not.toBe(htlc.text);
    const params = big.slice(big.indexOf('"params":') + 9, -1);
    expect(LightningdSim.result(await sim.sendRequest(htlc.id!, big))).toEqual({ result: 'continue' });
    expect(daemon.callsOf('htlc_accepted').at(-1)!.raw).toBe(params);
    expect(daemon.callsOf('htlc_accepted').at(-1)!.params.htlc.id).toBe(18446744073709551615n);
  });

  it('many HTLCs in flight: each is answered with its own answer, in the order the daemon answers', async () => {
    const waiting: Array<() => void> = [];
    const daemon = await fakeInvoiced({
      htlc_accepted: (p: { htlc: { id: number } }) =>
        new Promise((resolve) => waiting.push(() => resolve({ result: 'fail', failure_message: (0x4000 + p.htlc.id).toString(16) }))),
    });
    const sim = await started(daemon);
    const htlc = capturedMessages('hooks.B.raw.jsonl').find((m) => m.method === 'htlc_accepted')!;
    const order: number[] = [];
    const replies = Array.from({ length: 40 }, (_, i) => {
      const text = htlc.text.replace('"id":0,', `"id":${i},`).replace(htlc.id!, `"cln:htlc_accepted#${1000 + i}"`);
      return sim.sendRequest(`"cln:htlc_accepted#${1000 + i}"`, text).then((r) => (order.push(i), r));
    });
    await daemon.waitFor('htlc_accepted', () => daemon.callsOf('htlc_accepted').length >= 40);
    expect(waiting).toHaveLength(40); // all forty reached the daemon before any was answered
    for (const w of waiting.reverse()) w(); // the daemon answers the last first
    const got = await Promise.all(replies);
    got.forEach((r, i) => expect(LightningdSim.result(r)).toEqual({ result: 'fail', failure_message: (0x4000 + i).toString(16) }));
    expect(order[0]).toBe(39);
  });

  it('a JSON-RPC error is not an answer: the HTLC is sent again until the daemon decides', async () => {
    let n = 0;
    const daemon = await fakeInvoiced({
      htlc_accepted: () => {
        if (++n < 3) throw new RpcFail(-5, 'Shutting down');
        return { result: 'continue' };
      },
    });
    const sim = await started(daemon);
    const htlc = capturedMessages('hooks.B.raw.jsonl').find((m) => m.method === 'htlc_accepted')!;
    expect(LightningdSim.result(await sim.sendRequest(htlc.id!, htlc.text))).toEqual({ result: 'continue' });
    expect(daemon.callsOf('htlc_accepted').map((c) => c.raw)).toEqual([htlc.params, htlc.params, htlc.params]);
    expect(await sim.waitForLog(/no answer from invoiced \(htlc_accepted: -5 Shutting down\); holding it/)).toContain(
      'HTLC 103x1x0/0 for d9e8191a24623573e0f1ccdcb37b5e4db7cb6c71a2381c2cbf54b470bb2d8983',
    );
  });

  it('an answer lightningd would stop on, or a preimage of another hash, is never passed on', async () => {
    const daemon = await fakeInvoiced({ htlc_accepted: () => ({ result: 'resolve', payment_key: '5a'.repeat(32) }) });
    // Asked again 250 ms after each unusable answer until the hold ends: 3 s, so that a second ask fits in
    // the hold however slowly a loaded machine makes the first round trip (with 1 s it had 0.75 s).
    const sim = await started(daemon, { 'invoiced-hold-seconds': 3 });
    const htlc = capturedMessages('hooks.B.raw.jsonl').find((m) => m.method === 'htlc_accepted')!;
    expect(LightningdSim.result(await sim.sendRequest(htlc.id!, htlc.text))).toEqual({ result: 'continue' });
    expect(daemon.callsOf('htlc_accepted').length).toBeGreaterThan(1); // held and asked again meanwhile
    await sim.waitForLog(/unusable answer \(resolve with a payment_key that is not this HTLC's preimage\)/);
  });

  it('block heights: getinfo at init, then every block_added, each to setblockheight', async () => {
    const daemon = await fakeInvoiced();
    const sim = await started(daemon);
    expect((await daemon.waitFor('setblockheight')).raw).toBe('{"blockheight":108}');
    sim.addBlock();
    sim.addBlock();
    await daemon.waitFor('setblockheight', (c) => c.params.blockheight === 110);
    expect(daemon.callsOf('setblockheight').map((c) => c.raw)).toEqual(['{"blockheight":108}', '{"blockheight":109}', '{"blockheight":110}']);
  });

  it("node facts: lightningd's getinfo and listpeerchannels.channels, passed on as they are", async () => {
    const daemon = await fakeInvoiced();
    const channel = {
      peer_id: '027537b83b9efc17659dd1a11749ef073ed8c05541c299424301d48824628d2bbe',
      peer_connected: true,
      state: 'CHANNELD_NORMAL',
      short_channel_id: '103x1x0',
      private: true,
      to_us_msat: 1000000,
      total_msat: 1000000000,
      receivable_msat: 989000000,
      updates: { remote: { fee_base_msat: 1, fee_proportional_millionths: 10, cltv_expiry_delta: 6, htlc_minimum_msat: 0, htlc_maximum_msat: 990000000 } },
    };
    const sim = await LightningdSim.start({ nodeId: TEST_NODE_ID, options: { 'invoiced-rpc-file': daemon.path, 'invoiced-facts-interval': 1 } });
    sims.push(sim);
    sim.channels.push(channel);
    sim.peers.push({ id: channel.peer_id, connected: true, num_channels: 1, features: '800898880a8a59a1' });
    const incoming = { id: channel.peer_id, short_channel_id: '103x1x0', fee_base_msat: 1, htlc_min_msat: 0, htlc_max_msat: 990000000, fee_proportional_millionths: 10, cltv_expiry_delta: 6, incoming_capacity_msat: 989000000, public: false, peer_features: '800898880a8a59a1' };
    sim.incoming.push(incoming);
    await sim.handshake();
    const first = await daemon.waitFor('setnodefacts');
    expect(first.raw).toBe(`{"getinfo":${JSON.stringify(sim.getinfo())},"channels":${JSON.stringify([channel])},"incoming":${JSON.stringify([incoming])}}`);
    // A channel change is reported at once; the interval keeps reporting without one.
    sim.channels[0] = { ...channel, state: 'CHANNELD_SHUTTING_DOWN' };
    sim.notify('channel_state_changed', {
      peer_id: channel.peer_id,
      channel_id: '11'.repeat(32),
      short_channel_id: '103x1x0',
      timestamp: '2026-12-02T14:03:31.592Z',
      old_state: 'CHANNELD_NORMAL',
      new_state: 'CHANNELD_SHUTTING_DOWN',
      cause: 'user',
      message: 'User or plugin invoked close command',
    });
    const changed = await daemon.waitFor('setnodefacts', (c) => c.params.channels[0].state === 'CHANNELD_SHUTTING_DOWN');
    expect(changed.params.getinfo.num_active_channels).toBe(0);
    const n = daemon.callsOf('setnodefacts').length;
    await daemon.waitFor('setnodefacts', () => daemon.callsOf('setnodefacts').length > n);
  });

  it('an option lightningd passed that the plugin cannot use: init answers disable naming it', async () => {
    const daemon = await fakeInvoiced();
    const sim = await LightningdSim.start({ nodeId: TEST_NODE_ID, options: { 'invoiced-rpc-file': daemon.path, 'invoiced-log-level': 'loud' } });
    sims.push(sim);
    expect((await sim.handshake()).init).toEqual({ disable: 'invoiced-log-level must be one of debug, info, warn, error, not loud' });
    expect(daemon.calls).toEqual([]);
  });

  it('an older daemon without setblockheight / setnodefacts: one warning each, payments unaffected', async () => {
    const daemon = await fakeInvoiced();
    daemon.handlers.delete('setblockheight');
    daemon.handlers.delete('setnodefacts');
    const sim = await started(daemon);
    await sim.waitForLog(/invoiced has no setblockheight command/);
    await sim.waitForLog(/invoiced has no setnodefacts command/);
    sim.addBlock();
    const htlc = capturedMessages('hooks.B.raw.jsonl').find((m) => m.method === 'htlc_accepted')!;
    expect(LightningdSim.result(await sim.sendRequest(htlc.id!, htlc.text))).toEqual({ result: 'continue' });
    expect(sim.logs.filter((l) => /no setblockheight/.test(l.message))).toHaveLength(1);
  });
});
