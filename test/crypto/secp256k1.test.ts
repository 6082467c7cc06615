import { describe, expect, it } from 'vitest';
import { sha256 } from '@noble/hashes/sha2.js';
import {
  CURVE_ORDER,
  multiplySecretKeys,
  nativeSecp256k1,
  nativeSecp256k1Unavailable,
  nobleSecp256k1,
  secp256k1,
  tinySecp256k1,
} from '../../src/crypto/secp256k1.js';
import { bigIntToBytes, bytesToBigInt } from '../../src/util/bytes.js';
import { toHex } from '../../src/util/hex.js';

/** Deterministic secret keys for fixtures. */
const key = (i: number) => sha256(new Uint8Array([0x6b, i]));
const digest = (i: number) => sha256(new Uint8Array([0x64, i]));

describe('secp256k1 backends agree with @noble/secp256k1', () => {
  it('the shipped backend is native libsecp256k1 where its binary loads, else tiny-secp256k1', () => {
    // The prebuilt binary ships for linux-x64 (glibc and musl), darwin-arm64 and win32-x64.
    expect(nativeSecp256k1Unavailable).toBeUndefined();
    expect(secp256k1).toBe(nativeSecp256k1);
    expect(secp256k1.name).toMatch(/^libsecp256k1 native \(secp256k1@5\.0\.2; BIP-340 tiny-secp256k1\)$/);
  });

  for (const backend of [...(nativeSecp256k1 ? [nativeSecp256k1] : []), tinySecp256k1, nobleSecp256k1]) {
    describe(backend.name, () => {
      it('public keys, ECDSA signatures and recovery ids match noble byte for byte', () => {
        for (let i = 0; i < 32; i++) {
          const sk = key(i);
          const d = digest(i);
          expect(toHex(backend.getPublicKey(sk))).toBe(toHex(nobleSecp256k1.getPublicKey(sk)));
          const a = backend.signRecoverable(d, sk);
          const b = nobleSecp256k1.signRecoverable(d, sk);
          expect(toHex(a.signature)).toBe(toHex(b.signature));
          expect(a.recoveryId).toBe(b.recoveryId);
          expect(nobleSecp256k1.verifyEcdsa(a.signature, d, nobleSecp256k1.getPublicKey(sk), true)).toBe(true);
          expect(toHex(backend.recover(d, a.signature, a.recoveryId)!)).toBe(toHex(backend.getPublicKey(sk)));
        }
      });

      it('accepts high-S only when asked, and recovers from it', () => {
        const sk = key(1);
        const d = digest(1);
        const { signature, recoveryId } = backend.signRecoverable(d, sk);
        const s = bytesToBigInt(signature.slice(32));
        const high = new Uint8Array(64);
        high.set(signature.slice(0, 32));
        high.set(bigIntToBytes(CURVE_ORDER - s, 32), 32);
        const pub = backend.getPublicKey(sk);
        expect(backend.verifyEcdsa(high, d, pub, true)).toBe(false);
        expect(backend.verifyEcdsa(high, d, pub, false)).toBe(true);
        // Negating s flips the parity of the recovered R, so the other recovery id gives the key back.
        expect(toHex(backend.recover(d, high, recoveryId ^ 1)!)).toBe(toHex(pub));
        expect(toHex(backend.recover(d, high, recoveryId ^ 1)!)).toBe(toHex(nobleSecp256k1.recover(d, high, recoveryId ^ 1)!));
      });

      it('rejects garbage without throwing', () => {
        const d = digest(2);
        expect(backend.recover(d, new Uint8Array(64), 0)).toBeUndefined();
        expect(backend.recover(d, new Uint8Array(63), 0)).toBeUndefined();
        expect(backend.verifyEcdsa(new Uint8Array(64), d, new Uint8Array(33), true)).toBe(false);
        expect(backend.verifySchnorr(new Uint8Array(64), d, new Uint8Array(32))).toBe(false);
        expect(backend.isValidSecretKey(new Uint8Array(32))).toBe(false);
        expect(backend.isValidSecretKey(bigIntToBytes(CURVE_ORDER, 32))).toBe(false);
        expect(backend.isValidPoint(new Uint8Array(33).fill(5))).toBe(false);
        expect(() => backend.pointMultiply(new Uint8Array(33), key(0))).toThrow(RangeError);
      });

      it('BIP-340 signatures match noble with zero aux randomness and verify across backends', () => {
        const aux = new Uint8Array(32);
        for (let i = 0; i < 16; i++) {
          const sk = key(i);
          const d = digest(i);
          const sig = backend.signSchnorr(d, sk, aux);
          expect(toHex(sig)).toBe(toHex(nobleSecp256k1.signSchnorr(d, sk, aux)));
          const xonly = backend.getPublicKey(sk).slice(1);
          expect(nobleSecp256k1.verifySchnorr(sig, d, xonly)).toBe(true);
          expect(backend.verifySchnorr(sig, digest(i + 1), xonly)).toBe(false);
        }
      });

      it('point multiplication is ECDH-symmetric and matches secret-key multiplication', () => {
        const a = key(3);
        const b = key(4);
        const ab = backend.pointMultiply(backend.getPublicKey(a), b);
        expect(toHex(ab)).toBe(toHex(backend.pointMultiply(backend.getPublicKey(b), a)));
        expect(toHex(ab)).toBe(toHex(nobleSecp256k1.getPublicKey(multiplySecretKeys(a, b))));
      });
    });
  }
});
