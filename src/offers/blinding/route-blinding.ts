/**
 * BOLT 4 route blinding, the parts an invoice daemon needs: building blinded paths that end at
 * ourselves (one-hop payment paths for invoices, message paths for offers and reply paths), and
 * decrypting our own `encrypted_recipient_data` when a payment or message arrives over one.
 * Pinned to bolt04/route-blinding-test.json.
 *
 * The node secret never enters this module: building needs only our node id and randomness, and the
 * recipient side takes an `ecdh(point)` function (BOLT 4 ECDH: SHA256 of the compressed k·P).
 */
import { createCipheriv, createDecipheriv } from 'node:crypto';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { multiplySecretKeys, secp256k1 } from '../../crypto/secp256k1.js';
import { concatBytes, utf8 } from '../../util/bytes.js';
import type { RandomSource } from '../../util/clock.js';
import { WireReader, readTruncated, writeTruncated } from '../bolt12/bigsize.js';
import type { BlindedPath, BlindedPayInfo, SciddirOrPubkey } from '../bolt12/blinded-path.js';
import { fail } from '../bolt12/errors.js';
import { decodeTlvStream, encodeFields, recordsToBytes, tlvField, tlvTable, type FieldCodec, type TlvRecord, type TlvValues } from '../bolt12/tlv-stream.js';
import { bytesCodec, pointCodec } from '../bolt12/wire-types.js';

/** BOLT 4 `payment_relay`. */
export interface PaymentRelay {
  readonly cltv_expiry_delta: number;
  readonly fee_proportional_millionths: number;
  readonly fee_base_msat: number;
}

/** BOLT 4 `payment_constraints`. */
export interface PaymentConstraints {
  readonly max_cltv_expiry: number;
  readonly htlc_minimum_msat: bigint;
}

const u64Codec: FieldCodec<bigint> = {
  read(v, field) {
    const r = new WireReader(v, field);
    const x = r.u64();
    r.done();
    return x;
  },
  write(x) {
    const out = new Uint8Array(8);
    new DataView(out.buffer).setBigUint64(0, x);
    return out;
  },
};

const paymentRelayCodec: FieldCodec<PaymentRelay> = {
  read(v, field) {
    const r = new WireReader(v, field);
    const cltv_expiry_delta = r.u16();
    const fee_proportional_millionths = r.u32();
    const fee_base_msat = Number(readTruncated(r.rest(), 4, field));
    return { cltv_expiry_delta, fee_proportional_millionths, fee_base_msat };
  },
  write(p) {
    const head = new Uint8Array(6);
    const dv = new DataView(head.buffer);
    dv.setUint16(0, p.cltv_expiry_delta);
    dv.setUint32(2, p.fee_proportional_millionths);
    return concatBytes(head, writeTruncated(BigInt(p.fee_base_msat)));
  },
};

const paymentConstraintsCodec: FieldCodec<PaymentConstraints> = {
  read(v, field) {
    const r = new WireReader(v, field);
    const max_cltv_expiry = r.u32();
    return { max_cltv_expiry, htlc_minimum_msat: readTruncated(r.rest(), 8, field) };
  },
  write(c) {
    const head = new Uint8Array(4);
    new DataView(head.buffer).setUint32(0, c.max_cltv_expiry);
    return concatBytes(head, writeTruncated(c.htlc_minimum_msat));
  },
};

const ENCRYPTED_DATA_FIELDS = [
  tlvField(1n, 'padding', bytesCodec),
  tlvField(2n, 'short_channel_id', u64Codec),
  tlvField(4n, 'next_node_id', pointCodec),
  tlvField(6n, 'path_id', bytesCodec),
  tlvField(8n, 'next_path_key_override', pointCodec),
  tlvField(10n, 'payment_relay', paymentRelayCodec),
  tlvField(12n, 'payment_constraints', paymentConstraintsCodec),
  tlvField(14n, 'allowed_features', bytesCodec),
] as const;

/** BOLT 4 `encrypted_data_tlv`. */
export const ENCRYPTED_DATA_TABLE = tlvTable('encrypted_data_tlv', ENCRYPTED_DATA_FIELDS);
export type EncryptedDataFields = TlvValues<typeof ENCRYPTED_DATA_FIELDS>;

/** Encodes an `encrypted_data_tlv`, with extra records (e.g. unknown odd ones) kept verbatim. */
export function encodeEncryptedData(fields: EncryptedDataFields, extra: readonly TlvRecord[] = []): Uint8Array {
  return recordsToBytes(encodeFields(ENCRYPTED_DATA_TABLE, fields, extra));
}

/** Decodes an `encrypted_data_tlv` (BOLT 4: unknown even types are refused). */
export function decodeEncryptedData(bytes: Uint8Array): { fields: EncryptedDataFields; unknown: readonly TlvRecord[] } {
  const s = decodeTlvStream(bytes, ENCRYPTED_DATA_TABLE);
  return { fields: s.fields, unknown: s.unknown };
}

/** BOLT 4 `HMAC256(label, ss)`: the label is the HMAC key, the shared secret the message. */
function hmacLabel(label: string, ss: Uint8Array): Uint8Array {
  return hmac(sha256, utf8(label), ss);
}

const ZERO_NONCE = new Uint8Array(12);

/** ChaCha20-Poly1305 (RFC 8439) with BOLT 4's all-zero 12-byte nonce and empty AAD; output is ciphertext || tag. */
function encrypt(rho: Uint8Array, plaintext: Uint8Array): Uint8Array {
  const c = createCipheriv('chacha20-poly1305', rho, ZERO_NONCE, { authTagLength: 16 });
  const body = c.update(plaintext);
  c.final();
  return concatBytes(body, c.getAuthTag());
}

function decrypt(rho: Uint8Array, data: Uint8Array): Uint8Array | undefined {
  if (data.length < 16) return undefined;
  try {
    const d = createDecipheriv('chacha20-poly1305', rho, ZERO_NONCE, { authTagLength: 16 });
    d.setAuthTag(data.subarray(data.length - 16));
    const out = d.update(data.subarray(0, data.length - 16));
    d.final();
    return new Uint8Array(out);
  } catch {
    return undefined;
  }
}

/** One hop of a path being built, with the secrets the spec's vectors list. */
export interface BlindedHopSecrets {
  /** E_i = e_i·G. */
  readonly path_key: Uint8Array;
  readonly shared_secret: Uint8Array;
  readonly rho: Uint8Array;
  readonly blinded_node_id: Uint8Array;
  readonly encrypted_recipient_data: Uint8Array;
}

/**
 * Blinds a route from a session key (BOLT 4 "Route Blinding"):
 * `ss_i = SHA256(e_i·N_i)`, `rho_i = HMAC256("rho", ss_i)`, `B_i = HMAC256("blinded_node_id", ss_i)·N_i`,
 * `e_{i+1} = SHA256(E_i || ss_i)·e_i`.
 */
export function blindHops(sessionKey: Uint8Array, hops: readonly { node_id: Uint8Array; encrypted_data: Uint8Array }[]): BlindedHopSecrets[] {
  let e = sessionKey;
  return hops.map((hop) => {
    const E = secp256k1.getPublicKey(e);
    const shared_secret = sha256(secp256k1.pointMultiply(hop.node_id, e));
    const rho = hmacLabel('rho', shared_secret);
    const blinded_node_id = secp256k1.pointMultiply(hop.node_id, hmacLabel('blinded_node_id', shared_secret));
    const encrypted_recipient_data = encrypt(rho, hop.encrypted_data);
    e = multiplySecretKeys(e, sha256(concatBytes(E, shared_secret)));
    return { path_key: E, shared_secret, rho, blinded_node_id, encrypted_recipient_data };
  });
}

/** A blinded path over `hops` (introduction node first) from `sessionKey` (e_0). */
export function buildBlindedPath(
  sessionKey: Uint8Array,
  hops: readonly { node_id: Uint8Array; encrypted_data: Uint8Array }[],
  first_node_id?: SciddirOrPubkey,
): BlindedPath {
  const first = hops[0];
  if (!first) throw new RangeError('a blinded path needs at least one hop');
  const secrets = blindHops(sessionKey, hops);
  return {
    first_node_id: first_node_id ?? { node_id: first.node_id },
    first_path_key: (secrets[0] as BlindedHopSecrets).path_key,
    path: secrets.map((s) => ({ blinded_node_id: s.blinded_node_id, encrypted_recipient_data: s.encrypted_recipient_data })),
  };
}

/** Our side of the blinding: our node id and BOLT 4 ECDH with our node key. */
export interface BlindingKeys {
  readonly nodeId: Uint8Array;
  /** SHA256 of the compressed point node_key·`point`. */
  ecdh(point: Uint8Array): Uint8Array;
}

function freshSessionKey(random: RandomSource): Uint8Array {
  for (;;) {
    const e = random(32);
    if (secp256k1.isValidSecretKey(e)) return e;
  }
}

/**
 * A one-hop blinded payment path to ourselves and its payinfo. The hop carries only a `path_id`
 * (BOLT 4: the final hop "should carry a secret `path_id`") and, when given, `payment_constraints`.
 * Fees are zero and the cltv delta is our final delta (BOLT 12: payinfo `features` "match
 * `allowed_features`", none here).
 */
export function buildPaymentPathToSelf(
  keys: BlindingKeys,
  random: RandomSource,
  opts: {
    readonly path_id: Uint8Array;
    readonly min_final_cltv_expiry_delta: number;
    readonly htlc_minimum_msat: bigint;
    readonly htlc_maximum_msat: bigint;
    readonly payment_constraints?: PaymentConstraints;
  },
): { path: BlindedPath; payinfo: BlindedPayInfo } {
  const data = encodeEncryptedData({
    path_id: opts.path_id,
    ...(opts.payment_constraints ? { payment_constraints: opts.payment_constraints } : {}),
  });
  const path = buildBlindedPath(freshSessionKey(random), [{ node_id: keys.nodeId, encrypted_data: data }]);
  const payinfo: BlindedPayInfo = {
    fee_base_msat: 0,
    fee_proportional_millionths: 0,
    cltv_expiry_delta: opts.min_final_cltv_expiry_delta,
    htlc_minimum_msat: opts.htlc_minimum_msat,
    htlc_maximum_msat: opts.htlc_maximum_msat,
    features: new Uint8Array(0),
  };
  return { path, payinfo };
}

/** A one-hop blinded onion-message path to ourselves (for `offer_paths` or a reply path) carrying `path_id`. */
export function buildMessagePathToSelf(keys: BlindingKeys, random: RandomSource, opts: { readonly path_id: Uint8Array }): BlindedPath {
  const data = encodeEncryptedData({ path_id: opts.path_id });
  return buildBlindedPath(freshSessionKey(random), [{ node_id: keys.nodeId, encrypted_data: data }]);
}

/** What the recipient learns from one hop of a blinded path. */
export interface DecryptedHop {
  readonly fields: EncryptedDataFields;
  readonly unknown: readonly TlvRecord[];
  /** The decrypted `encrypted_data_tlv` bytes. */
  readonly plaintext: Uint8Array;
  /**
   * HMAC256("blinded_node_id", ss): our blinded node id is this times our node id, and its secret is this
   * times our node secret (to sign an invoice as the blinded node, BOLT 12 "final `blinded_node_id`").
   */
  readonly blinding_factor: Uint8Array;
  /** The next hop's path key: `next_path_key_override` if present, else SHA256(E||ss)·E. */
  readonly next_path_key: Uint8Array;
}

/**
 * Recipient side: decrypts `encrypted_recipient_data` that arrived with `pathKey` (BOLT 4: "ss = SHA256(k·E)",
 * "rho = HMAC256("rho", ss)"; a failed decryption or an unknown even TLV makes the hop unusable).
 */
export function decryptRecipientData(keys: Pick<BlindingKeys, 'ecdh'>, pathKey: Uint8Array, encrypted: Uint8Array): DecryptedHop {
  const ss = keys.ecdh(pathKey);
  const plaintext = decrypt(hmacLabel('rho', ss), encrypted) ?? fail('InvalidValue', 'encrypted_recipient_data: decryption failed');
  const { fields, unknown } = decodeEncryptedData(plaintext);
  const next_path_key = fields.next_path_key_override ?? secp256k1.pointMultiply(pathKey, sha256(concatBytes(pathKey, ss)));
  return { fields, unknown, plaintext, blinding_factor: hmacLabel('blinded_node_id', ss), next_path_key };
}

/**
 * A path_id that needs no storage: SHA256(base || input), as CLN's `bolt12_path_id` (base = the node
 * secret derived for "bolt12-invoice-base", input = the payment hash; for offer paths, base from
 * "offer-blinded-path" and input = the offer id).
 */
export function derivePathId(base: Uint8Array, input: Uint8Array): Uint8Array {
  return sha256(concatBytes(base, input));
}
