import { describe, expect, it } from 'vitest';
import { sha256 } from '@noble/hashes/sha2.js';
import { multiplySecretKeys, secp256k1 } from '../../../src/crypto/secp256k1.js';
import { nodeKeysFromSeed } from '../../../src/crypto/node-keys.js';
import {
  blindHops,
  buildBlindedPath,
  buildMessagePathToSelf,
  buildPaymentPathToSelf,
  decodeEncryptedData,
  decryptRecipientData,
  derivePathId,
  encodeEncryptedData,
} from '../../../src/offers/blinding/route-blinding.js';
import { fromHex, toHex } from '../../../src/util/hex.js';
import { loadVector } from '../../helpers/vectors.js';

/* eslint-disable @typescript-eslint/no-explicit-any -- vector JSON; every value used is asserted */
const RB = loadVector<any>('route-blinding-test.json');
const PAY = loadVector<any>('blinded-payment-onion-test.json');
const MSG = loadVector<any>('blinded-onion-message-onion-test.json');

const ecdhOf = (secret: string) => ({ ecdh: (p: Uint8Array) => sha256(secp256k1.pointMultiply(p, fromHex(secret))) });
const scid = (s: string) => {
  const [b, t, o] = s.split('x').map(BigInt) as [bigint, bigint, bigint];
  return (b << 40n) | (t << 16n) | o;
};

describe('route-blinding-test.json: building', () => {
  const hops = RB.generate.hops;
  it('encrypted_data_tlv: decodes to the listed fields and re-encodes byte-for-byte', () => {
    const bob = decodeEncryptedData(fromHex(hops[0].encoded_tlvs));
    expect(bob.fields.short_channel_id).toBe(scid(hops[0].tlvs.short_channel_id));
    expect(bob.fields.payment_relay).toEqual(hops[0].tlvs.payment_relay);
    expect(bob.fields.payment_constraints).toEqual({ max_cltv_expiry: 748005, htlc_minimum_msat: 1500n });
    expect(bob.fields.allowed_features).toEqual(new Uint8Array(0));
    expect(bob.unknown.map((r) => [r.type, toHex(r.value)])).toEqual([[561n, '123456']]);
    const carol = decodeEncryptedData(fromHex(hops[1].encoded_tlvs));
    expect(toHex(carol.fields.next_path_key_override!)).toBe(hops[1].tlvs.next_path_key_override);
    const dave = decodeEncryptedData(fromHex(hops[2].encoded_tlvs));
    expect(dave.fields.payment_relay).toEqual({ ...hops[2].tlvs.payment_relay, fee_base_msat: 0 });
    const eve = decodeEncryptedData(fromHex(hops[3].encoded_tlvs));
    expect(toHex(eve.fields.path_id!)).toBe('deadbeef');
    expect(eve.unknown.map((r) => r.type)).toEqual([65535n]);
    for (const h of hops) {
      const d = decodeEncryptedData(fromHex(h.encoded_tlvs));
      expect(toHex(encodeEncryptedData(d.fields, d.unknown))).toBe(h.encoded_tlvs);
    }
  });
  it('reproduces every path key, shared secret, rho, blinded node id and ciphertext', () => {
    const route = (session: string, part: any[]) =>
      blindHops(fromHex(session), part.map((h) => ({ node_id: fromHex(h.node_id), encrypted_data: fromHex(h.encoded_tlvs) })));
    const got = [...route(hops[0].session_key, hops.slice(0, 2)), ...route(hops[2].session_key, hops.slice(2))];
    got.forEach((g, i) => {
      expect(toHex(g.path_key)).toBe(hops[i].path_key);
      expect(toHex(g.shared_secret)).toBe(hops[i].shared_secret);
      expect(toHex(g.rho)).toBe(hops[i].rho);
      expect(toHex(g.blinded_node_id)).toBe(hops[i].blinded_node_id);
      expect(toHex(g.encrypted_recipient_data)).toBe(hops[i].encrypted_data);
    });
    const bobCarol = buildBlindedPath(fromHex(hops[0].session_key), hops.slice(0, 2).map((h: any) => ({ node_id: fromHex(h.node_id), encrypted_data: fromHex(h.encoded_tlvs) })));
    expect(toHex((bobCarol.first_node_id as { node_id: Uint8Array }).node_id)).toBe(RB.route.first_node_id);
    expect(toHex(bobCarol.first_path_key)).toBe(RB.route.first_path_key);
    expect(bobCarol.path.map((h) => toHex(h.encrypted_recipient_data))).toEqual(RB.route.hops.slice(0, 2).map((h: any) => h.encrypted_data));
  });
});

describe('route-blinding-test.json: unblinding at each hop', () => {
  for (const h of RB.unblind.hops) {
    it(`${h.alias} decrypts its data and derives the next path key and its blinded key`, () => {
      const routeHop = RB.route.hops[RB.unblind.hops.indexOf(h)];
      const got = decryptRecipientData(ecdhOf(h.node_privkey), fromHex(h.path_key), fromHex(routeHop.encrypted_data));
      expect(toHex(got.plaintext)).toBe(h.decrypted_data);
      expect(toHex(got.next_path_key)).toBe(h.next_path_key_override ?? h.next_path_key);
      expect(toHex(multiplySecretKeys(got.blinding_factor, fromHex(h.node_privkey)))).toBe(h.blinded_privkey);
      expect(toHex(secp256k1.getPublicKey(fromHex(h.blinded_privkey)))).toBe(routeHop.blinded_node_id);
    });
  }
  it('a wrong node key or a flipped ciphertext bit fails to decrypt', () => {
    const eve = RB.unblind.hops[3];
    const data = fromHex(RB.route.hops[3].encrypted_data);
    expect(() => decryptRecipientData(ecdhOf(RB.unblind.hops[2].node_privkey), fromHex(eve.path_key), data)).toThrow(
      expect.objectContaining({ kind: 'InvalidValue', message: 'encrypted_recipient_data: decryption failed' }),
    );
    data[0]! ^= 1;
    expect(() => decryptRecipientData(ecdhOf(eve.node_privkey), fromHex(eve.path_key), data)).toThrow(
      expect.objectContaining({ kind: 'InvalidValue' }),
    );
  });
});

describe('blinded-payment-onion-test.json: what a recipient checks', () => {
  // The Sphinx onion itself is peeled by the node; we check the blinded hops' payload encryption.
  const route = PAY.generate.blinded_route;
  const full = PAY.generate.full_route.hops;
  const decrypt = PAY.decrypt.hops;
  const pathKeys = [route.first_path_key, decrypt[1].next_path_key, decrypt[2].next_path_key, decrypt[3].next_path_key];
  route.hops.forEach((hop: any, i: number) => {
    it(`${hop.alias}: decrypts encrypted_recipient_data with its node key to the listed TLVs`, () => {
      const got = decryptRecipientData(ecdhOf(decrypt[i + 1].node_privkey), fromHex(pathKeys[i]!), fromHex(hop.encrypted_data));
      const want = full[i + 1].tlvs.encrypted_recipient_data;
      if (want.short_channel_id) expect(got.fields.short_channel_id).toBe(scid(want.short_channel_id));
      if (want.payment_relay) expect(got.fields.payment_relay).toEqual({ fee_base_msat: 0, ...want.payment_relay });
      expect(got.fields.payment_constraints).toEqual({ ...want.payment_constraints, htlc_minimum_msat: BigInt(want.payment_constraints.htlc_minimum_msat) });
      if (want.path_id) expect(toHex(got.fields.path_id!)).toBe(want.path_id);
      if (want.padding !== undefined) expect(toHex(got.fields.padding!)).toBe(want.padding);
      expect(toHex(got.next_path_key)).toBe(decrypt[i + 1].next_path_key);
    });
  });
  it('re-encrypting the listed TLVs with the session keys gives the route (Bob→Carol, Dave→Eve)', () => {
    const enc = (i: number) => {
      const t = full[i + 1].tlvs.encrypted_recipient_data;
      return encodeEncryptedData({
        ...(t.padding !== undefined ? { padding: fromHex(t.padding) } : {}),
        ...(t.short_channel_id ? { short_channel_id: scid(t.short_channel_id) } : {}),
        ...(t.path_id ? { path_id: fromHex(t.path_id) } : {}),
        ...(t.next_path_key_override ? { next_path_key_override: fromHex(t.next_path_key_override) } : {}),
        ...(t.payment_relay ? { payment_relay: { fee_base_msat: 0, ...t.payment_relay } } : {}),
        payment_constraints: { ...t.payment_constraints, htlc_minimum_msat: BigInt(t.payment_constraints.htlc_minimum_msat) },
        allowed_features: new Uint8Array(0),
      });
    };
    const nodeIds = [full[1].pubkey, RB.generate.hops[1].node_id, RB.generate.hops[2].node_id, RB.generate.hops[3].node_id];
    const part = (session: string, idx: number[]) =>
      blindHops(fromHex(session), idx.map((i) => ({ node_id: fromHex(nodeIds[i]!), encrypted_data: enc(i) })));
    const got = [...part(RB.generate.hops[0].session_key, [0, 1]), ...part(RB.generate.hops[2].session_key, [2, 3])];
    expect(got.map((g) => toHex(g.encrypted_recipient_data))).toEqual(route.hops.map((h: any) => h.encrypted_data));
    expect(got.map((g) => toHex(g.blinded_node_id))).toEqual(route.hops.map((h: any) => h.blinded_node_id));
  });
});

describe('blinded-onion-message-onion-test.json: path construction and final-hop decryption', () => {
  const hops = MSG.generate.hops;
  const nodeIds = [
    '02eec7245d6b7d2ccb30380bfbe2a3648cd7a942653f5aa340edcea1f283686619',
    '0324653eac434488002cc06bbfb7f10fe18991e35f9fe4302dbea6d2353dc0ab1c',
    '027f31ebc5462c1fdce1b737ecff52d37d75dea43ce11c74d25aa297165faa2007',
    '032c0b7cf95324a07d05398b240174dc0c2be444d96b159aa6c7f7b1e668680991',
  ];
  hops.forEach((h: any, i: number) => {
    it(`${h.alias}: ss, blinded node id, E, rho and ciphertext from its path key secret`, () => {
      const [g] = blindHops(fromHex(h.path_key_secret), [{ node_id: fromHex(nodeIds[i]!), encrypted_data: fromHex(h.encrypted_data_tlv) }]);
      expect(toHex(g!.shared_secret)).toBe(h.ss);
      expect(toHex(g!.path_key)).toBe(h.E);
      expect(toHex(g!.rho)).toBe(h.rho);
      expect(toHex(g!.blinded_node_id)).toBe(h.blinded_node_id);
      expect(toHex(g!.encrypted_recipient_data)).toBe(h.encrypted_recipient_data);
    });
  });
  it('Dave (final hop) decrypts path_id and keeps the unknown odd TLV', () => {
    const dave = MSG.decrypt.hops[3];
    const got = decryptRecipientData(ecdhOf(dave.privkey), fromHex(hops[3].E), fromHex(dave.tlvs.encrypted_recipient_data));
    expect(toHex(got.fields.path_id!)).toBe(hops[3].tlvs.path_id);
    expect(got.unknown.map((r) => [r.type, toHex(r.value)])).toEqual([[65535n, '06c1']]);
    expect(toHex(got.plaintext)).toBe(hops[3].encrypted_data_tlv);
  });
});

describe('paths to ourselves', () => {
  const keys = nodeKeysFromSeed(new Uint8Array(32).fill(1));
  let counter = 0;
  const random = (n: number) => new Uint8Array(n).fill(++counter);

  it('a payment path carries path_id (and constraints) and only we can read it', () => {
    const path_id = derivePathId(keys.deriveSecret('bolt12-invoice-base'), new Uint8Array(32).fill(7));
    const { path, payinfo } = buildPaymentPathToSelf(keys, random, {
      path_id,
      min_final_cltv_expiry_delta: 18,
      htlc_minimum_msat: 1n,
      htlc_maximum_msat: 5000n,
      payment_constraints: { max_cltv_expiry: 900000, htlc_minimum_msat: 1n },
    });
    expect(path.first_node_id).toEqual({ node_id: keys.nodeId });
    expect(path.path).toHaveLength(1);
    expect(payinfo).toEqual({ fee_base_msat: 0, fee_proportional_millionths: 0, cltv_expiry_delta: 18, htlc_minimum_msat: 1n, htlc_maximum_msat: 5000n, features: new Uint8Array(0) });
    const hop = decryptRecipientData(keys, path.first_path_key, path.path[0]!.encrypted_recipient_data);
    expect(hop.fields.path_id).toEqual(path_id);
    expect(hop.fields.payment_constraints).toEqual({ max_cltv_expiry: 900000, htlc_minimum_msat: 1n });
    expect(secp256k1.pointMultiply(keys.nodeId, hop.blinding_factor)).toEqual(path.path[0]!.blinded_node_id);
    const other = nodeKeysFromSeed(new Uint8Array(32).fill(2));
    expect(() => decryptRecipientData(other, path.first_path_key, path.path[0]!.encrypted_recipient_data)).toThrow();
  });
  it('a message path carries path_id; fresh randomness gives unlinkable paths', () => {
    const a = buildMessagePathToSelf(keys, random, { path_id: Uint8Array.of(1, 2, 3) });
    const b = buildMessagePathToSelf(keys, random, { path_id: Uint8Array.of(1, 2, 3) });
    expect(a.first_path_key).not.toEqual(b.first_path_key);
    expect(a.path[0]!.blinded_node_id).not.toEqual(b.path[0]!.blinded_node_id);
    expect(decryptRecipientData(keys, b.first_path_key, b.path[0]!.encrypted_recipient_data).fields.path_id).toEqual(Uint8Array.of(1, 2, 3));
  });
  it('skips random session keys that are not valid scalars', () => {
    const draws = [new Uint8Array(32), new Uint8Array(32).fill(0xff), new Uint8Array(32).fill(3)];
    const p = buildMessagePathToSelf(keys, () => draws.shift()!, { path_id: Uint8Array.of(9) });
    expect(p.first_path_key).toEqual(secp256k1.getPublicKey(new Uint8Array(32).fill(3)));
  });
  it('path_id = SHA256(base || input), as CLN derives it', () => {
    expect(toHex(derivePathId(Uint8Array.of(1), Uint8Array.of(2)))).toBe(toHex(sha256(Uint8Array.of(1, 2))));
  });
});
