import { sha256 } from '@noble/hashes/sha2.js';
import { describe, expect, it } from 'vitest';
import type { BlindedPath, BlindedPayInfo } from '../../../src/offers/bolt12/blinded-path.js';
import type { InvoiceOwnFields } from '../../../src/offers/bolt12/fields.js';
import { buildInvoice, checkInvoiceAnswers, inspectInvoice, invoiceExpiresAt, parseInvoice, signInvoice, usablePaths } from '../../../src/offers/bolt12/invoice.js';
import { buildInvoiceRequest, signInvoiceRequest } from '../../../src/offers/bolt12/invoice-request.js';
import { buildOffer } from '../../../src/offers/bolt12/offer.js';
import { buildInvoiceError, parseInvoiceError } from '../../../src/offers/bolt12/invoice-error.js';
import { buildPaymentPathToSelf } from '../../../src/offers/blinding/route-blinding.js';
import { encodeRecord } from '../../../src/offers/bolt12/tlv-stream.js';
import { toHex } from '../../../src/util/hex.js';
import { ALICE, BOB, kindOf } from './helpers.js';

const offer = buildOffer({ offer_description: 'widget', offer_amount: 1000n, offer_issuer_id: ALICE.id }, [encodeRecord(41n, Uint8Array.of(9))]);
const invreq = signInvoiceRequest(
  buildInvoiceRequest({ invreq_metadata: Uint8Array.of(1), invreq_payer_id: BOB.id }, { offer, extra: [encodeRecord(2_000_000_001n, Uint8Array.of(7))] }),
  BOB.sign,
);
const { path, payinfo } = buildPaymentPathToSelf({ nodeId: ALICE.id, ecdh: () => new Uint8Array(32) }, (n) => new Uint8Array(n).fill(5), {
  path_id: Uint8Array.of(1),
  min_final_cltv_expiry_delta: 18,
  htlc_minimum_msat: 1n,
  htlc_maximum_msat: 1000n,
});
const own = (over: Partial<Record<keyof InvoiceOwnFields, unknown>> = {}): InvoiceOwnFields =>
  Object.fromEntries(
    Object.entries({
      invoice_paths: [path],
      invoice_blindedpay: [payinfo],
      invoice_created_at: 1_700_000_000n,
      invoice_payment_hash: sha256(Uint8Array.of(1)),
      invoice_amount: 1000n,
      invoice_node_id: ALICE.id,
      ...over,
    }).filter(([, v]) => v !== undefined),
  ) as InvoiceOwnFields;
const make = (over: Partial<Record<keyof InvoiceOwnFields, unknown>> = {}) => signInvoice(buildInvoice(invreq, own(over)), ALICE.sign);

describe('invoice writer', () => {
  it('copies every non-signature invreq record (unknown ones too) and drops its signature', () => {
    const inv = make();
    const copied = invreq.records.filter((r) => r.type !== 240n).map((r) => toHex(r.bytes));
    expect(inv.records.filter((r) => r.type < 160n || r.type >= 1_000_000_000n).map((r) => toHex(r.bytes))).toEqual(copied);
    expect(inv.records.filter((r) => r.type === 240n)).toHaveLength(1);
    expect(inv.invreq_id).toEqual(invreq.invreq_id);
    expect(inv.offer_id).toEqual(offer.offer_id);
    checkInvoiceAnswers(inv, invreq);
    expect(parseInvoice(inv.string).bytes).toEqual(inv.bytes);
  });
});

describe('invoice reader MUSTs', () => {
  it('requires amount, created_at, payment_hash and node_id', () => {
    for (const f of ['invoice_amount', 'invoice_created_at', 'invoice_payment_hash'] as const) {
      expect(() => make({ [f]: undefined })).toThrow(expect.objectContaining({ kind: 'MissingField', message: `${f}: missing` }));
    }
    const noNode = buildInvoice(invreq, own({ invoice_node_id: undefined }));
    expect(kindOf(() => signInvoice(noNode, ALICE.sign))).toBe('MissingField');
  });
  it('requires non-empty paths without 0-hop paths, and one payinfo per path', () => {
    expect(kindOf(() => make({ invoice_paths: undefined, invoice_blindedpay: [] }))).toBe('MissingField');
    expect(kindOf(() => make({ invoice_paths: [], invoice_blindedpay: [] }))).toBe('MissingField');
    const empty: BlindedPath = { ...path, path: [] };
    expect(kindOf(() => make({ invoice_paths: [empty], invoice_blindedpay: [payinfo] }))).toBe('EmptyPath');
    expect(kindOf(() => make({ invoice_blindedpay: undefined }))).toBe('MissingField');
    expect(kindOf(() => make({ invoice_blindedpay: [payinfo, payinfo] }))).toBe('InvalidPayInfo');
  });
  it('paths whose payinfo has unknown even features are unusable; none usable rejects', () => {
    const bad: BlindedPayInfo = { ...payinfo, features: Uint8Array.of(1) };
    expect(kindOf(() => make({ invoice_blindedpay: [bad] }))).toBe('InvalidPayInfo');
    const inv = make({ invoice_paths: [path, path], invoice_blindedpay: [bad, payinfo] });
    expect(usablePaths(inv.fields)).toEqual([1]);
  });
  it('rejects unknown even invoice_features, accepts MPP bits', () => {
    expect(kindOf(() => make({ invoice_features: Uint8Array.of(1, 0, 0, 0) }))).toBe('UnknownEvenFeature'); // bit 24
    expect(make({ invoice_features: Uint8Array.of(1, 0, 0) }).fields.invoice_features).toEqual(Uint8Array.of(1, 0, 0)); // bit 16
  });
  it('expires after created_at + relative expiry (default 7200), when told the time', () => {
    const inv = make();
    expect(invoiceExpiresAt(inv.fields)).toBe(1_700_007_200n);
    expect(parseInvoice(inv.string, { now: 1_700_007_200 })).toBeDefined();
    expect(kindOf(() => parseInvoice(inv.string, { now: 1_700_007_201 }))).toBe('Expired');
    const short = make({ invoice_relative_expiry: 60 });
    expect(kindOf(() => parseInvoice(short.string, { now: 1_700_000_061 }))).toBe('Expired');
  });
  it('verifies the signature by invoice_node_id', () => {
    expect(kindOf(() => signInvoice(buildInvoice(invreq, own()), BOB.sign))).toBe('InvalidSignature');
    const bytes = make().bytes.slice();
    bytes[bytes.length - 1]! ^= 1;
    expect(inspectInvoice(bytes).problems.map((p) => p.kind)).toEqual(['InvalidSignature']);
  });
  it('checkInvoiceAnswers: mirrored fields, node id, amount', () => {
    const other = signInvoiceRequest(buildInvoiceRequest({ invreq_metadata: Uint8Array.of(2), invreq_payer_id: BOB.id }, { offer }), BOB.sign);
    expect(kindOf(() => checkInvoiceAnswers(make(), other))).toBe('Mismatch');
    const withAmount = signInvoiceRequest(buildInvoiceRequest({ invreq_metadata: Uint8Array.of(3), invreq_payer_id: BOB.id, invreq_amount: 1500n }, { offer }), BOB.sign);
    const cheap = signInvoice(buildInvoice(withAmount, own()), ALICE.sign);
    expect(() => checkInvoiceAnswers(cheap, withAmount)).toThrow(expect.objectContaining({ message: 'invoice_amount: not the invreq_amount' }));
    const wrongNode = signInvoice(buildInvoice(invreq, own({ invoice_node_id: BOB.id })), BOB.sign);
    expect(() => checkInvoiceAnswers(wrongNode, invreq)).toThrow(expect.objectContaining({ message: 'invoice_node_id: not the offer_issuer_id' }));
  });
});

describe('types', () => {
  it('parsed objects come only from parsers and builders', () => {
    const copy = { ...make() };
    // @ts-expect-error a hand-built object lacks the module-private brand
    const forged: import('../../../src/offers/bolt12/invoice.js').Bolt12Invoice = { bytes: copy.bytes, records: copy.records, fields: copy.fields, unknown: [], merkle_root: copy.merkle_root, invreq_id: copy.invreq_id, string: copy.string };
    expect(forged.string).toBe(copy.string);
  });
});

describe('invoice_error', () => {
  it('round-trips and enforces the writer rules', () => {
    const e = buildInvoiceError({ error: 'Unknown offer', erroneous_field: 22n, suggested_value: Uint8Array.of(1) });
    expect(parseInvoiceError(e.bytes).fields).toEqual({ error: 'Unknown offer', erroneous_field: 22n, suggested_value: Uint8Array.of(1) });
    expect(toHex(buildInvoiceError({ error: 'x' }).bytes)).toBe('050178');
    expect(kindOf(() => parseInvoiceError(Uint8Array.of(1, 1, 22)))).toBe('MissingField');
    expect(kindOf(() => buildInvoiceError({ error: 'x', suggested_value: Uint8Array.of(1) }))).toBe('UnexpectedField');
    expect(kindOf(() => parseInvoiceError(Uint8Array.of(4, 0, 5, 1, 0x78)))).toBe('UnknownEvenType');
  });
});
