import { sha256 } from '@noble/hashes/sha2.js';
import { describe, expect, it } from 'vitest';
import { Bolt12ParseError, type Bolt12ParseErrorKind } from '../../../src/offers/bolt12/errors.js';
import { buildOffer, inspectOffer, parseOffer } from '../../../src/offers/bolt12/offer.js';
import { utf8 } from '../../../src/util/bytes.js';
import { CHAIN_HASH } from '../../../src/util/network.js';
import { fromHex, toHex } from '../../../src/util/hex.js';
import { loadVector } from '../../helpers/vectors.js';
import { ALICE, rec, str } from './helpers.js';

interface OfferVector {
  description: string;
  valid: boolean;
  bolt12: string;
  fields?: { type: number; length: number; hex: string }[];
}
const vectors = loadVector<OfferVector[]>('offers-test.json');

/** The error each official invalid offer actually produces (several fail earlier than described: bolt-notes §4). */
const EXPECTED_KIND: Record<string, Bolt12ParseErrorKind> = {
  'Malformed: fields out of order': 'TypeOrder',
  'Malformed: unknown even TLV type 78': 'UnknownEvenType', // the bytes hold type 72
  'Malformed: empty': 'MissingIssuerId',
  'Malformed: truncated at type': 'Truncated',
  'Malformed: truncated in length': 'Truncated',
  'Malformed: truncated after length': 'Truncated',
  'Malformed: truncated in description': 'Truncated',
  'Malformed: invalid offer_chains length': 'InvalidLength',
  'Malformed: truncated currency UTF-8': 'InvalidUtf8',
  'Malformed: invalid currency UTF-8': 'InvalidUtf8',
  'Malformed: truncated description UTF-8': 'InvalidUtf8',
  'Malformed: invalid description UTF-8': 'InvalidUtf8',
  'Malformed: truncated offer_paths': 'Truncated',
  // The five blinded_path malformations carry a wrong outer length and fail on type order.
  'Malformed: zero num_hops in blinded_path': 'TypeOrder',
  'Malformed: truncated onionmsg_hop in blinded_path': 'TypeOrder',
  'Malformed: bad first_node_id in blinded_path': 'TypeOrder',
  'Malformed: bad path_key in blinded_path': 'TypeOrder',
  'Malformed: bad blinded_node_id in onionmsg_hop': 'TypeOrder',
  'Malformed: truncated issuer UTF-8': 'InvalidUtf8',
  'Malformed: invalid issuer UTF-8': 'InvalidUtf8',
  'Malformed: invalid offer_issuer_id': 'InvalidPoint',
  'Contains type >= 80': 'OutOfRange',
  // These two write the type as fd+2 bytes and fail on truncation.
  'Contains type > 1999999999': 'Truncated',
  'Contains unknown even type (1000000002)': 'Truncated',
  'Contains unknown feature 122': 'UnknownEvenFeature',
  'Missing offer_description, but has offer_amount': 'MissingDescription',
  'Missing offer_amount with offer_currency': 'MissingAmount',
  'Invalid: zero offer_amount': 'ZeroAmount',
  'Invalid: zero offer_amount with currency': 'ZeroAmount',
  'Missing offer_issuer_id and no offer_path': 'MissingIssuerId',
  'Second offer_path is empty': 'EmptyPath',
  'offer_chains with zero entries': 'EmptyChains',
  'Bech32 padding exceeds 4-bit limit': 'InvalidPadding',
};

describe('offers-test.json', () => {
  for (const v of vectors.filter((x) => x.valid)) {
    it(`valid: ${v.description}`, () => {
      const offer = parseOffer(v.bolt12);
      expect(offer.records.map((r) => ({ type: Number(r.type), length: r.value.length, hex: toHex(r.value) }))).toEqual(v.fields);
      // Writer: the typed fields and unknown records re-create the same string.
      expect(buildOffer(offer.fields, offer.unknown).string).toBe(v.bolt12);
    });
  }
  for (const v of vectors.filter((x) => !x.valid)) {
    it(`invalid: ${v.description}`, () => {
      let err: unknown;
      try {
        parseOffer(v.bolt12);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(Bolt12ParseError);
      expect((err as Bolt12ParseError).kind).toBe(EXPECTED_KIND[v.description]);
    });
  }
  it('lists an expected kind for every invalid vector', () => {
    expect(vectors.filter((x) => !x.valid).map((x) => x.description).sort()).toEqual(Object.keys(EXPECTED_KIND).sort());
  });
});

describe('offers-test.json typed fields', () => {
  const byDesc = (d: string) => parseOffer(vectors.find((v) => v.description === d)!.bolt12).fields;
  it('decodes each field to its type', () => {
    expect(byDesc('with description (but no amount)').offer_description).toBe('Test vectors');
    expect(byDesc('for testnet').offer_chains!.map(toHex)).toEqual([CHAIN_HASH.testnet]);
    expect(byDesc('with amount').offer_amount).toBe(10000n);
    expect(byDesc('with currency').offer_currency).toBe('USD');
    expect(byDesc('with expiry').offer_absolute_expiry).toBe(0x7a4297d8n);
    expect(byDesc('with issuer').offer_issuer).toBe('https://bolt12.org BOLT12 industries');
    expect(byDesc('with quantity').offer_quantity_max).toBe(5n);
    expect(byDesc('with unlimited (or unknown) quantity').offer_quantity_max).toBe(0n);
    expect(toHex(byDesc('Minimal bolt12 offer').offer_issuer_id!)).toBe('02eec7245d6b7d2ccb30380bfbe2a3648cd7a942653f5aa340edcea1f283686619');
  });
  it('decodes blinded paths, including the sciddir form', () => {
    const two = byDesc('... and with second blinded path via 1x2x3 (direction 1), path_key 020202...').offer_paths!;
    expect(two).toHaveLength(2);
    expect(toHex((two[0]!.first_node_id as { node_id: Uint8Array }).node_id)).toBe(
      '0324653eac434488002cc06bbfb7f10fe18991e35f9fe4302dbea6d2353dc0ab1c',
    );
    expect(two[0]!.path.map((h) => toHex(h.encrypted_recipient_data))).toEqual(['00'.repeat(16), '11'.repeat(8)]);
    expect(two[1]!.first_node_id).toEqual({ short_channel_id: (1n << 40n) | (2n << 16n) | 3n, direction: 1 });
    expect(two[1]!.path.map((h) => toHex(h.encrypted_recipient_data))).toEqual(['00'.repeat(16), '22'.repeat(8)]);
    const scid = byDesc('same, with blinded path first_node_id using sciddir').offer_paths![0]!;
    expect(scid.first_node_id).toEqual({ short_channel_id: 42n, direction: 0 });
  });
  it('keeps unknown odd fields verbatim', () => {
    const offer = parseOffer(vectors.find((v) => v.description === 'unknown odd experimental field')!.bolt12);
    expect(offer.unknown.map((r) => [r.type, toHex(r.value)])).toEqual([[1000000033n, toHex(utf8('helloworld'))]]);
  });
});

/** Targeted tests for the rules the official invalid vectors reach only by accident. */
describe('offer reader rules', () => {
  const desc = rec(10n, utf8('Test vectors'));
  const issuer = rec(22n, ALICE.id);
  const path = (hops: number) => {
    const hop = new Uint8Array([...ALICE.id, 0, 1, 0xaa]);
    const parts = [ALICE.id, ALICE.id, Uint8Array.of(hops), ...Array.from({ length: hops }, () => hop)];
    return new Uint8Array(parts.flatMap((p) => [...p]));
  };

  it('rejects a 0-hop blinded path (correct outer length)', () => {
    expect(() => parseOffer(str('lno', desc, rec(16n, path(0)), issuer))).toThrow(
      expect.objectContaining({ kind: 'EmptyPath', message: 'offer_paths: blinded path 0 has 0 hops' }),
    );
    expect(parseOffer(str('lno', desc, rec(16n, path(1)))).fields.offer_paths).toHaveLength(1);
  });
  it('rejects a truncated hop and bad points inside a path', () => {
    const p = path(1);
    expect(() => parseOffer(str('lno', desc, rec(16n, p.subarray(0, p.length - 1)), issuer))).toThrow(
      expect.objectContaining({ kind: 'Truncated' }),
    );
    const badKey = p.slice();
    badKey[33] = 0x04;
    expect(() => parseOffer(str('lno', desc, rec(16n, badKey), issuer))).toThrow(expect.objectContaining({ kind: 'InvalidPoint' }));
    const badFirst = p.slice();
    badFirst[0] = 0x04;
    expect(() => parseOffer(str('lno', desc, rec(16n, badFirst), issuer))).toThrow(expect.objectContaining({ kind: 'InvalidValue' }));
  });
  it('rejects types above 1,999,999,999 (even or odd), minimally encoded', () => {
    expect(() => parseOffer(str('lno', desc, issuer, rec(2_000_000_001n, '00')))).toThrow(
      expect.objectContaining({ kind: 'OutOfRange', message: 'offer: record 2000000001 is outside the offer ranges' }),
    );
    expect(() => parseOffer(str('lno', desc, issuer, rec(1n << 40n, '00')))).toThrow(expect.objectContaining({ kind: 'OutOfRange' }));
  });
  it('rejects types between the ranges (80..999,999,999) and type 0', () => {
    expect(() => parseOffer(str('lno', desc, issuer, rec(81n, '00')))).toThrow(expect.objectContaining({ kind: 'OutOfRange' }));
    expect(() => parseOffer(str('lno', rec(0n, '00'), desc, issuer))).toThrow(expect.objectContaining({ kind: 'OutOfRange' }));
  });
  it('rejects an unknown even type inside the ranges (78, 1000000002)', () => {
    expect(() => parseOffer(str('lno', desc, issuer, rec(78n, '00')))).toThrow(
      expect.objectContaining({ kind: 'UnknownEvenType', message: 'offer: unknown even type 78' }),
    );
    expect(() => parseOffer(str('lno', desc, issuer, rec(1_000_000_002n, '00')))).toThrow(
      expect.objectContaining({ kind: 'UnknownEvenType' }),
    );
    expect(parseOffer(str('lno', desc, issuer, rec(77n, '00'))).unknown).toHaveLength(1);
  });
  it('rejects non-minimal BigSize types and lengths', () => {
    const nonMinimalType = Uint8Array.of(0xfd, 0x00, 0x0a, 0x01, 0x61); // type 10 as fd000a
    expect(() => parseOffer(str('lno', nonMinimalType, issuer))).toThrow(expect.objectContaining({ kind: 'NonMinimalBigSize' }));
    const nonMinimalLen = Uint8Array.of(0x0a, 0xfd, 0x00, 0x01, 0x61);
    expect(() => parseOffer(str('lno', nonMinimalLen, issuer))).toThrow(expect.objectContaining({ kind: 'NonMinimalBigSize' }));
  });
  it('rejects duplicate types', () => {
    expect(() => parseOffer(str('lno', desc, desc, issuer))).toThrow(expect.objectContaining({ kind: 'TypeOrder' }));
  });
  it('rejects a non-minimal offer_amount and a wrong-length issuer id', () => {
    expect(() => parseOffer(str('lno', rec(8n, '0064'), desc, issuer))).toThrow(expect.objectContaining({ kind: 'NonMinimalInteger' }));
    expect(() => parseOffer(str('lno', desc, rec(22n, ALICE.id.subarray(0, 32))))).toThrow(
      expect.objectContaining({ kind: 'InvalidLength', message: 'offer_issuer_id: point must be 33 bytes, not 32' }),
    );
  });
  it('accepts odd unknown feature bits and rejects even ones', () => {
    expect(parseOffer(str('lno', desc, rec(12n, '02'), issuer)).fields.offer_features).toEqual(Uint8Array.of(2));
    expect(() => parseOffer(str('lno', desc, rec(12n, '01'), issuer))).toThrow(
      expect.objectContaining({ kind: 'UnknownEvenFeature', message: 'offer_features: unknown even feature bit 0' }),
    );
  });
  it('checks expiry and chain only when asked', () => {
    const s = str('lno', desc, rec(14n, '64'), issuer); // expires at 100
    expect(parseOffer(s, { now: 100 }).fields.offer_absolute_expiry).toBe(100n);
    expect(() => parseOffer(s, { now: 101n })).toThrow(expect.objectContaining({ kind: 'Expired' }));
    expect(parseOffer(s, { chain: fromHex(CHAIN_HASH.bitcoin) })).toBeDefined();
    expect(() => parseOffer(s, { chain: fromHex(CHAIN_HASH.regtest) })).toThrow(expect.objectContaining({ kind: 'UnsupportedChain' }));
    const testnet = str('lno', rec(2n, CHAIN_HASH.testnet + CHAIN_HASH.regtest), desc, issuer);
    expect(parseOffer(testnet, { chain: fromHex(CHAIN_HASH.regtest) })).toBeDefined();
  });
  it('negative built from a valid offer: deleting offer_description (STYLE 12)', () => {
    const offer = buildOffer({ offer_description: 'coffee', offer_amount: 1000n, offer_issuer_id: ALICE.id });
    const { offer_description: _, ...rest } = offer.fields;
    const bytes = new Uint8Array(offer.records.filter((r) => r.type !== 10n).flatMap((r) => [...r.bytes]));
    expect(() => parseOffer(bytes)).toThrow(expect.objectContaining({ kind: 'MissingDescription' }));
    expect(() => buildOffer(rest)).toThrow(expect.objectContaining({ kind: 'MissingDescription' }));
  });
  it('computes offer_id as CLN does (SHA256 of the offer records)', () => {
    const offer = parseOffer(vectors[0]!.bolt12);
    expect(toHex(offer.offer_id)).toBe(toHex(sha256(offer.bytes)));
    const { offer: view, problems } = inspectOffer(vectors[0]!.bolt12);
    expect(problems).toEqual([]);
    expect(view.offer_id).toEqual(offer.offer_id);
  });
});
