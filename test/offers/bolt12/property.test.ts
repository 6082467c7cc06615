/**
 * Round-trip properties (STYLE 12): for random valid offers, invoice_requests and invoices,
 * `parse(encode(x))` gives back x, and re-encoding what was parsed gives the same bytes.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { secp256k1 } from '../../../src/crypto/secp256k1.js';
import type { BlindedPath, BlindedPayInfo } from '../../../src/offers/bolt12/blinded-path.js';
import type { InvoiceRequestFields, OfferFields } from '../../../src/offers/bolt12/fields.js';
import { buildInvoice, parseInvoice, signInvoice } from '../../../src/offers/bolt12/invoice.js';
import { buildInvoiceRequest, parseInvoiceRequest, signInvoiceRequest } from '../../../src/offers/bolt12/invoice-request.js';
import { buildOffer, parseOffer } from '../../../src/offers/bolt12/offer.js';
import { encodeRecord, type TlvRecord } from '../../../src/offers/bolt12/tlv-stream.js';
import { ALICE, BOB } from './helpers.js';

const POINTS = Array.from({ length: 6 }, (_, i) => secp256k1.getPublicKey(new Uint8Array(32).fill(i + 1)));
const point = fc.constantFrom(...POINTS);
const u64 = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });
const text = fc.string({ unit: 'grapheme', maxLength: 40 });
const bytes = (max = 40) => fc.uint8Array({ maxLength: max });
/** Feature vectors with only odd bits, which every reader accepts. */
const oddFeatures = fc.uint8Array({ minLength: 1, maxLength: 8 }).map((b) => b.map((x) => x & 0xaa));

const path: fc.Arbitrary<BlindedPath> = fc.record({
  first_node_id: fc.oneof(
    point.map((node_id) => ({ node_id })),
    fc.record({ short_channel_id: u64, direction: fc.constantFrom(0 as const, 1 as const) }),
  ),
  first_path_key: point,
  path: fc.array(fc.record({ blinded_node_id: point, encrypted_recipient_data: bytes(60) }), { minLength: 1, maxLength: 3 }),
});

const payinfo: fc.Arbitrary<BlindedPayInfo> = fc.record({
  fee_base_msat: fc.nat({ max: 0xffffffff }),
  fee_proportional_millionths: fc.nat({ max: 0xffffffff }),
  cltv_expiry_delta: fc.nat({ max: 0xffff }),
  htlc_minimum_msat: u64,
  htlc_maximum_msat: u64,
  features: oddFeatures,
});

/** Unknown odd records in a range, distinct types. */
const unknownRecords = (lo: number, hi: number): fc.Arbitrary<TlvRecord[]> =>
  fc
    .uniqueArray(
      fc
        .integer({ min: lo, max: hi })
        .map((t) => t | 1)
        .filter((t) => t !== 89 && t !== 91), // invreq_payer_note and invreq_bip_353_name are known
      { maxLength: 3 },
    )
    .chain((types) => fc.tuple(...types.map((t) => bytes(10).map((v) => encodeRecord(BigInt(t), v)))));

const offerFields: fc.Arbitrary<OfferFields> = fc
  .record(
    {
      offer_chains: fc.array(fc.uint8Array({ minLength: 32, maxLength: 32 }), { minLength: 1, maxLength: 3 }),
      offer_metadata: bytes(),
      offer_currency: fc.constantFrom('USD', 'EUR', 'JPY'),
      offer_amount: fc.bigInt({ min: 1n, max: (1n << 64n) - 1n }),
      offer_description: text,
      offer_features: oddFeatures,
      offer_absolute_expiry: u64,
      offer_paths: fc.array(path, { minLength: 1, maxLength: 2 }),
      offer_issuer: text,
      offer_quantity_max: u64,
      offer_issuer_id: point,
    },
    { requiredKeys: [] },
  )
  .map((f) => {
    // Keep only combinations a reader accepts.
    const out: Record<string, unknown> = { ...f };
    if (out.offer_amount === undefined) delete out.offer_currency;
    if (out.offer_amount !== undefined && out.offer_description === undefined) out.offer_description = 'x';
    if (out.offer_issuer_id === undefined && out.offer_paths === undefined) out.offer_issuer_id = POINTS[0];
    return out as OfferFields;
  });

describe('round trips', () => {
  it('offers', () => {
    fc.assert(
      fc.property(offerFields, unknownRecords(1, 79), unknownRecords(1_000_000_000, 1_999_999_999), (fields, u1, u2) => {
        const offer = buildOffer(fields, [...u1, ...u2]);
        const again = parseOffer(offer.string.toUpperCase());
        expect(again.fields).toEqual(fields);
        expect(again.unknown.map((r) => r.bytes)).toEqual([...u1, ...u2].sort((a, b) => (a.type < b.type ? -1 : 1)).map((r) => r.bytes));
        expect(buildOffer(again.fields, again.unknown).bytes).toEqual(offer.bytes);
      }),
      { numRuns: 300 },
    );
  });

  const invreqFields: fc.Arbitrary<InvoiceRequestFields> = fc.record(
    {
      invreq_chain: fc.uint8Array({ minLength: 32, maxLength: 32 }),
      invreq_features: oddFeatures,
      invreq_payer_note: text,
      invreq_paths: fc.array(path, { minLength: 1, maxLength: 2 }),
      invreq_bip_353_name: fc.record({
        name: fc.stringMatching(/^[a-z0-9._-]{0,20}$/).map((s) => new TextEncoder().encode(s)),
        domain: fc.stringMatching(/^[a-z0-9.-]{0,20}$/).map((s) => new TextEncoder().encode(s)),
      }),
    },
    { requiredKeys: [] },
  );

  it('invoice_requests and the invoices answering them', () => {
    fc.assert(
      fc.property(
        offerFields,
        invreqFields,
        bytes(32).filter((b) => b.length > 0),
        unknownRecords(81, 159),
        fc.array(path, { minLength: 1, maxLength: 2 }).chain((paths) => fc.tuple(fc.constant(paths), fc.array(payinfo, { minLength: paths.length, maxLength: paths.length }))),
        fc.record({ created: u64, expiry: fc.option(fc.nat({ max: 0xffffffff }), { nil: undefined }), hash: fc.uint8Array({ minLength: 32, maxLength: 32 }), amount: u64 }),
        (of, rf, meta, extra, [paths, infos], inv) => {
          const offer = buildOffer(of);
          const qty = of.offer_quantity_max === undefined ? {} : { invreq_quantity: 1n };
          const amount = of.offer_amount === undefined || of.offer_currency === undefined ? { invreq_amount: (of.offer_amount ?? 1n) } : {};
          const fields: InvoiceRequestFields = { ...rf, ...qty, ...amount, invreq_metadata: meta, invreq_payer_id: BOB.id };
          const invreq = signInvoiceRequest(buildInvoiceRequest(fields, { offer, extra }), BOB.sign);
          const back = parseInvoiceRequest(invreq.string);
          expect(back.fields).toEqual({ ...offer.fields, ...fields, signature: invreq.fields.signature });
          expect(back.bytes).toEqual(invreq.bytes);

          const own = {
            invoice_paths: paths,
            invoice_blindedpay: infos,
            invoice_created_at: inv.created,
            ...(inv.expiry === undefined ? {} : { invoice_relative_expiry: inv.expiry }),
            invoice_payment_hash: inv.hash,
            invoice_amount: inv.amount,
            invoice_node_id: ALICE.id,
          };
          const invoice = signInvoice(buildInvoice(back, own), ALICE.sign);
          const parsed = parseInvoice(invoice.string);
          const { signature: _sig, ...mirrored } = back.fields;
          expect(parsed.fields).toEqual({ ...mirrored, ...own, signature: invoice.fields.signature });
          expect(parsed.unknown.map((r) => r.bytes)).toEqual(back.unknown.map((r) => r.bytes));
          expect(parsed.invreq_id).toEqual(back.invreq_id);
        },
      ),
      { numRuns: 60 },
    );
  });
});
