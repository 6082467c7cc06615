/**
 * Every secp256k1 operation of the daemon goes through this one interface, so the backend can be chosen
 * by measurement (see `npm run bench -- bolt11`) while @noble/secp256k1 stays the independent check in tests.
 *
 * Three backends ship:
 * - `nativeSecp256k1`: libsecp256k1's native binding (the `secp256k1` package's prebuilt binary) for
 *   ECDSA, keys and point multiplication, with tiny-secp256k1 for BIP-340 (the binding has none): the
 *   default wherever the binary loads, ~3× the WebAssembly signing rate (`npm run bench -- create`).
 * - `tinySecp256k1`: libsecp256k1 compiled to WebAssembly (`tiny-secp256k1`): the fallback.
 * - `nobleSecp256k1`: pure TypeScript (`@noble/secp256k1`), audited; the cross-check.
 *
 * All digests are 32 bytes and are signed as given (no pre-hashing). ECDSA signatures are RFC 6979
 * deterministic and low-S, as BOLT 11's examples are.
 */
import * as noble from '@noble/secp256k1';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import * as tiny from 'tiny-secp256k1';
import { loadNativeSecp256k1, type NativeSecp256k1Binding } from './secp256k1-native.js';

noble.hashes.sha256 = sha256;
noble.hashes.hmacSha256 = (key: Uint8Array, msg: Uint8Array) => hmac(sha256, key, msg);

/** Order of the secp256k1 group. */
export const CURVE_ORDER = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

/** A 64-byte compact ECDSA signature (r || s) and its recovery id (0..3). */
export interface RecoverableSignature {
  readonly signature: Uint8Array;
  readonly recoveryId: number;
}

/** The secp256k1 operations the daemon needs. Implementations are stateless and synchronous. */
export interface Secp256k1 {
  /** Backend name, for logs and benchmarks. */
  readonly name: string;
  /** True when `secret` is a valid 32-byte secret key (1 ≤ k < n). */
  isValidSecretKey(secret: Uint8Array): boolean;
  /** True when `point` is a valid 33-byte compressed point. */
  isValidPoint(point: Uint8Array): boolean;
  /** 33-byte compressed public key of `secret`. */
  getPublicKey(secret: Uint8Array): Uint8Array;
  /** ECDSA over a 32-byte `digest` (RFC 6979, low-S) with its recovery id. */
  signRecoverable(digest: Uint8Array, secret: Uint8Array): RecoverableSignature;
  /** Public key (compressed) recovered from a compact signature; accepts high-S; undefined if unrecoverable. */
  recover(digest: Uint8Array, signature: Uint8Array, recoveryId: number): Uint8Array | undefined;
  /** ECDSA verification; with `lowS` a high-S signature is rejected. */
  verifyEcdsa(signature: Uint8Array, digest: Uint8Array, publicKey: Uint8Array, lowS: boolean): boolean;
  /** BIP-340 Schnorr signature of a 32-byte digest; `auxRand` is 32 bytes (zeros give deterministic test signatures). */
  signSchnorr(digest: Uint8Array, secret: Uint8Array, auxRand: Uint8Array): Uint8Array;
  /** BIP-340 verification against a 32-byte x-only public key. */
  verifySchnorr(signature: Uint8Array, digest: Uint8Array, xOnlyPublicKey: Uint8Array): boolean;
  /** `scalar`·`point`, compressed; throws a RangeError for an invalid point or scalar. */
  pointMultiply(point: Uint8Array, scalar: Uint8Array): Uint8Array;
}

function nobleScalar(b: Uint8Array): bigint {
  let v = 0n;
  for (const x of b) v = (v << 8n) | BigInt(x);
  if (b.length !== 32 || v === 0n || v >= CURVE_ORDER) throw new RangeError('invalid scalar');
  return v;
}

/** Pure-TypeScript backend (@noble/secp256k1). */
export const nobleSecp256k1: Secp256k1 = Object.freeze({
  name: '@noble/secp256k1',
  isValidSecretKey: (secret: Uint8Array) => secret.length === 32 && noble.utils.isValidSecretKey(secret),
  isValidPoint: (point: Uint8Array) => point.length === 33 && noble.utils.isValidPublicKey(point, true),
  getPublicKey: (secret: Uint8Array) => noble.getPublicKey(secret, true),
  signRecoverable(digest: Uint8Array, secret: Uint8Array): RecoverableSignature {
    // noble's 'recovered' format is recid || r || s.
    const rec = noble.sign(digest, secret, { prehash: false, format: 'recovered' });
    return { signature: rec.slice(1), recoveryId: rec[0] as number };
  },
  recover(digest: Uint8Array, signature: Uint8Array, recoveryId: number): Uint8Array | undefined {
    if (signature.length !== 64 || recoveryId < 0 || recoveryId > 3) return undefined;
    const rec = new Uint8Array(65);
    rec[0] = recoveryId;
    rec.set(signature, 1);
    try {
      return noble.recoverPublicKey(rec, digest, { prehash: false });
    } catch {
      return undefined;
    }
  },
  verifyEcdsa(signature: Uint8Array, digest: Uint8Array, publicKey: Uint8Array, lowS: boolean): boolean {
    try {
      return noble.verify(signature, digest, publicKey, { prehash: false, lowS });
    } catch {
      return false;
    }
  },
  signSchnorr: (digest: Uint8Array, secret: Uint8Array, auxRand: Uint8Array) =>
    noble.schnorr.sign(digest, secret, auxRand),
  verifySchnorr(signature: Uint8Array, digest: Uint8Array, xOnlyPublicKey: Uint8Array): boolean {
    try {
      return noble.schnorr.verify(signature, digest, xOnlyPublicKey);
    } catch {
      return false;
    }
  },
  pointMultiply(point: Uint8Array, scalar: Uint8Array): Uint8Array {
    let p: noble.Point;
    try {
      p = noble.Point.fromBytes(point);
    } catch {
      throw new RangeError('invalid point');
    }
    return p.multiply(nobleScalar(scalar)).toBytes(true);
  },
});

/** libsecp256k1 (WebAssembly) backend via tiny-secp256k1. */
export const tinySecp256k1: Secp256k1 = Object.freeze({
  name: 'tiny-secp256k1',
  isValidSecretKey: (secret: Uint8Array) => secret.length === 32 && tiny.isPrivate(secret),
  isValidPoint: (point: Uint8Array) => point.length === 33 && tiny.isPoint(point),
  getPublicKey(secret: Uint8Array): Uint8Array {
    const p = tiny.pointFromScalar(secret, true);
    if (!p) throw new RangeError('invalid secret key');
    return p;
  },
  signRecoverable(digest: Uint8Array, secret: Uint8Array): RecoverableSignature {
    const { signature, recoveryId } = tiny.signRecoverable(digest, secret);
    return { signature, recoveryId };
  },
  recover(digest: Uint8Array, signature: Uint8Array, recoveryId: number): Uint8Array | undefined {
    if (signature.length !== 64 || recoveryId < 0 || recoveryId > 3) return undefined;
    try {
      return tiny.recover(digest, signature, recoveryId as tiny.RecoveryIdType, true) ?? undefined;
    } catch {
      return undefined;
    }
  },
  verifyEcdsa(signature: Uint8Array, digest: Uint8Array, publicKey: Uint8Array, lowS: boolean): boolean {
    try {
      return tiny.verify(digest, publicKey, signature, lowS);
    } catch {
      return false;
    }
  },
  signSchnorr: (digest: Uint8Array, secret: Uint8Array, auxRand: Uint8Array) => tiny.signSchnorr(digest, secret, auxRand),
  verifySchnorr(signature: Uint8Array, digest: Uint8Array, xOnlyPublicKey: Uint8Array): boolean {
    try {
      return tiny.verifySchnorr(digest, xOnlyPublicKey, signature);
    } catch {
      return false;
    }
  },
  pointMultiply(point: Uint8Array, scalar: Uint8Array): Uint8Array {
    let out: Uint8Array | null;
    try {
      out = tiny.pointMultiply(point, scalar, true);
    } catch {
      throw new RangeError('invalid point or scalar');
    }
    if (!out) throw new RangeError('point multiplication gave infinity');
    return out;
  },
});

/** libsecp256k1's native binding for everything but BIP-340, which stays on tiny-secp256k1. */
function nativeBackend(n: NativeSecp256k1Binding, version: string): Secp256k1 {
  return Object.freeze({
    ...tinySecp256k1,
    name: `libsecp256k1 native (secp256k1@${version}; BIP-340 tiny-secp256k1)`,
    isValidSecretKey: (secret: Uint8Array) => secret.length === 32 && n.privateKeyVerify(secret),
    isValidPoint: (point: Uint8Array) => point.length === 33 && n.publicKeyVerify(point),
    getPublicKey(secret: Uint8Array): Uint8Array {
      try {
        return n.publicKeyCreate(secret, true);
      } catch {
        throw new RangeError('invalid secret key');
      }
    },
    signRecoverable(digest: Uint8Array, secret: Uint8Array): RecoverableSignature {
      // The default nonce function is RFC 6979 with no extra data, and libsecp256k1 signs low-S.
      const { signature, recid } = n.ecdsaSign(digest, secret);
      return { signature, recoveryId: recid };
    },
    recover(digest: Uint8Array, signature: Uint8Array, recoveryId: number): Uint8Array | undefined {
      if (signature.length !== 64 || recoveryId < 0 || recoveryId > 3) return undefined;
      try {
        return n.ecdsaRecover(signature, recoveryId, digest, true);
      } catch {
        return undefined;
      }
    },
    verifyEcdsa(signature: Uint8Array, digest: Uint8Array, publicKey: Uint8Array, lowS: boolean): boolean {
      try {
        // libsecp256k1 verifies low-S only; a high-S signature is normalised (on a copy) when allowed.
        const sig = lowS ? signature : n.signatureNormalize(Uint8Array.from(signature));
        return n.ecdsaVerify(sig, digest, publicKey);
      } catch {
        return false;
      }
    },
    pointMultiply(point: Uint8Array, scalar: Uint8Array): Uint8Array {
      if (point.length !== 33) throw new RangeError('invalid point or scalar');
      try {
        return n.publicKeyTweakMul(point, scalar, true);
      } catch {
        throw new RangeError('invalid point or scalar');
      }
    },
  });
}

/** Why the native backend is not in use (undefined when it is): for the startup log and the bench. */
export let nativeSecp256k1Unavailable: string | undefined;

/** The native backend, or undefined where its binary does not load or disagrees with tiny-secp256k1. */
export const nativeSecp256k1: Secp256k1 | undefined = (() => {
  const load = loadNativeSecp256k1();
  if (!load.ok) {
    nativeSecp256k1Unavailable = load.reason;
    return undefined;
  }
  try {
    const backend = nativeBackend(load.binding, load.version);
    // A binary that loads but signs differently is not used: one known signature must match byte for byte.
    const d = new Uint8Array(32).fill(2);
    const k = new Uint8Array(32).fill(1);
    const a = backend.signRecoverable(d, k);
    const b = tinySecp256k1.signRecoverable(d, k);
    if (a.recoveryId !== b.recoveryId || !a.signature.every((x, i) => x === b.signature[i])) {
      nativeSecp256k1Unavailable = 'native signature differs from tiny-secp256k1';
      return undefined;
    }
    return backend;
  } catch (err) {
    nativeSecp256k1Unavailable = err instanceof Error ? err.message : String(err);
    return undefined;
  }
})();

/**
 * The backend the daemon uses: native libsecp256k1 where its binary loads, else tiny-secp256k1.
 * Chosen by measurement: see docs/performance.md.
 */
export const secp256k1: Secp256k1 = nativeSecp256k1 ?? tinySecp256k1;

/** `a`·`b` mod n for two 32-byte scalars (blinded-key secrets); throws a RangeError if either is invalid. */
export function multiplySecretKeys(a: Uint8Array, b: Uint8Array): Uint8Array {
  const v = (nobleScalar(a) * nobleScalar(b)) % CURVE_ORDER;
  const out = new Uint8Array(32);
  let x = v;
  for (let i = 31; i >= 0; i--) {
    out[i] = Number(x & 0xffn);
    x >>= 8n;
  }
  return out;
}
