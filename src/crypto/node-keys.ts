/**
 * The node's keys, derived from the hsm_secret seed as Core Lightning derives its own, so that the daemon
 * signs as that node. Codecs never see the secret: they receive `sign…` functions from here.
 */
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { utf8 } from '../util/bytes.js';
import { secp256k1, type RecoverableSignature, type Secp256k1 } from './secp256k1.js';

export interface NodeKeys {
  /** 33-byte compressed node id. */
  readonly nodeId: Uint8Array;
  /** ECDSA (RFC 6979, low-S, recoverable) with the node key over a 32-byte digest: BOLT 11 signatures. */
  signEcdsa(digest: Uint8Array): RecoverableSignature;
  /** BIP-340 signature with the node key over a 32-byte digest: BOLT 12 signatures. */
  signSchnorr(digest: Uint8Array): Uint8Array;
  /** SHA256 of the compressed point node_key·`point` (BOLT 4 ECDH; route blinding). */
  ecdh(point: Uint8Array): Uint8Array;
  /**
   * A 32-byte secret derived from the seed for one purpose, equal to CLN's `makesecret` of the same
   * string (CLN's names: "bolt12-invoice-base", "offer-blinded-path", "node-alias-base"), so values
   * derived from it need not be stored and match what the same node would derive.
   */
  deriveSecret(info: string): Uint8Array;
}

/** Options for deterministic tests. */
export interface NodeKeysOptions {
  readonly backend?: Secp256k1;
  /** Aux randomness for BIP-340 (32 bytes); default fresh randomness. */
  readonly auxRand?: () => Uint8Array;
}

/** CLN's `makesecret` strings for the secrets the daemon derives (lightningd/hsm_control.c, plugins/offers.c). */
export const SECRET_INFO = Object.freeze({
  /** Base of BOLT12 `path_id`s: path_id = SHA256(base || payment_hash) (common/bolt12_id.c). */
  bolt12InvoiceBase: 'bolt12-invoice-base',
  /** Base of offer blinded paths' path_id: SHA256(base || offer_id) (plugins/offers.c). */
  offerBlindedPath: 'offer-blinded-path',
  /** Base of payer-key tweaks: SHA256(base || invreq_metadata) (common/bolt12_id.c). */
  nodeAliasBase: 'node-alias-base',
} as const);

/**
 * CLN's "derived secrets" key (hsmd/libhsmd.c, at init): HKDF-SHA256 with no salt over the *whole* seed
 * (32 bytes for a plain hsm_secret, the 64-byte BIP39 seed for a mnemonic one), info "derived secrets".
 * Every `makesecret(info)` is then HKDF-SHA256(no salt, ikm = this key, info).
 */
export function deriveSecretsKey(seed: Uint8Array): Uint8Array {
  return hkdf(sha256, seed, undefined, utf8('derived secrets'), 32);
}

/** CLN's `makesecret`: HKDF-SHA256(no salt, ikm = deriveSecretsKey(seed), info) (hsmd/libhsmd.c handle_derive_secret). */
export function makeSecret(derivedSecretsKey: Uint8Array, info: Uint8Array): Uint8Array {
  return hkdf(sha256, derivedSecretsKey, undefined, info, 32);
}

/**
 * CLN's node key (hsmd/libhsmd.c node_key): HKDF-SHA256(ikm = the seed's first 32 bytes, salt = a 4-byte
 * counter starting at 0, info = "nodeid"), taking the first counter whose output is a valid secret key.
 * The counter is a C `u32` hashed in memory, so little-endian on every platform CLN runs on.
 */
export function deriveNodeSecret(seed: Uint8Array, backend: Secp256k1 = secp256k1): Uint8Array {
  const ikm = seed.subarray(0, 32);
  for (let counter = 0; ; counter++) {
    const salt = new Uint8Array(4);
    new DataView(salt.buffer).setUint32(0, counter, true);
    const k = hkdf(sha256, ikm, salt, utf8('nodeid'), 32);
    if (backend.isValidSecretKey(k)) return k;
  }
}

/**
 * The node's keys from the hsm seed: the 32 bytes of a plain hsm_secret or the 64-byte BIP39 seed of a
 * mnemonic one (see `src/daemon/hsm-secret.ts`). The node key uses the first 32 bytes, `deriveSecret` the
 * whole seed, both as CLN does.
 */
export function nodeKeysFromSeed(seed: Uint8Array, opts: NodeKeysOptions = {}): NodeKeys {
  if (seed.length < 32) throw new RangeError('hsm seed must be at least 32 bytes');
  const backend = opts.backend ?? secp256k1;
  const secret = deriveNodeSecret(seed, backend);
  const nodeId = backend.getPublicKey(secret);
  const secretsKey = deriveSecretsKey(seed);
  const aux = opts.auxRand ?? (() => crypto.getRandomValues(new Uint8Array(32)));
  return Object.freeze({
    nodeId,
    signEcdsa: (digest: Uint8Array) => backend.signRecoverable(digest, secret),
    signSchnorr: (digest: Uint8Array) => backend.signSchnorr(digest, secret, aux()),
    ecdh: (point: Uint8Array) => sha256(backend.pointMultiply(point, secret)),
    deriveSecret: (info: string) => makeSecret(secretsKey, utf8(info)),
  });
}
