import { createHash } from 'node:crypto';
import { mnemonicToSeedSync, entropyToMnemonic } from '@scure/bip39';
import { wordlist } from '@scure/bip39/wordlists/english.js';
import { describe, expect, it } from 'vitest';
import { deriveNodeSecret, nodeKeysFromSeed, SECRET_INFO } from '../../src/crypto/node-keys.js';
import { nobleSecp256k1, secp256k1 } from '../../src/crypto/secp256k1.js';
import { fromHex, toHex } from '../../src/util/hex.js';

const FIXTURE_SEED = new Uint8Array(32).fill(1);

/** pyln-testing's hsm_secret for node directory `lightning-1`: the 12 words of its first 16 bytes. */
function plnTestingSeed(dirName: string): Uint8Array {
  const entropy = new Uint8Array(16);
  entropy.set(new TextEncoder().encode(dirName).subarray(0, 16));
  return mnemonicToSeedSync(entropyToMnemonic(entropy, wordlist), '');
}

describe('nodeKeysFromSeed', () => {
  it('derives CLN test_wallet.py node ids from BIP39 seeds', () => {
    const abandon = 'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about';
    expect(toHex(nodeKeysFromSeed(mnemonicToSeedSync(abandon, '')).nodeId)).toBe(
      '03653e90c1ce4660fd8505dd6d643356e93cfe202af109d382787639dd5890e87d',
    );
    const ritual = 'ritual idle hat sunny universe pluck key alpha wing cake have wedding';
    expect(toHex(nodeKeysFromSeed(mnemonicToSeedSync(ritual, 'test_passphrase')).nodeId)).toBe(
      '039020371fb803cd4ce1e9a909b502d7b0a9e0f10cccc35c3e9be959c52d3ba6bd',
    );
  });

  it('derives deriveSecret as CLN makesecret (test_misc.py test_makesecret, node lightning-1)', () => {
    const keys = nodeKeysFromSeed(plnTestingSeed('lightning-1'));
    // makesecret hex "73636220736563726574" is the string "scb secret".
    expect(toHex(keys.deriveSecret('scb secret'))).toBe(
      '498a16a6c6b82b7280de7f5b0afa0478b29d3a1cbe52c376249cf46abb6c03da',
    );
  });

  it('uses the whole seed for deriveSecret and only its first 32 bytes for the node key', () => {
    const seed = plnTestingSeed('lightning-1');
    const changedTail = seed.slice();
    changedTail[63] = (changedTail[63] as number) ^ 1;
    const a = nodeKeysFromSeed(seed);
    const b = nodeKeysFromSeed(changedTail);
    expect(toHex(a.nodeId)).toBe(toHex(b.nodeId));
    expect(toHex(a.deriveSecret(SECRET_INFO.bolt12InvoiceBase))).not.toBe(
      toHex(b.deriveSecret(SECRET_INFO.bolt12InvoiceBase)),
    );
  });

  it('matches an independent HKDF (node:crypto) for the node key and derived secrets', async () => {
    const { hkdfSync } = await import('node:crypto');
    const salt0 = new Uint8Array(4);
    const k = new Uint8Array(hkdfSync('sha256', FIXTURE_SEED, salt0, 'nodeid', 32));
    expect(toHex(deriveNodeSecret(FIXTURE_SEED))).toBe(toHex(k));
    const base = new Uint8Array(hkdfSync('sha256', FIXTURE_SEED, new Uint8Array(0), 'derived secrets', 32));
    for (const info of Object.values(SECRET_INFO)) {
      const want = new Uint8Array(hkdfSync('sha256', base, new Uint8Array(0), info, 32));
      expect(toHex(nodeKeysFromSeed(FIXTURE_SEED).deriveSecret(info))).toBe(toHex(want));
    }
  });

  it('gives distinct secrets per purpose', () => {
    const keys = nodeKeysFromSeed(FIXTURE_SEED);
    const all = Object.values(SECRET_INFO).map((i) => toHex(keys.deriveSecret(i)));
    expect(new Set(all).size).toBe(3);
  });

  it('agrees between the wasm and noble backends, and signatures verify', () => {
    const a = nodeKeysFromSeed(FIXTURE_SEED);
    const b = nodeKeysFromSeed(FIXTURE_SEED, { backend: nobleSecp256k1, auxRand: () => new Uint8Array(32) });
    expect(toHex(a.nodeId)).toBe(toHex(b.nodeId));
    const digest = createHash('sha256').update('x').digest();
    const sa = a.signEcdsa(digest);
    const sb = b.signEcdsa(digest);
    expect(toHex(sa.signature)).toBe(toHex(sb.signature));
    expect(toHex(secp256k1.recover(digest, sa.signature, sa.recoveryId) ?? new Uint8Array())).toBe(toHex(a.nodeId));
    expect(secp256k1.verifySchnorr(b.signSchnorr(digest), digest, a.nodeId.subarray(1))).toBe(true);
  });

  it('ecdh is SHA256 of the compressed shared point, symmetric between two nodes', () => {
    const a = nodeKeysFromSeed(FIXTURE_SEED);
    const b = nodeKeysFromSeed(new Uint8Array(32).fill(2));
    expect(toHex(a.ecdh(b.nodeId))).toBe(toHex(b.ecdh(a.nodeId)));
    const point = secp256k1.pointMultiply(b.nodeId, deriveNodeSecret(FIXTURE_SEED));
    expect(toHex(a.ecdh(b.nodeId))).toBe(createHash('sha256').update(point).digest('hex'));
  });

  it('refuses seeds shorter than 32 bytes', () => {
    expect(() => nodeKeysFromSeed(fromHex('00'.repeat(31)))).toThrow('hsm seed must be at least 32 bytes');
  });
});
