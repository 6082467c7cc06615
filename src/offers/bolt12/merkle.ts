/**
 * BOLT 12 "Signature Calculation": the Merkle root of a TLV stream, the tagged signature hash, and
 * BIP-340 signing / verification over it. Pinned to bolt12/signature-test.json.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { secp256k1 } from '../../crypto/secp256k1.js';
import { compareBytes, concatBytes, utf8 } from '../../util/bytes.js';
import { writeBigSize } from './bigsize.js';
import type { Problem } from './problems.js';
import type { TlvRecord } from './tlv-stream.js';

/** Signs a 32-byte digest with BIP-340, returning the 64-byte signature. The key never enters the codec. */
export type SchnorrSigner = (digest: Uint8Array) => Uint8Array;

/** BOLT 12: "Each form is signed using one or more signature TLV elements: TLV types 240 through 1000 (inclusive)." */
export function isSignatureType(type: bigint): boolean {
  return type >= 240n && type <= 1000n;
}

/** Prefix `SHA256(tag) || SHA256(tag)` of a BIP-340 tagged hash. */
function tagPrefix(tag: Uint8Array): Uint8Array {
  const t = sha256(tag);
  return concatBytes(t, t);
}

/**
 * BIP-340 tagged hash, as BOLT 12 defines it: "H(`tag`,`msg`) as SHA256(SHA256(`tag`) || SHA256(`tag`) || `msg`)".
 */
export function taggedHash(tag: string | Uint8Array, msg: Uint8Array): Uint8Array {
  return sha256(concatBytes(tagPrefix(typeof tag === 'string' ? utf8(tag) : tag), msg));
}

const LEAF = tagPrefix(utf8('LnLeaf'));
const BRANCH = tagPrefix(utf8('LnBranch'));

function branch(a: Uint8Array, b: Uint8Array): Uint8Array {
  return compareBytes(a, b) <= 0 ? sha256(concatBytes(BRANCH, a, b)) : sha256(concatBytes(BRANCH, b, a));
}

/**
 * Merkle root of a TLV stream's records, skipping signature types (240–1000).
 *
 * BOLT 12: leaves are, in TLV-ascending order, H("LnLeaf",tlv) paired with H("LnNonce"||first-tlv,tlv-type)
 * "where first-tlv is the numerically-first TLV entry in the stream"; inner nodes are
 * H("LnBranch", lesser||greater); with no power-of-2 count "the deepest tree [is] on the lowest-order leaves".
 * Pairing neighbours level by level and carrying an odd last node up gives exactly that shape.
 *
 * @example toHex(merkleRoot(readTlvStream(fromHex('010203e8'), N1))) // 'b013756c…'
 */
export function merkleRoot(records: Iterable<TlvRecord>): Uint8Array {
  const included: TlvRecord[] = [];
  for (const r of records) if (!isSignatureType(r.type)) included.push(r);
  const first = included[0];
  if (!first) throw new RangeError('merkle root of an empty stream');
  const nonce = tagPrefix(concatBytes(utf8('LnNonce'), first.bytes));
  let level = included.map((r) =>
    branch(sha256(concatBytes(LEAF, r.bytes)), sha256(concatBytes(nonce, writeBigSize(r.type)))),
  );
  while (level.length > 1) {
    const next: Uint8Array[] = [];
    for (let i = 0; i + 1 < level.length; i += 2) next.push(branch(level[i] as Uint8Array, level[i + 1] as Uint8Array));
    if (level.length % 2 === 1) next.push(level[level.length - 1] as Uint8Array);
    level = next;
  }
  return level[0] as Uint8Array;
}

/**
 * The digest that is signed: BOLT 12 "the tag is "lightning" || `messagename` || `fieldname`, and `msg` is the Merkle-root".
 *
 * @example signatureHash('invoice_request', 'signature', root)
 */
export function signatureHash(messageName: string, fieldName: string, root: Uint8Array): Uint8Array {
  return taggedHash(`lightning${messageName}${fieldName}`, root);
}

/** BIP-340 verification of `sig` over `digest` by the 33-byte compressed key `point` (x-only = drop its prefix byte). */
export function verifyBolt12Signature(sig: Uint8Array, digest: Uint8Array, point: Uint8Array): boolean {
  if (sig.length !== 64 || point.length !== 33) return false;
  return secp256k1.verifySchnorr(sig, digest, point.subarray(1));
}

/** Records ready to be signed as `messageName`'s `signature` field: their Merkle root and the digest to sign. */
export function unsignedMessage(
  messageName: string,
  records: readonly TlvRecord[],
): { readonly records: readonly TlvRecord[]; readonly merkle_root: Uint8Array; readonly sighash: Uint8Array } {
  const merkle_root = merkleRoot(records);
  return Object.freeze({ records, merkle_root, sighash: signatureHash(messageName, 'signature', merkle_root) });
}

/**
 * BOLT 12: "MUST reject ... if `signature` is not correct": a missing `signature`, or one that does not verify by
 * `key` over `messageName`'s signature hash (without a key it is not judged: the missing key is its own problem).
 * The warnings are CLN's `warning_missing_<messageName>_signature` and `warning_invalid_<messageName>_signature`.
 */
export function signatureProblems(
  messageName: string,
  signature: Uint8Array | undefined,
  merkle_root: Uint8Array,
  key: Uint8Array | undefined,
): Problem[] {
  if (signature === undefined) {
    return [{ kind: 'MissingSignature', message: 'signature: missing', warning: `warning_missing_${messageName}_signature` }];
  }
  if (key !== undefined && !verifyBolt12Signature(signature, signatureHash(messageName, 'signature', merkle_root), key)) {
    return [{ kind: 'InvalidSignature', message: 'signature: invalid', warning: `warning_invalid_${messageName}_signature` }];
  }
  return [];
}
