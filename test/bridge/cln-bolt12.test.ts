/**
 * BOLT 12 both ways through invoiced-cln, a simulated lightningd and the real daemon: an invoice_request
 * arriving in `onion_message_recv` is answered along the payer's reply path with an onion built by the
 * plugin and handed to `injectonionmessage`, and the outbox of `sendinvoice` is drained the same way.
 * Each injected onion is peeled hop by hop as the nodes on its path would (test/bridge/onion-peel.ts),
 * down to the invoice the payer reads, which is then paid through `htlc_accepted`.
 */
import * as fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { nodeKeysFromSeed } from '../../src/crypto/node-keys.js';
import { buildMessagePathToSelf, encodeBolt12String, parseInvoiceRequest } from '../../src/offers/index.js';
import { writeJson } from '../../src/rpc/json-writer.js';
import { fromHex, toHex } from '../../src/util/hex.js';
import { Bolt12Payer, nodeSecretOf } from '../helpers/bolt12-payer.js';
import { verifyInvoice } from '../helpers/bolt12-verify.js';
import { daemonBuilt, startDaemonsKilledAfterEach, TEST_SEED, type TestDaemon } from '../helpers/daemon.js';
import { TestPayer } from '../helpers/payer.js';
import { LightningdSim, ONION_PEER_FEATURES, PLUGIN_MAIN, simsCheckedAfterEach } from './lightningd-sim.js';
import { jsonBlindedPath, peelOnionMessage } from './onion-peel.js';

const NODE_ID = toHex(nodeKeysFromSeed(TEST_SEED).nodeId);
const NODE_SECRET = nodeSecretOf(TEST_SEED);
const built = daemonBuilt() && fs.existsSync(PLUGIN_MAIN);

const sims = simsCheckedAfterEach();

const seedOf = (b: number) => new Uint8Array(32).fill(b);

// Each test starts up to two daemons: on a loaded two-core machine that needs more than the default 30 s.
describe.skipIf(!built)('invoiced-cln: BOLT 12 through a simulated lightningd', { timeout: 120_000 }, () => {
  const startDaemon = startDaemonsKilledAfterEach();
  const htlcs = new TestPayer({ blockheight: 800_000 });

  async function setup(opts: { noconnect?: boolean } = {}): Promise<{ d: TestDaemon; sim: LightningdSim }> {
    const d = await startDaemon();
    const sim = await LightningdSim.start({ nodeId: NODE_ID, options: { 'invoiced-rpc-file': d.socketPath }, ...opts });
    sims.push(sim);
    expect((await sim.handshake()).init).toEqual({});
    return { d, sim };
  }

  const payInvoice = async (sim: LightningdSim, v: { payment_hash: Uint8Array; amount: bigint; path_id?: Uint8Array }) =>
    LightningdSim.result(
      await sim.htlc(htlcs.pay({ payment_hash: v.payment_hash, amount_msat: v.amount, payment_secret: v.path_id!, min_final_cltv_expiry: 18 })[0]!),
    );

  it('an invoice_request is answered along the reply path, and the invoice it carries is paid', async () => {
    const { d, sim } = await setup();
    const payer = new Bolt12Payer(0x61);
    sim.peers.push({ id: toHex(payer.payerId), connected: true, num_channels: 1, features: ONION_PEER_FEATURES });
    const lno = (await d.call('offer', { amount: 7000, description: 'coffee' })).result.bolt12 as string;
    const req = payer.request(lno);
    const replyId = new Uint8Array(32).fill(0x77);
    const reply = buildMessagePathToSelf({ nodeId: payer.payerId, ecdh: payer.keys.ecdh }, (n) => new Uint8Array(n).fill(9), { path_id: replyId });
    const params = writeJson({ onion_message: { reply_blindedpath: jsonBlindedPath(reply), invoice_request: toHex(req.bytes), unknown_fields: [] } });
    // Handled: lightningd must not pass it on to its own offers plugin.
    expect(LightningdSim.result(await sim.request('onion_message_recv', params))).toEqual({ result: 'resolve' });

    const inject = await sim.rpc.waitFor('injectonionmessage');
    expect(Object.keys(inject.params)).toEqual(['path_key', 'message']);
    expect(sim.rpc.callsOf('connect')).toEqual([]); // a connected peer that carries onion messages: no connecting
    const us = peelOnionMessage(fromHex(inject.params.message), fromHex(inject.params.path_key), NODE_SECRET);
    expect(toHex(us.hop.fields.next_node_id!)).toBe(toHex(payer.payerId));
    expect(toHex(us.hop.next_path_key)).toBe(toHex(reply.first_path_key)); // next_path_key_override
    const atPayer = peelOnionMessage(us.next!, us.hop.next_path_key, nodeSecretOf(seedOf(0x61)));
    expect(atPayer.next).toBeUndefined();
    expect(toHex(atPayer.hop.fields.path_id!)).toBe(toHex(replyId));
    expect(atPayer.records.map((r) => r.type)).toEqual([4n, 66n]);
    const v = verifyInvoice(atPayer.records[1]!.value, req.bytes, NODE_SECRET);
    expect(v).toMatchObject({ signatureValid: true, mirrorsRequest: true, amount: 7000n });
    expect(await payInvoice(sim, v)).toEqual({ result: 'resolve', payment_key: expect.stringMatching(/^[0-9a-f]{64}$/) });
  });

  it("an invoice_request for an offer invoiced does not know is left to the node's own offers plugin", async () => {
    const { sim } = await setup();
    const foreign = new Bolt12Payer(0x62);
    const offerOfAnother = encodeBolt12String('lno', fromHex('0a0474657374' + '1621' + toHex(foreign.payerId)));
    const req = new Bolt12Payer(0x63).request(offerOfAnother, { amount: 1000n });
    const reply = buildMessagePathToSelf({ nodeId: foreign.payerId, ecdh: foreign.keys.ecdh }, (n) => new Uint8Array(n).fill(9), { path_id: new Uint8Array(32) });
    const params = writeJson({ onion_message: { reply_blindedpath: jsonBlindedPath(reply), invoice_request: toHex(req.bytes), unknown_fields: [] } });
    expect(LightningdSim.result(await sim.request('onion_message_recv', params))).toEqual({ result: 'continue' });
    expect(sim.rpc.callsOf('injectonionmessage')).toEqual([]);
  });

  it('sendinvoice: the outbox is drained, connecting to the payer, and the entry marked sent', async () => {
    const { d, sim } = await setup();
    const refunder = new Bolt12Payer(0x51);
    const lnr = encodeBolt12String('lnr', refunder.raw(undefined, { offer_description: 'refund', invreq_amount: 31_000n }));
    const pending = d.call('sendinvoice', { invreq: lnr, label: 'refund-1' });
    const connect = await sim.rpc.waitFor('connect');
    expect(connect.params).toEqual({ id: toHex(refunder.payerId) });
    const inject = await sim.rpc.waitFor('injectonionmessage');
    const us = peelOnionMessage(fromHex(inject.params.message), fromHex(inject.params.path_key), NODE_SECRET);
    expect(toHex(us.hop.fields.next_node_id!)).toBe(toHex(refunder.payerId));
    const atPayer = peelOnionMessage(us.next!, us.hop.next_path_key, nodeSecretOf(seedOf(0x51)));
    expect(atPayer.records.map((r) => r.type)).toEqual([2n, 4n, 66n]);
    const entry = (await d.call('listoutbox', {})).result.outbox[0];
    expect(toHex(atPayer.records[0]!.value)).toBe(entry.reply_path.hex);
    expect(toHex(atPayer.records[2]!.value)).toBe(entry.invoice);
    await sim.waitForLog(/outbox 1: invoice sent/);
    expect((await d.call('listoutbox', {})).result.outbox[0].status).toBe('sent');
    const v = verifyInvoice(atPayer.records[2]!.value, parseInvoiceRequest(lnr).bytes, NODE_SECRET);
    expect(await payInvoice(sim, v)).toMatchObject({ result: 'resolve' });
    expect((await pending).result).toMatchObject({ label: 'refund-1', status: 'paid' });
  });

  it('a payer reached through the gossip graph: the onion goes via the connected peer, nothing is connected', async () => {
    const hop = new Bolt12Payer(0x53); // a connected peer with a public channel to the payer
    const refunder = new Bolt12Payer(0x54);
    const [h, r] = [toHex(hop.payerId), toHex(refunder.payerId)];
    const { d, sim } = await setup({ noconnect: true });
    sim.peers.push({ id: h, connected: true, num_channels: 1, features: ONION_PEER_FEATURES });
    sim.rpc.handlers.set('listnodes', () => ({ nodes: [h, r].map((nodeid) => ({ nodeid, features: ONION_PEER_FEATURES })) }));
    sim.rpc.handlers.set('listchannels', () => ({
      channels: [
        { source: h, destination: r, short_channel_id: '120x1x0', active: true },
        { source: r, destination: h, short_channel_id: '120x1x0', active: true },
      ],
    }));
    const lnr = encodeBolt12String('lnr', refunder.raw(undefined, { offer_description: 'refund', invreq_amount: 2000n }));
    const pending = d.call('sendinvoice', { invreq: lnr, label: 'refund-3' });
    const inject = await sim.rpc.waitFor('injectonionmessage');
    const us = peelOnionMessage(fromHex(inject.params.message), fromHex(inject.params.path_key), NODE_SECRET);
    expect(toHex(us.hop.fields.next_node_id!)).toBe(h);
    const atHop = peelOnionMessage(us.next!, us.hop.next_path_key, nodeSecretOf(seedOf(0x53)));
    expect(toHex(atHop.hop.fields.next_node_id!)).toBe(r);
    const atPayer = peelOnionMessage(atHop.next!, atHop.hop.next_path_key, nodeSecretOf(seedOf(0x54)));
    expect(atPayer.records.map((x) => x.type)).toEqual([2n, 4n, 66n]);
    expect(sim.rpc.callsOf('connect')).toEqual([]);
    await sim.waitForLog(/outbox 1: invoice sent/);
    const v = verifyInvoice(atPayer.records[2]!.value, parseInvoiceRequest(lnr).bytes, NODE_SECRET);
    expect(await payInvoice(sim, v)).toMatchObject({ result: 'resolve' });
    expect((await pending).result).toMatchObject({ label: 'refund-3', status: 'paid' });
  });

  it('with fetchinvoice-noconnect and no path to the payer: outbox-failed, and sendinvoice ends with 1003', async () => {
    const { d, sim } = await setup({ noconnect: true });
    const refunder = new Bolt12Payer(0x52);
    const lnr = encodeBolt12String('lnr', refunder.raw(undefined, { offer_description: 'refund', invreq_amount: 1000n }));
    const r = await d.call('sendinvoice', { invreq: lnr, label: 'refund-2' });
    const why = `no onion-message path to ${toHex(refunder.payerId)}, and fetchinvoice-noconnect is set: not initiating a new connection`;
    expect(r.error).toEqual({ code: 1003, message: `Failed: could not deliver the invoice: ${why}` });
    expect(sim.rpc.callsOf('connect')).toEqual([]);
    expect((await d.call('listoutbox', {})).result.outbox[0]).toMatchObject({ status: 'failed', error: why });
  });
});
