import { describe, expect, it } from 'vitest';
import { decodeBolt12Json, looksLikeBolt12 } from '../../../src/offers/bolt12/decode-json.js';
import { encodeBolt12String } from '../../../src/offers/bolt12/string.js';
import { buildInvoiceRequest, parseInvoiceRequest } from '../../../src/offers/bolt12/invoice-request.js';
import { buildInvoice, parseInvoice, signInvoice } from '../../../src/offers/bolt12/invoice.js';
import { fromHex } from '../../../src/util/hex.js';
import { utf8 } from '../../../src/util/bytes.js';
import { loadVector } from '../../helpers/vectors.js';
import { ALICE, BOB, rec, str } from './helpers.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- vector JSON
const X = loadVector<any>('generated-bolt12-invoice-crosscheck.json');
const offers = loadVector<{ description: string; bolt12: string }[]>('offers-test.json');
const offerOf = (d: string) => offers.find((o) => o.description === d)!.bolt12;

describe('decode JSON (CLN field set)', () => {
  it('offer: CLN names, order, bigint amounts', () => {
    const j = decodeBolt12Json(X.offer.string);
    expect(j).toEqual({
      type: 'bolt12 offer',
      offer_id: expect.stringMatching(/^[0-9a-f]{64}$/),
      offer_amount_msat: 100000n,
      offer_description: 'BOLT12 invoice test',
      offer_issuer_id: X.keys.alice_issuer_id,
      valid: true,
    });
    expect(Object.keys(j)).toEqual(['type', 'offer_id', 'offer_amount_msat', 'offer_description', 'offer_issuer_id', 'valid']);
  });
  it('accepts lightning: in any case and upper-case strings', () => {
    expect(decodeBolt12Json('LIGHTNING:' + X.offer.string.toUpperCase()).offer_id).toBe(decodeBolt12Json(X.offer.string).offer_id);
    expect(looksLikeBolt12('lightning:lno1qq')).toBe(true);
    expect(looksLikeBolt12('lnbc1')).toBe(false);
  });
  it('currency offers show offer_amount and currency_minor_unit; unknown codes warn', () => {
    const j = decodeBolt12Json(offerOf('with currency'));
    expect(j).toMatchObject({ offer_currency: 'USD', offer_amount: 10000n, currency_minor_unit: 2, valid: true });
    const weird = decodeBolt12Json(str('lno', rec(6n, utf8('XYZ')), rec(8n, '01'), rec(10n, utf8('x')), rec(22n, ALICE.id)));
    expect(weird).toMatchObject({ warning_unknown_offer_currency: 'unknown currency code', valid: true });
  });
  it('paths: first_node_id or first_scid + first_scid_dir, first_path_key, hops', () => {
    const j = decodeBolt12Json(offerOf('... and with second blinded path via 1x2x3 (direction 1), path_key 020202...'));
    const paths = j.offer_paths as Record<string, unknown>[];
    expect(paths[0]).toMatchObject({ first_node_id: '0324653eac434488002cc06bbfb7f10fe18991e35f9fe4302dbea6d2353dc0ab1c', first_path_key: '02'.repeat(33) });
    expect(paths[1]).toMatchObject({ first_scid: '1x2x3', first_scid_dir: 1 });
    expect((paths[1]!.path as unknown[])[1]).toEqual({ blinded_node_id: '02'.repeat(33), encrypted_recipient_data: '22'.repeat(8) });
  });
  it('structurally sound but invalid offers decode with warnings and valid=false', () => {
    expect(decodeBolt12Json(offerOf('Missing offer_description, but has offer_amount'))).toMatchObject({
      warning_missing_offer_description: 'offer_description: required when offer_amount is set',
      valid: false,
    });
    expect(decodeBolt12Json(offerOf('Missing offer_issuer_id and no offer_path'))).toMatchObject({
      warning_missing_offer_issuer_id: expect.any(String),
      valid: false,
    });
    expect(decodeBolt12Json(offerOf('Second offer_path is empty'))).toMatchObject({ warning_empty_blinded_path: expect.any(String), valid: false });
    const expired = decodeBolt12Json(offerOf('with expiry'), { now: 0x7a4297d9 });
    expect(expired).toMatchObject({ offer_absolute_expiry: 0x7a4297d8n, warning_offer_expired: expect.any(String), valid: false });
    expect(decodeBolt12Json(offerOf('with expiry'), { now: 0x7a4297d8 }).valid).toBe(true);
  });
  it('unknown TLVs are listed as {type, length, value}', () => {
    expect(decodeBolt12Json(offerOf('unknown odd field')).unknown_offer_tlvs).toEqual([
      { type: 33n, length: 10n, value: '68656c6c6f776f726c64' },
    ]);
  });
  it('invoice_request: offer fields, invreq fields, signature', () => {
    const j = decodeBolt12Json(X.invoice_request.string);
    expect(j).toMatchObject({
      type: 'bolt12 invoice_request',
      offer_id: decodeBolt12Json(X.offer.string).offer_id,
      invreq_metadata: '0102030405060708',
      invreq_payer_id: X.keys.bob_payer_id,
      signature: X.invoice_request.signature,
      valid: true,
    });
    const unsigned = buildInvoiceRequest({ invreq_metadata: Uint8Array.of(1), invreq_payer_id: BOB.id, offer_description: 'refund' });
    const s = encodeBolt12String('lnr', new Uint8Array(unsigned.records.flatMap((r) => [...r.bytes])));
    expect(decodeBolt12Json(s)).toMatchObject({
      warning_missing_invoice_request_signature: 'signature: missing',
      warning_missing_invreq_amount: expect.any(String),
      valid: false,
    });
  });
  it('invoice: paths with payinfo, default relative expiry, amounts', () => {
    const j = decodeBolt12Json(X.invoice.string);
    expect(j).toMatchObject({
      type: 'bolt12 invoice',
      invoice_created_at: 1700000000n,
      invoice_relative_expiry: 7200,
      invoice_payment_hash: X.invoice.invoice_payment_hash,
      invoice_amount_msat: 100000n,
      invoice_node_id: X.invoice.invoice_node_id,
      signature: X.invoice.signature,
      valid: true,
    });
    const [p] = j.invoice_paths as Record<string, unknown>[];
    expect(p!.payinfo).toEqual({
      fee_base_msat: 0n,
      fee_proportional_millionths: 0,
      cltv_expiry_delta: 42,
      htlc_minimum_msat: 1n,
      htlc_maximum_msat: 100000n,
      features: '',
    });
    expect(decodeBolt12Json(X.invoice.string, { now: 1700007201 })).toMatchObject({ warning_invoice_expired: expect.any(String), valid: false });
    expect(decodeBolt12Json(X.invoice_tampered_payment_hash.string)).toMatchObject({
      warning_invalid_invoice_signature: 'signature: invalid',
      valid: false,
    });
    expect(decodeBolt12Json(X.invoice_tampered_payment_hash.string).signature).toBeUndefined();
  });
  it('invoice fallbacks show version, hex and the address on the invoice chain', () => {
    const inv = buildFallbackInvoice();
    const j = decodeBolt12Json(inv.string);
    expect(j.invoice_fallbacks).toEqual([
      { version: 0, hex: '751e76e8199196d454941c45d1b3a323f1433bd6', address: 'bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4' },
      { version: 17, hex: '0011' },
    ]);
    expect(j.valid).toBe(true);
  });
  it('unparsable strings throw a typed error', () => {
    expect(() => decodeBolt12Json('lno1qqq')).toThrow(expect.objectContaining({ kind: 'InvalidPadding' }));
    expect(() => decodeBolt12Json('lnx1qq')).toThrow(expect.objectContaining({ kind: 'InvalidPrefix' }));
  });
});

function buildFallbackInvoice() {
  const invreq = parseInvoiceRequest(X.invoice_request.string);
  const base = parseInvoice(X.invoice.string).fields;
  return signInvoice(
    buildInvoice(invreq, {
      invoice_paths: base.invoice_paths!,
      invoice_blindedpay: base.invoice_blindedpay!,
      invoice_created_at: 1n,
      invoice_payment_hash: new Uint8Array(32),
      invoice_amount: 100000n,
      invoice_fallbacks: [
        { version: 0, address: fromHex('751e76e8199196d454941c45d1b3a323f1433bd6') },
        { version: 17, address: fromHex('0011') },
      ],
      invoice_node_id: ALICE.id,
    }),
    ALICE.sign,
  );
}
