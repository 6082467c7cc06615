/**
 * Choosing the public peer of blinded paths as CLN v26.06 does (plugins/offers.c): when a path is wanted,
 * which peer introduces it, and the paths built through it decrypt hop by hop to the right data.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { describe, expect, it } from 'vitest';
import { nodeKeysFromSeed } from '../../src/crypto/node-keys.js';
import { secp256k1 } from '../../src/crypto/secp256k1.js';
import { NodeFacts, parseIncoming, parseNodeChannels, parseNodeInfo } from '../../src/invoice/node-facts.js';
import {
  bestIntroPeer,
  FEATURE_ONION_MESSAGES,
  FEATURE_ROUTE_BLINDING,
  messagePathVia,
  paymentPathVia,
  wantsBlindedPath,
} from '../../src/offers/peer-paths.js';
import { decryptRecipientData } from '../../src/offers/blinding/route-blinding.js';
import { toHex } from '../../src/util/hex.js';
import { clnChannel, PEER_A, PEER_B, PEER_C, type ChannelOverrides } from '../helpers/cln-facts.js';
import { nodeSecretOf } from '../helpers/bolt12-payer.js';

const SEED = new Uint8Array(32).fill(1);
const US = nodeKeysFromSeed(SEED).nodeId;
const BOTH = '008002000000'; // route blinding (25) and onion messages (39)
const OM_ONLY = '008000000000';

function facts(channels: ChannelOverrides[], incoming?: Array<{ scid: string; cap: number; features?: string }>, info?: object) {
  const f = new NodeFacts();
  f.update({
    channels: parseNodeChannels(channels.map((c) => clnChannel(c))),
    ...(incoming && {
      incoming: parseIncoming(
        incoming.map((e) => ({ short_channel_id: e.scid, incoming_capacity_msat: e.cap, ...(e.features && { peer_features: e.features }) })),
      ),
    }),
    ...(info && { info: parseNodeInfo(info) }),
  });
  return f;
}
const priv = (peer: string, scid: string, o: ChannelOverrides = {}): ChannelOverrides => ({ peer_id: peer, short_channel_id: scid, private: true, ...o });
const peerOf = (p: ReturnType<typeof bestIntroPeer>) => p && toHex(p.node_id);

describe('when a blinded path is wanted', () => {
  it('not before the bridge reported channels', () => {
    expect(wantsBlindedPath(new NodeFacts(), false)).toBe(false);
  });
  it('only private channels (or none): for offers and invoices', () => {
    for (const f of [facts([]), facts([priv(PEER_A, '1x1x1')]), facts([{ private: false, state: 'ONCHAIN' }])]) {
      expect(wantsBlindedPath(f, false)).toBe(true);
      expect(wantsBlindedPath(f, true)).toBe(true);
    }
  });
  it('a public channel: not for invoices; for offers only when the node announces no address', () => {
    const announced = facts([{ private: false }], undefined, { address: [{ type: 'ipv4', address: '203.0.113.5', port: 9735 }] });
    expect(wantsBlindedPath(announced, false)).toBe(false);
    expect(wantsBlindedPath(announced, true)).toBe(false);
    const noAddress = facts([{ private: false }], undefined, { address: [] });
    expect(wantsBlindedPath(noAddress, false)).toBe(true);
    expect(wantsBlindedPath(noAddress, true)).toBe(false);
  });
});

describe('the introduction peer', () => {
  const OM = { features: [FEATURE_ONION_MESSAGES] };
  const PAY = { features: [FEATURE_ROUTE_BLINDING, FEATURE_ONION_MESSAGES] };
  it('the public peer with the most incoming capacity, among those online and able', () => {
    const f = facts(
      [priv(PEER_A, '1x1x1'), priv(PEER_B, '2x2x2'), priv(PEER_C, '3x3x3', { peer_connected: false })],
      [
        { scid: '1x1x1', cap: 5, features: BOTH },
        { scid: '2x2x2', cap: 9, features: BOTH },
        { scid: '3x3x3', cap: 99, features: BOTH },
      ],
    );
    expect(peerOf(bestIntroPeer(f, OM))).toBe(PEER_B);
  });
  it('a peer without a node_announcement (not public) or without the features is passed over', () => {
    const f = facts(
      [priv(PEER_A, '1x1x1'), priv(PEER_B, '2x2x2')],
      [
        { scid: '1x1x1', cap: 5, features: OM_ONLY },
        { scid: '2x2x2', cap: 9 },
      ],
    );
    expect(peerOf(bestIntroPeer(f, OM))).toBe(PEER_A);
    expect(bestIntroPeer(f, PAY)).toBeUndefined();
  });
  it('for a payment, the channel must take the amount (receivable, at most htlc_maximum_msat)', () => {
    const f = facts([priv(PEER_A, '1x1x1', { receivable_msat: 1000 }), priv(PEER_B, '2x2x2', { remote: { htlc_maximum_msat: 500 } })]);
    expect(peerOf(bestIntroPeer(f, { ...PAY, amount_msat: 1000n }))).toBe(PEER_A);
    expect(bestIntroPeer(f, { ...PAY, amount_msat: 1001n })).toBeUndefined();
  });
  it('without listincoming: connected peers over usable channels, the most receivable first', () => {
    const f = facts([
      priv(PEER_A, '1x1x1', { receivable_msat: 7000 }),
      priv(PEER_B, '2x2x2', { receivable_msat: 9000, state: 'CHANNELD_SHUTTING_DOWN' }),
      priv(PEER_C, '3x3x3', { receivable_msat: 8000, remote: null }),
    ]);
    expect(peerOf(bestIntroPeer(f, OM))).toBe(PEER_A);
  });
});

describe('paths through the peer', () => {
  const PEER_SECRET = new Uint8Array(32).fill(0xa1);
  const ecdh = (secret: Uint8Array) => ({ ecdh: (p: Uint8Array) => sha256(secp256k1.pointMultiply(p, secret)) });
  const random = (n: number) => new Uint8Array(n).fill(7);
  const peer = bestIntroPeer(facts([priv(PEER_A, '1x1x1', { remote: { fee_base_msat: 3, fee_proportional_millionths: 4, cltv_expiry_delta: 5, htlc_minimum_msat: 6 } })]), {
    features: [],
  })!;

  it('a message path: the peer learns only the next node; we find our path_id', () => {
    const path = messagePathVia(US, random, peer, new Uint8Array(32).fill(9));
    expect(path.first_node_id).toEqual({ node_id: peer.node_id });
    const h0 = decryptRecipientData(ecdh(PEER_SECRET), path.first_path_key, path.path[0]!.encrypted_recipient_data);
    expect(h0.fields).toEqual({ next_node_id: US });
    const h1 = decryptRecipientData(ecdh(nodeSecretOf(SEED)), h0.next_path_key, path.path[1]!.encrypted_recipient_data);
    expect(h1.fields).toEqual({ path_id: new Uint8Array(32).fill(9) });
  });

  it("a payment path: the peer's relay terms and constraints, payinfo with its fees plus our delta", () => {
    const { path, payinfo } = paymentPathVia(US, random, peer, { path_id: new Uint8Array(32).fill(9), cltvFinal: 18, lastBlock: 800_012 });
    const h0 = decryptRecipientData(ecdh(PEER_SECRET), path.first_path_key, path.path[0]!.encrypted_recipient_data);
    expect(h0.fields).toEqual({
      next_node_id: US,
      payment_relay: { cltv_expiry_delta: 5, fee_proportional_millionths: 4, fee_base_msat: 3 },
      payment_constraints: { max_cltv_expiry: 1008 + 800_012 + 5 + 18, htlc_minimum_msat: 6n },
    });
    expect(payinfo).toEqual({
      fee_base_msat: 3,
      fee_proportional_millionths: 4,
      cltv_expiry_delta: 23,
      htlc_minimum_msat: 6n,
      htlc_maximum_msat: 599_507_210n,
      features: new Uint8Array(0),
    });
    expect(toHex(peer.node_id)).toBe(PEER_A);
  });
});
