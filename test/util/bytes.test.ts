import { describe, expect, it } from 'vitest';
import { bigIntToBytes, bytesToBigInt, compareBytes, concatBytes, decodeUtf8, equalBytes, utf8 } from '../../src/util/bytes.js';
import { fromHex, isHex, toHex } from '../../src/util/hex.js';

describe('bytes', () => {
  it('decodeUtf8 is strict and keeps a leading byte-order mark', () => {
    expect(decodeUtf8(utf8('\uFEFFcafé'))).toBe('\uFEFFcafé');
    expect(decodeUtf8(new Uint8Array([0xc3]))).toBeUndefined();
    expect(decodeUtf8(new Uint8Array([0xed, 0xa0, 0x80]))).toBeUndefined(); // lone surrogate
  });

  it('big-endian integers round-trip and refuse what does not fit', () => {
    expect(bytesToBigInt(bigIntToBytes(2n ** 64n - 1n, 8))).toBe(2n ** 64n - 1n);
    expect(bytesToBigInt(new Uint8Array())).toBe(0n);
    expect(() => bigIntToBytes(256n, 1)).toThrow(RangeError);
    expect(() => bigIntToBytes(-1n, 1)).toThrow(RangeError);
  });

  it('compares, concatenates and tests equality byte-wise', () => {
    expect(compareBytes(fromHex('0102'), fromHex('0103'))).toBeLessThan(0);
    expect(compareBytes(fromHex('01'), fromHex('0100'))).toBeLessThan(0);
    expect(toHex(concatBytes(fromHex('ab'), new Uint8Array(), fromHex('cd')))).toBe('abcd');
    expect(equalBytes(fromHex('abcd'), fromHex('abcd'))).toBe(true);
    expect(equalBytes(fromHex('abcd'), fromHex('abce'))).toBe(false);
  });

  it('hex is strict about form and length', () => {
    expect(isHex('AbCd')).toBe(true);
    expect(isHex('abc')).toBe(false);
    expect(isHex('zz')).toBe(false);
    expect(() => fromHex('00', 2)).toThrow(RangeError);
    expect(toHex(fromHex('00ff', 2))).toBe('00ff');
  });
});
