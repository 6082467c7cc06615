import { describe, expect, it } from 'vitest';
import {
  buildInvoiceRequest,
  inspectInvoiceRequest,
  parseInvoiceRequest,
  signInvoiceRequest,
} from '../../../src/offers/bolt12/invoice-request.js';
import { buildOffer, type Offer } from '../../../src/offers/bolt12/offer.js';
import type { InvoiceRequestFields } from '../../../src/offers/bolt12/fields.js';
import { encodeRecord } from '../../../src/offers/bolt12/tlv-stream.js';
import { utf8 } from '../../../src/util/bytes.js';
import { CHAIN_HASH } from '../../../src/util/network.js';
import { fromHex, toHex } from '../../../src/util/hex.js';
import { ALICE, BOB, kindOf } from './helpers.js';

const META = Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8);
const offer = (extra: Partial<Parameters<typeof buildOffer>[0]> = {}) =>
  buildOffer({ offer_description: 'widget', offer_amount: 1000n, offer_issuer_id: ALICE.id, ...extra });
const request = (fields: InvoiceRequestFields, o?: Offer) =>
  signInvoiceRequest(buildInvoiceRequest({ invreq_metadata: META, invreq_payer_id: BOB.id, ...fields }, o ? { offer: o } : {}), BOB.sign);

describe('invoice_request writer', () => {
  it('copies the offer records verbatim, unknown ones included', () => {
    const o = buildOffer({ offer_description: 'widget', offer_issuer_id: ALICE.id }, [encodeRecord(33n, utf8('hello'))]);
    const r = request({ invreq_amount: 5n }, o);
    for (const rec of o.records) expect(r.records.some((x) => toHex(x.bytes) === toHex(rec.bytes))).toBe(true);
    expect(r.offer_id).toEqual(o.offer_id);
    expect(r.string.startsWith('lnr1')).toBe(true);
    expect(parseInvoiceRequest(r.string).bytes).toEqual(r.bytes);
  });
  it('refuses a signature among the fields', () => {
    expect(() => buildInvoiceRequest({ signature: new Uint8Array(64) })).toThrow(RangeError);
  });
});

describe('invoice_request reader MUSTs', () => {
  it('requires invreq_metadata and invreq_payer_id', () => {
    const noMeta = buildInvoiceRequest({ invreq_payer_id: BOB.id, invreq_amount: 5n }, { offer: offer() });
    expect(kindOf(() => signInvoiceRequest(noMeta, BOB.sign))).toBe('MissingField');
    const noPayer = buildInvoiceRequest({ invreq_metadata: META }, { offer: offer() });
    expect(() => signInvoiceRequest(noPayer, BOB.sign)).toThrow(expect.objectContaining({ message: 'invreq_payer_id: missing' }));
  });
  it('requires a signature, by the payer', () => {
    const u = buildInvoiceRequest({ invreq_metadata: META, invreq_payer_id: BOB.id }, { offer: offer() });
    const unsignedBytes = new Uint8Array(u.records.flatMap((r) => [...r.bytes]));
    expect(kindOf(() => parseInvoiceRequest(unsignedBytes))).toBe('MissingSignature');
    expect(kindOf(() => signInvoiceRequest(u, ALICE.sign))).toBe('InvalidSignature');
  });
  it('rejects non-signature fields outside 0–159 / 1e9–2999999999, accepts odd ones inside', () => {
    const o = offer();
    expect(kindOf(() => signInvoiceRequest(buildInvoiceRequest({ invreq_metadata: META, invreq_payer_id: BOB.id }, { offer: o, extra: [encodeRecord(161n, Uint8Array.of(1))] }), BOB.sign))).toBe('OutOfRange');
    expect(kindOf(() => signInvoiceRequest(buildInvoiceRequest({ invreq_metadata: META, invreq_payer_id: BOB.id }, { offer: o, extra: [encodeRecord(3_000_000_001n, Uint8Array.of(1))] }), BOB.sign))).toBe('OutOfRange');
    const ok = signInvoiceRequest(buildInvoiceRequest({ invreq_metadata: META, invreq_payer_id: BOB.id }, { offer: o, extra: [encodeRecord(2_999_999_999n, Uint8Array.of(1))] }), BOB.sign);
    expect(ok.unknown.map((r) => r.type)).toEqual([2_999_999_999n]);
  });
  it('rejects unknown even invreq_features bits', () => {
    expect(kindOf(() => request({ invreq_features: Uint8Array.of(4) }, offer()))).toBe('UnknownEvenFeature');
    expect(request({ invreq_features: Uint8Array.of(8) }, offer()).fields.invreq_features).toEqual(Uint8Array.of(8));
  });
  it('rejects 0-hop invreq_paths', () => {
    const empty = { first_node_id: { node_id: BOB.id }, first_path_key: BOB.id, path: [] };
    expect(kindOf(() => request({ invreq_paths: [empty] }, offer()))).toBe('EmptyPath');
  });
  it('applies the quantity rules', () => {
    expect(kindOf(() => request({}, offer({ offer_quantity_max: 5n })))).toBe('InvalidQuantity');
    expect(kindOf(() => request({ invreq_quantity: 0n }, offer({ offer_quantity_max: 5n })))).toBe('InvalidQuantity');
    expect(kindOf(() => request({ invreq_quantity: 6n, invreq_amount: 6000n }, offer({ offer_quantity_max: 5n })))).toBe('InvalidQuantity');
    expect(request({ invreq_quantity: 5n }, offer({ offer_quantity_max: 5n })).fields.invreq_quantity).toBe(5n);
    expect(request({ invreq_quantity: 1000n, invreq_amount: 1_000_000n }, offer({ offer_quantity_max: 0n })).fields.invreq_quantity).toBe(1000n);
    expect(kindOf(() => request({ invreq_quantity: 1n }, offer()))).toBe('InvalidQuantity');
  });
  it('applies the amount rules', () => {
    expect(kindOf(() => request({ invreq_amount: 999n }, offer()))).toBe('InvalidAmount');
    expect(kindOf(() => request({ invreq_quantity: 2n, invreq_amount: 1999n }, offer({ offer_quantity_max: 2n })))).toBe('InvalidAmount');
    expect(request({ invreq_quantity: 2n, invreq_amount: 2000n }, offer({ offer_quantity_max: 2n })).fields.invreq_amount).toBe(2000n);
    const noAmount = buildOffer({ offer_issuer_id: ALICE.id });
    expect(kindOf(() => request({}, noAmount))).toBe('InvalidAmount');
    // Currency offers need a rate: left to the merchant flow.
    expect(request({ invreq_amount: 1n }, offer({ offer_currency: 'USD' })).fields.invreq_amount).toBe(1n);
  });
  it('refund (no offer): needs invreq_amount, refuses offer_chains/features/quantity_max', () => {
    const refund = request({ offer_description: 'refund', invreq_amount: 500n });
    expect(refund.offer_id).toBeUndefined();
    expect(kindOf(() => request({ offer_description: 'refund' }))).toBe('MissingField');
    for (const extra of [{ offer_chains: [fromHex(CHAIN_HASH.bitcoin)] }, { offer_features: Uint8Array.of(2) }, { offer_quantity_max: 2n }]) {
      expect(kindOf(() => request({ offer_description: 'refund', invreq_amount: 500n, ...extra }))).toBe('UnexpectedField');
    }
  });
  it('checks the chain when asked and the BIP 353 name charset', () => {
    const r = request({}, offer());
    expect(kindOf(() => parseInvoiceRequest(r.string, { chain: fromHex(CHAIN_HASH.testnet) }))).toBe('UnsupportedChain');
    expect(parseInvoiceRequest(r.string, { chain: fromHex(CHAIN_HASH.bitcoin) })).toBeDefined();
    const good = { name: utf8('satoshi'), domain: utf8('example.com') };
    expect(request({ invreq_bip_353_name: good }, offer()).fields.invreq_bip_353_name).toEqual(good);
    expect(kindOf(() => request({ invreq_bip_353_name: { name: utf8('sat oshi'), domain: utf8('x.com') } }, offer()))).toBe('InvalidBip353Name');
    const { problems } = inspectInvoiceRequest(request({}, offer()).bytes);
    expect(problems).toEqual([]);
  });
  it('ids: invreq_id is SHA256 of the non-signature records, offer_id that of the offer records', () => {
    const r = request({}, offer());
    const again = request({}, offer());
    expect(r.invreq_id).toEqual(again.invreq_id);
    expect(request({ invreq_payer_note: 'x' }, offer()).invreq_id).not.toEqual(r.invreq_id);
    expect(r.offer_id).toEqual(offer().offer_id);
  });
});
