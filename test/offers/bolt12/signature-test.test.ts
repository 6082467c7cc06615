import { describe, expect, it } from 'vitest';
import { parseInvoiceRequest, inspectInvoiceRequest } from '../../../src/offers/bolt12/invoice-request.js';
import { merkleRoot, signatureHash, taggedHash, verifyBolt12Signature } from '../../../src/offers/bolt12/merkle.js';
import { readTlvStream, tlvField, tlvTable } from '../../../src/offers/bolt12/tlv-stream.js';
import { bytesCodec } from '../../../src/offers/bolt12/wire-types.js';
import { nobleSecp256k1 } from '../../../src/crypto/secp256k1.js';
import { utf8 } from '../../../src/util/bytes.js';
import { fromHex, toHex } from '../../../src/util/hex.js';
import { loadVector } from '../../helpers/vectors.js';
import { ALICE, BOB } from './helpers.js';

type SigVector = {
  comment: string;
  tlv: string;
  'first-tlv': string;
  leaves: Record<string, string>[];
  merkle: string;
  bolt12?: string;
  signature_tag?: string;
  'H(signature_tag,merkle)'?: string;
  signature?: string;
};
const vectors = loadVector<SigVector[]>('signature-test.json');

/** BOLT 1's test stream "n1" (types 1, 2, 3 and 254), as raw bytes: the Merkle tree is type-agnostic. */
const N1 = tlvTable('n1', [tlvField(1n, 'tlv1', bytesCodec), tlvField(2n, 'tlv2', bytesCodec), tlvField(3n, 'tlv3', bytesCodec)]);

/** The leaf records of an n1 vector, from its `H(\`LnLeaf\`,<record hex>)` keys. */
function leafRecords(v: SigVector): Uint8Array {
  const hexes = v.leaves.map((l) => Object.keys(l)[0]!.match(/^H\(`LnLeaf`,([0-9a-f]+)\)$/)![1]!);
  return fromHex(hexes.join(''));
}

describe('signature-test.json: Merkle roots', () => {
  for (const v of vectors.filter((x) => x.tlv === 'n1')) {
    it(v.comment, () => {
      const bytes = leafRecords(v);
      const records = readTlvStream(bytes, N1);
      expect(toHex(records[0]!.bytes)).toBe(v['first-tlv']);
      expect(toHex(merkleRoot(records))).toBe(v.merkle);
    });
  }
  it('leaf and nonce hashes of the first n1 leaf', () => {
    const leaf = vectors[0]!.leaves[0]!;
    expect(toHex(taggedHash('LnLeaf', fromHex('010203e8')))).toBe(leaf['H(`LnLeaf`,010203e8)']);
    const nonceTag = new Uint8Array([...utf8('LnNonce'), ...fromHex('010203e8')]);
    expect(toHex(taggedHash(nonceTag, Uint8Array.of(1)))).toBe(leaf['H(`LnNonce`|first-tlv,tlv1-type)']);
  });
});

describe('signature-test.json: signed invoice_request', () => {
  const v = vectors.find((x) => x.tlv === 'invoice_request')!;
  it('reproduces the Merkle root, signature hash and signature (aux_rand = 0)', () => {
    const invreq = parseInvoiceRequest(v.bolt12!);
    expect(toHex(invreq.merkle_root)).toBe(v.merkle);
    const sighash = signatureHash('invoice_request', 'signature', invreq.merkle_root);
    expect(toHex(sighash)).toBe(v['H(signature_tag,merkle)']);
    expect(toHex(taggedHash(v.signature_tag!, invreq.merkle_root))).toBe(v['H(signature_tag,merkle)']);
    expect(toHex(BOB.sign(sighash))).toBe(v.signature);
    expect(toHex(invreq.fields.signature!)).toBe(v.signature);
    expect(invreq.fields.offer_issuer_id).toEqual(ALICE.id);
    expect(invreq.fields.offer_currency).toBe('USD');
    expect(invreq.fields.offer_amount).toBe(100n);
    expect(invreq.fields.offer_description).toBe('A Mathematical Treatise');
    expect(toHex(invreq.fields.invreq_metadata!)).toBe('0000000000000000');
  });
  it('verifies with both secp256k1 backends, and a flipped bit fails', () => {
    const invreq = parseInvoiceRequest(v.bolt12!);
    const sighash = fromHex(v['H(signature_tag,merkle)']!);
    expect(verifyBolt12Signature(invreq.fields.signature!, sighash, BOB.id)).toBe(true);
    expect(nobleSecp256k1.verifySchnorr(invreq.fields.signature!, sighash, BOB.id.subarray(1))).toBe(true);
    const bad = invreq.fields.signature!.slice();
    bad[5]! ^= 1;
    expect(verifyBolt12Signature(bad, sighash, BOB.id)).toBe(false);
    expect(verifyBolt12Signature(invreq.fields.signature!, sighash, ALICE.id)).toBe(false);
  });
  it('rejects the request when the signature does not verify', () => {
    const invreq = parseInvoiceRequest(v.bolt12!);
    const bytes = invreq.bytes.slice();
    bytes[bytes.length - 1]! ^= 1; // last byte of the signature
    expect(() => parseInvoiceRequest(bytes)).toThrow(expect.objectContaining({ kind: 'InvalidSignature', message: 'signature: invalid' }));
    expect(inspectInvoiceRequest(bytes).problems.map((p) => p.warning)).toEqual(['warning_invalid_invoice_request_signature']);
  });
  it('the signature is excluded from the Merkle tree (types 240..1000)', () => {
    const invreq = parseInvoiceRequest(v.bolt12!);
    expect(merkleRoot(invreq.records.filter((r) => r.type !== 240n))).toEqual(invreq.merkle_root);
  });
});
