import { describe, expect, it } from 'vitest';
import {
  FAILURE_CODE,
  finalIncorrectCltvExpiry,
  finalIncorrectHtlcAmount,
  incorrectOrUnknownPaymentDetails,
  invalidOnionPayload,
  mppTimeout,
} from '../../../src/invoice/payments/htlc-failure.js';
import { toHex } from '../../../src/util/hex.js';
import { decodeFailure } from '../../helpers/payer.js';

describe('BOLT 4 failure messages', () => {
  it('uses the BOLT 4 codes', () => {
    expect(FAILURE_CODE).toEqual({
      incorrect_or_unknown_payment_details: 0x400f,
      final_incorrect_cltv_expiry: 18,
      final_incorrect_htlc_amount: 19,
      invalid_onion_payload: 0x4016,
      mpp_timeout: 23,
    });
  });

  it('encodes incorrect_or_unknown_payment_details: u16 code, u64 htlc_msat, u32 height', () => {
    const f = incorrectOrUnknownPaymentDetails(0x0102030405060708n, 0x0a0b0c0d);
    expect(f.name).toBe('incorrect_or_unknown_payment_details');
    expect(toHex(f.message)).toBe('400f' + '0102030405060708' + '0a0b0c0d');
    expect(decodeFailure(toHex(f.message))).toEqual({
      code: 0x400f,
      name: 'incorrect_or_unknown_payment_details',
      htlc_msat: 0x0102030405060708n,
      height: 0x0a0b0c0d,
    });
  });

  it('encodes final_incorrect_cltv_expiry and final_incorrect_htlc_amount', () => {
    expect(toHex(finalIncorrectCltvExpiry(800_018).message)).toBe('0012' + '000c3512');
    expect(toHex(finalIncorrectHtlcAmount((1n << 64n) - 1n).message)).toBe('0013' + 'ffffffffffffffff');
  });

  it('encodes invalid_onion_payload with a bigsize type and a u16 offset', () => {
    expect(toHex(invalidOnionPayload(16n, 0).message)).toBe('4016' + '10' + '0000');
    expect(toHex(invalidOnionPayload(253n, 7).message)).toBe('4016' + 'fd00fd' + '0007');
    expect(toHex(invalidOnionPayload(0x10000n, 1).message)).toBe('4016' + 'fe00010000' + '0001');
  });

  it('encodes mpp_timeout with no data', () => {
    expect(toHex(mppTimeout().message)).toBe('0017');
  });

  it('refuses values out of their field range', () => {
    expect(() => incorrectOrUnknownPaymentDetails(1n << 64n, 0)).toThrow(RangeError);
    expect(() => incorrectOrUnknownPaymentDetails(0n, 2 ** 32)).toThrow(RangeError);
    expect(() => invalidOnionPayload(1n, 0x10000)).toThrow(RangeError);
  });
});
