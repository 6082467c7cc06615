/**
 * A node with only a private channel, to a public peer: invoiced-cln reports the channel, invoiced's
 * offer then carries a blinded path through that peer, and an invoice_request arriving over it
 * (`onion_message_recv_secret`, with the path's secret) is answered along the payer's reply path.
 * Skipped against a daemon without `setnodefacts`.
 */
import * as fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { nodeKeysFromSeed } from '../../src/crypto/node-keys.js';
import { buildMessagePathToSelf, decryptRecipientData, parseInvoice, parseOffer } from '../../src/offers/index.js';
import { writeJson } from '../../src/rpc/json-writer.js';
import { fromHex, toHex } from '../../src/util/hex.js';
import { Bolt12Payer, nodeSecretOf, REGTEST_CHAIN } from '../helpers/bolt12-payer.js';
import { daemonBuilt, startDaemonsKilledAfterEach, TEST_SEED } from '../helpers/daemon.js';
import { LightningdSim, ONION_PEER_FEATURES, PLUGIN_MAIN, simsCheckedAfterEach } from './lightningd-sim.js';
import { jsonBlindedPath, peelOnionMessage } from './onion-peel.js';

const KEYS = nodeKeysFromSeed(TEST_SEED);
const NODE_ID = toHex(KEYS.nodeId);
const NODE_SECRET = nodeSecretOf(TEST_SEED);
const built = daemonBuilt() && fs.existsSync(PLUGIN_MAIN);
const sims = simsCheckedAfterEach();

// Each test starts up to two daemons: on a loaded two-core machine that needs more than the default 30 s.
describe.skipIf(!built)('invoiced-cln: offers of a node with only private channels', { timeout: 120_000 }, () => {
  const startDaemon = startDaemonsKilledAfterEach();

  it('the offer has a path through the public peer; an invoice_request over it is answered', async (ctx) => {
    const d = await startDaemon();
    if ((await d.call('setnodefacts', {})).error?.code === -32601) return ctx.skip('this daemon has no setnodefacts');
    const peer = new Bolt12Payer(0x71); // the public peer, whose key the test holds to follow the path
    const peerId = toHex(peer.payerId);
    const sim = await LightningdSim.start({ nodeId: NODE_ID, options: { 'invoiced-rpc-file': d.socketPath } });
    sims.push(sim);
    sim.peers.push({ id: peerId, connected: true, num_channels: 1, features: ONION_PEER_FEATURES });
    sim.channels.push({
      peer_id: peerId,
      peer_connected: true,
      state: 'CHANNELD_NORMAL',
      short_channel_id: '109x1x1',
      private: true,
      alias: { local: '3000001x6000001x60001', remote: '1000001x2000001x30001' },
      updates: {
        local: { htlc_minimum_msat: 0, htlc_maximum_msat: 990_000_000, cltv_expiry_delta: 6, fee_base_msat: 1, fee_proportional_millionths: 10 },
        remote: { htlc_minimum_msat: 0, htlc_maximum_msat: 990_000_000, cltv_expiry_delta: 12, fee_base_msat: 3, fee_proportional_millionths: 20 },
      },
      to_us_msat: 390_492_790,
      total_msat: 1_000_000_000,
      our_reserve_msat: 10_000_000,
      their_reserve_msat: 10_000_000,
      receivable_msat: 599_507_210,
    });
    sim.incoming.push({
      id: peerId,
      short_channel_id: '109x1x1',
      fee_base_msat: 3,
      htlc_min_msat: 0,
      htlc_max_msat: 990_000_000,
      fee_proportional_millionths: 20,
      cltv_expiry_delta: 12,
      incoming_capacity_msat: 599_507_210,
      public: false,
      peer_features: '808898888a8a59a1',
    });
    expect((await sim.handshake()).init).toEqual({});
    await sim.rpc.waitFor('listincoming');
    const deadline = Date.now() + 15_000;
    for (;;) {
      // Facts arrive asynchronously: a readiness poll on the daemon's getinfo, then the offer.
      const info = (await d.call('getinfo', {})).result;
      if (info.num_active_channels === 1) break;
      if (Date.now() > deadline) throw new Error(`facts never arrived: ${JSON.stringify(info)}`);
      await new Promise((r) => setTimeout(r, 25));
    }
    const lno = (await d.call('offer', { amount: 5000, description: 'private node' })).result.bolt12 as string;
    const offer = parseOffer(lno);
    const [path] = offer.fields.offer_paths ?? [];
    expect(path).toBeDefined();
    expect(toHex((path!.first_node_id as { node_id: Uint8Array }).node_id)).toBe(peerId);

    // Follow the path as the peer, then as us, to learn its path_id (CLN's pathsecret for the hook).
    const atPeer = decryptRecipientData(peer.keys, path!.first_path_key, path!.path[0]!.encrypted_recipient_data);
    expect(toHex(atPeer.fields.next_node_id!)).toBe(NODE_ID);
    const atUs = decryptRecipientData(KEYS, atPeer.next_path_key, path!.path.at(-1)!.encrypted_recipient_data);
    const pathsecret = toHex(atUs.fields.path_id!);

    const payer = new Bolt12Payer(0x72);
    sim.peers.push({ id: toHex(payer.payerId), connected: true, num_channels: 0, features: ONION_PEER_FEATURES });
    const req = payer.request(lno);
    const reply = buildMessagePathToSelf({ nodeId: payer.payerId, ecdh: payer.keys.ecdh }, (n) => new Uint8Array(n).fill(5), { path_id: new Uint8Array(32).fill(1) });
    const params = writeJson({ onion_message: { pathsecret, reply_blindedpath: jsonBlindedPath(reply), invoice_request: toHex(req.bytes), unknown_fields: [] } });
    expect(LightningdSim.result(await sim.request('onion_message_recv_secret', params))).toEqual({ result: 'resolve' });

    const inject = await sim.rpc.waitFor('injectonionmessage');
    const us = peelOnionMessage(fromHex(inject.params.message), fromHex(inject.params.path_key), NODE_SECRET);
    const atPayer = peelOnionMessage(us.next!, us.hop.next_path_key, nodeSecretOf(new Uint8Array(32).fill(0x72)));
    const invoice = parseInvoice(atPayer.records.find((r) => r.type === 66n)!.value, { chain: REGTEST_CHAIN });
    expect(toHex(invoice.fields.invoice_node_id!)).toBe(NODE_ID);
  });
});
