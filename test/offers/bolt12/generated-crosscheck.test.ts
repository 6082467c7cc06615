import { describe, expect, it } from 'vitest';
import { sha256 } from '@noble/hashes/sha2.js';
import { buildInvoice, checkInvoiceAnswers, parseInvoice, signInvoice } from '../../../src/offers/bolt12/invoice.js';
import { buildInvoiceRequest, parseInvoiceRequest, signInvoiceRequest } from '../../../src/offers/bolt12/invoice-request.js';
import { buildOffer, parseOffer } from '../../../src/offers/bolt12/offer.js';
import { buildPaymentPathToSelf, decryptRecipientData } from '../../../src/offers/blinding/route-blinding.js';
import { secp256k1 } from '../../../src/crypto/secp256k1.js';
import { fromHex, toHex } from '../../../src/util/hex.js';
import { loadVector } from '../../helpers/vectors.js';
import { ALICE, BOB } from './helpers.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the file's shape is checked by the assertions below
const X = loadVector<any>('generated-bolt12-invoice-crosscheck.json');
const ecdhOf = (secret: Uint8Array) => (p: Uint8Array) => sha256(secp256k1.pointMultiply(p, secret));

describe('generated-bolt12-invoice-crosscheck.json (not official; LDK-accepted)', () => {
  it('the keys are Alice and Bob', () => {
    expect(toHex(ALICE.id)).toBe(X.keys.alice_issuer_id);
    expect(toHex(BOB.id)).toBe(X.keys.bob_payer_id);
  });
  it('decodes the offer and re-creates it byte-for-byte from its fields', () => {
    const offer = parseOffer(X.offer.string);
    expect(toHex(offer.bytes)).toBe(X.offer.hex);
    const built = buildOffer({
      offer_amount: BigInt(X.offer.fields.offer_amount),
      offer_description: X.offer.fields.offer_description,
      offer_issuer_id: fromHex(X.offer.fields.offer_issuer_id),
    });
    expect(built.string).toBe(X.offer.string);
  });
  it('re-creates the signed invoice_request byte-for-byte from the offer', () => {
    const offer = parseOffer(X.offer.string);
    const unsigned = buildInvoiceRequest(
      { invreq_metadata: fromHex(X.invoice_request.invreq_metadata), invreq_payer_id: BOB.id },
      { offer },
    );
    expect(toHex(unsigned.merkle_root)).toBe(X.invoice_request.merkle_root);
    expect(toHex(unsigned.sighash)).toBe(X.invoice_request.sighash);
    const invreq = signInvoiceRequest(unsigned, BOB.sign);
    expect(invreq.string).toBe(X.invoice_request.string);
    expect(toHex(invreq.bytes)).toBe(X.invoice_request.hex);
    expect(invreq.offer_id).toEqual(offer.offer_id);
  });
  it('decodes and verifies the invoice', () => {
    const inv = parseInvoice(X.invoice.string);
    expect(toHex(inv.bytes)).toBe(X.invoice.hex);
    expect(toHex(inv.merkle_root)).toBe(X.invoice.merkle_root);
    expect(toHex(inv.fields.signature!)).toBe(X.invoice.signature);
    expect(inv.fields.invoice_amount).toBe(100000n);
    expect(inv.fields.invoice_created_at).toBe(1700000000n);
    expect(inv.fields.invoice_relative_expiry).toBeUndefined();
    expect(toHex(inv.fields.invoice_payment_hash!)).toBe(X.invoice.invoice_payment_hash);
    expect(toHex(inv.fields.invoice_node_id!)).toBe(X.invoice.invoice_node_id);
    const [path] = inv.fields.invoice_paths!;
    expect(toHex(path!.first_path_key)).toBe(X.invoice.blinded_path_to_self.first_path_key_E0);
    expect(toHex(path!.path[0]!.blinded_node_id)).toBe(X.invoice.blinded_path_to_self.blinded_node_id_B0);
    expect(inv.fields.invoice_blindedpay).toEqual([
      { fee_base_msat: 0, fee_proportional_millionths: 0, cltv_expiry_delta: 42, htlc_minimum_msat: 1n, htlc_maximum_msat: 100000n, features: new Uint8Array(0) },
    ]);
    checkInvoiceAnswers(inv, parseInvoiceRequest(X.invoice_request.string));
  });
  it('the recipient (Alice) decrypts its path_id from the invoice path', () => {
    const inv = parseInvoice(X.invoice.string);
    const path = inv.fields.invoice_paths![0]!;
    const hop = decryptRecipientData({ ecdh: ecdhOf(ALICE.secret) }, path.first_path_key, path.path[0]!.encrypted_recipient_data);
    expect(toHex(hop.plaintext)).toBe(X.invoice.blinded_path_to_self.encrypted_data_tlv);
    expect(toHex(hop.fields.path_id!)).toBe(X.invoice.blinded_path_to_self.path_id);
  });
  it('re-creates the invoice byte-for-byte: path to self, payinfo, fields, signature', () => {
    const invreq = parseInvoiceRequest(X.invoice_request.string);
    const { path, payinfo } = buildPaymentPathToSelf({ nodeId: ALICE.id, ecdh: ecdhOf(ALICE.secret) }, () => fromHex(X.invoice.blinded_path_to_self.session_key_e0), {
      path_id: fromHex(X.invoice.blinded_path_to_self.path_id),
      min_final_cltv_expiry_delta: 42,
      htlc_minimum_msat: 1n,
      htlc_maximum_msat: 100000n,
    });
    const unsigned = buildInvoice(invreq, {
      invoice_paths: [path],
      invoice_blindedpay: [payinfo],
      invoice_created_at: 1700000000n,
      invoice_payment_hash: sha256(fromHex(X.invoice.payment_preimage)),
      invoice_amount: 100000n,
      invoice_node_id: ALICE.id,
    });
    expect(toHex(unsigned.sighash)).toBe(X.invoice.sighash);
    const inv = signInvoice(unsigned, ALICE.sign);
    expect(inv.string).toBe(X.invoice.string);
  });
  it('rejects the tampered copy as an invalid signature', () => {
    expect(() => parseInvoice(X.invoice_tampered_payment_hash.string)).toThrow(
      expect.objectContaining({ name: 'Bolt12ParseError', kind: 'InvalidSignature' }),
    );
  });
});
