import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { blockHeightOf, parseHtlcAccepted, parseMsatField } from '../../../src/invoice/payments/htlc-payload.js';
import { InvoiceError } from '../../../src/invoice/errors.js';

/** A payload exactly as CLN's htlc_accepted hook serializes it (final hop, with payment_secret). */
const CLN_PAYLOAD = {
  peer_id: '02' + '11'.repeat(32),
  onion: {
    payload: '2c0203061a8004030c350c08200102',
    type: 'tlv',
    forward_msat: 100000,
    outgoing_cltv_value: 800020,
    total_msat: 300000,
    payment_secret: 'ab'.repeat(32),
    next_onion: '00'.repeat(1366),
    shared_secret: 'cd'.repeat(32),
  },
  htlc: {
    short_channel_id: '103x1x0',
    id: 7,
    amount_msat: 100001,
    cltv_expiry: 800020,
    cltv_expiry_relative: 20,
    payment_hash: 'ef'.repeat(32),
    extra_tlvs: '',
  },
};

function errorOf(f: () => unknown): InvoiceError {
  try {
    f();
  } catch (e) {
    if (e instanceof InvoiceError) return e;
    throw e;
  }
  throw new Error('did not throw');
}

describe('parseHtlcAccepted', () => {
  it("reads CLN's hook payload, ignoring the fields it does not use", () => {
    const p = parseHtlcAccepted(CLN_PAYLOAD.onion, CLN_PAYLOAD.htlc);
    expect(p.onion.forward_msat).toBe(100000n);
    expect(p.onion.total_msat).toBe(300000n);
    expect(p.onion.outgoing_cltv_value).toBe(800020);
    expect(p.onion.payment_secret).toEqual(new Uint8Array(32).fill(0xab));
    expect(p.onion.payment_metadata).toBeUndefined();
    expect(p.htlc).toMatchObject({ short_channel_id: '103x1x0', id: 7n, amount_msat: 100001n, cltv_expiry: 800020 });
    expect(blockHeightOf(p.htlc)).toBe(800000);
  });

  it('reads old "123msat" strings and bigints', () => {
    const p = parseHtlcAccepted(
      { ...CLN_PAYLOAD.onion, forward_msat: '100000msat', total_msat: 18446744073709551615n },
      { ...CLN_PAYLOAD.htlc, amount_msat: '100001msat', id: 9223372036854775807n },
    );
    expect(p.onion.forward_msat).toBe(100000n);
    expect(p.onion.total_msat).toBe(18446744073709551615n);
    expect(p.htlc.amount_msat).toBe(100001n);
    expect(p.htlc.id).toBe(9223372036854775807n);
    // The database holds ids as signed 64-bit integers: 2^63 and above are refused here (issue 18 item 9).
    expect(() => parseHtlcAccepted(CLN_PAYLOAD.onion, { ...CLN_PAYLOAD.htlc, id: 9223372036854775808n })).toThrow(
      'htlc.id: should be an unsigned integer up to 9223372036854775807',
    );
  });

  it('accepts a negative cltv_expiry_relative (an HTLC already past its expiry)', () => {
    const p = parseHtlcAccepted(CLN_PAYLOAD.onion, { ...CLN_PAYLOAD.htlc, cltv_expiry_relative: -3 });
    expect(blockHeightOf(p.htlc)).toBe(800023);
  });

  it.each([
    ['onion', null, CLN_PAYLOAD.htlc, 'onion: should be an object'],
    ['htlc', CLN_PAYLOAD.onion, [], 'htlc: should be an object'],
    ['onion.forward_msat', { ...CLN_PAYLOAD.onion, forward_msat: undefined }, CLN_PAYLOAD.htlc, 'onion.forward_msat: missing'],
    ['onion.forward_msat', { ...CLN_PAYLOAD.onion, forward_msat: -1 }, CLN_PAYLOAD.htlc, 'onion.forward_msat: should be a millisatoshi amount'],
    ['onion.forward_msat', { ...CLN_PAYLOAD.onion, forward_msat: 1.5 }, CLN_PAYLOAD.htlc, 'onion.forward_msat: should be a millisatoshi amount'],
    ['onion.total_msat', { ...CLN_PAYLOAD.onion, total_msat: '18446744073709551616' }, CLN_PAYLOAD.htlc, 'onion.total_msat: should be a millisatoshi amount'],
    ['onion.payment_secret', { ...CLN_PAYLOAD.onion, payment_secret: 'ab' }, CLN_PAYLOAD.htlc, 'onion.payment_secret: should be 32 bytes of hex'],
    ['onion.payment_metadata', { ...CLN_PAYLOAD.onion, payment_metadata: 'xyz' }, CLN_PAYLOAD.htlc, 'onion.payment_metadata: should be a hex string'],
    ['onion.outgoing_cltv_value', { ...CLN_PAYLOAD.onion, outgoing_cltv_value: 2 ** 32 }, CLN_PAYLOAD.htlc, 'onion.outgoing_cltv_value: should be an unsigned integer up to 4294967295'],
    ['htlc.short_channel_id', CLN_PAYLOAD.onion, { ...CLN_PAYLOAD.htlc, short_channel_id: '103:1:0' }, 'htlc.short_channel_id: should be a short channel id'],
    ['htlc.id', CLN_PAYLOAD.onion, { ...CLN_PAYLOAD.htlc, id: undefined }, 'htlc.id: missing'],
    ['htlc.payment_hash', CLN_PAYLOAD.onion, { ...CLN_PAYLOAD.htlc, payment_hash: 'ef'.repeat(31) }, 'htlc.payment_hash: should be 32 bytes of hex'],
    ['htlc.cltv_expiry_relative', CLN_PAYLOAD.onion, { ...CLN_PAYLOAD.htlc, cltv_expiry_relative: 'x' }, 'htlc.cltv_expiry_relative: should be a signed 32-bit integer'],
    ['htlc.cltv_expiry_relative', CLN_PAYLOAD.onion, { ...CLN_PAYLOAD.htlc, cltv_expiry_relative: 800021 }, 'htlc.cltv_expiry_relative: gives a block height out of range'],
  ])('refuses a bad %s', (param, onion, htlc, message) => {
    const e = errorOf(() => parseHtlcAccepted(onion, htlc));
    expect(e.kind).toBe('InvalidParams');
    expect(e.message).toBe(message);
    expect(e.extra.param).toBe(param);
  });

  it('reads every u64 amount in both forms and nothing else', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), (v) => {
        expect(parseMsatField(`${v}msat`, 'x')).toBe(v);
        expect(parseMsatField(v, 'x')).toBe(v);
      }),
    );
    for (const bad of [NaN, Infinity, 1e309, '', '0x10', '1 msat', 'msat', {}, [], true, null, 2 ** 53]) {
      expect(() => parseMsatField(bad, 'x')).toThrow('x: should be a millisatoshi amount');
    }
  });
});
