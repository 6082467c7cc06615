import { describe, expect, it } from 'vitest';
import { readBigSize, writeBigSize, readTruncated, writeTruncated } from '../../../src/offers/bolt12/bigsize.js';
import { Bolt12ParseError } from '../../../src/offers/bolt12/errors.js';
import { fromHex, toHex } from '../../../src/util/hex.js';
import { loadVector } from '../../helpers/vectors.js';

interface BigSizeCase {
  name: string;
  value: number | bigint;
  bytes: string;
  exp_error?: string;
}
// JSON.parse loses precision above 2^53; re-read the one large value from its bytes' intent.
const vectors = loadVector<{ decoding: BigSizeCase[]; encoding: BigSizeCase[] }>('bolt01-bigsize-test.json');
const exact = (c: BigSizeCase) => (c.name === 'eight byte high' ? 18446744073709551615n : BigInt(c.value));

describe('BigSize (BOLT 1 Appendix A)', () => {
  for (const c of vectors.decoding) {
    it(`decodes: ${c.name}`, () => {
      if (c.exp_error) {
        let err: unknown;
        try {
          readBigSize(fromHex(c.bytes));
        } catch (e) {
          err = e;
        }
        expect(err).toBeInstanceOf(Bolt12ParseError);
        expect((err as Bolt12ParseError).message).toContain(c.exp_error);
        expect((err as Bolt12ParseError).kind).toBe(c.exp_error.includes('canonical') ? 'NonMinimalBigSize' : 'Truncated');
      } else {
        expect(readBigSize(fromHex(c.bytes))).toBe(exact(c));
      }
    });
  }
  for (const c of vectors.encoding) {
    it(`encodes: ${c.name}`, () => {
      expect(toHex(writeBigSize(exact(c)))).toBe(c.bytes);
    });
  }
  it('rejects values outside u64 when writing', () => {
    expect(() => writeBigSize(1n << 64n)).toThrow(RangeError);
    expect(() => writeBigSize(-1n)).toThrow(RangeError);
  });
});

describe('tu64 / tu32', () => {
  it('0 is the empty value and values are minimal big-endian', () => {
    expect(toHex(writeTruncated(0n))).toBe('');
    expect(toHex(writeTruncated(10000n))).toBe('2710');
    expect(toHex(writeTruncated((1n << 64n) - 1n))).toBe('ffffffffffffffff');
    expect(readTruncated(new Uint8Array(0), 8, 'x')).toBe(0n);
    expect(readTruncated(fromHex('2710'), 8, 'x')).toBe(10000n);
  });
  it('rejects a leading zero byte as non-minimal', () => {
    expect(() => readTruncated(fromHex('0001'), 8, 'offer_amount')).toThrow(
      expect.objectContaining({ kind: 'NonMinimalInteger', message: 'offer_amount: tu64 is not minimal' }),
    );
    expect(() => readTruncated(fromHex('00'), 4, 'x')).toThrow(expect.objectContaining({ kind: 'NonMinimalInteger' }));
  });
  it('rejects values longer than the type', () => {
    expect(() => readTruncated(fromHex('0102030405'), 4, 'invoice_relative_expiry')).toThrow(
      expect.objectContaining({ kind: 'InvalidLength' }),
    );
    expect(() => readTruncated(fromHex('010203040506070809'), 8, 'x')).toThrow(expect.objectContaining({ kind: 'InvalidLength' }));
  });
});
