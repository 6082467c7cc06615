/**
 * Every invoice's signature bytes are the same whichever backend signs: RFC 6979 nonces make ECDSA
 * deterministic, so native libsecp256k1, its WebAssembly build and @noble/secp256k1 must write the
 * same invoice strings for the same drafts. The native loader can also be switched off on purpose.
 */
import { describe, expect, it } from 'vitest';
import { sha256 } from '@noble/hashes/sha2.js';
import { nodeKeysFromSeed } from '../../src/crypto/node-keys.js';
import { nativeSecp256k1, nobleSecp256k1, tinySecp256k1 } from '../../src/crypto/secp256k1.js';
import { loadNativeSecp256k1 } from '../../src/crypto/secp256k1-native.js';
import { decodeBolt11, encodeBolt11 } from '../../src/invoice/bolt11/index.js';
import { buildBolt11, type Bolt11Draft } from '../../src/invoice/create.js';
import { msat } from '../../src/util/msat.js';

const codec = { encode: encodeBolt11, decode: decodeBolt11 };

function draft(i: number): Bolt11Draft {
  return {
    network: i % 2 === 0 ? 'regtest' : 'bitcoin',
    ...(i % 7 === 0 ? {} : { amount_msat: msat(BigInt(1 + i * 7919)) }),
    timestamp: 1_700_000_000 + i * 13,
    preimage: sha256(new Uint8Array([0x70, i & 0xff, i >> 8])),
    description: `order ${i}: ${'x'.repeat(i % 90)}`,
    deschashonly: i % 5 === 0,
    expiry: i % 3 === 0 ? 3600 : 60 + i,
    cltv: 9 + (i % 40),
    fallbacks: [],
  };
}

describe('invoice signatures do not depend on the backend', () => {
  it('the native binding loads here', () => {
    expect(nativeSecp256k1).toBeDefined();
  });

  it('native, WebAssembly and noble write byte-identical invoices for 300 drafts and 3 seeds', () => {
    for (let s = 0; s < 3; s++) {
      const seed = sha256(new Uint8Array([0x73, s]));
      const signers = [nativeSecp256k1!, tinySecp256k1, nobleSecp256k1].map((backend) => nodeKeysFromSeed(seed, { backend }));
      expect(new Set(signers.map((k) => Buffer.from(k.nodeId).toString('hex'))).size).toBe(1);
      for (let i = s * 100; i < s * 100 + 100; i++) {
        const [a, b, c] = signers.map((k) => buildBolt11(draft(i), k.signEcdsa, codec).invstring);
        expect(a).toBe(b);
        expect(a).toBe(c);
        expect(decodeBolt11(a!).payee).toEqual(signers[0]!.nodeId);
      }
    }
  });

  it('INVOICED_SECP256K1=wasm skips the native binding', () => {
    expect(loadNativeSecp256k1({ INVOICED_SECP256K1: 'wasm' })).toEqual({ ok: false, reason: 'INVOICED_SECP256K1=wasm' });
    expect(loadNativeSecp256k1({}).ok).toBe(true);
  });
});
