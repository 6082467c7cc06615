import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeBolt12As, decodeBolt12String, encodeBolt12String } from '../../../src/offers/bolt12/string.js';
import { parseOffer } from '../../../src/offers/bolt12/offer.js';
import { equalBytes } from '../../../src/util/bytes.js';
import { loadVector } from '../../helpers/vectors.js';

const cases = loadVector<{ comment: string; valid: boolean; string: string }[]>('format-string-test.json');
const canonical = cases[0]!.string;

describe('bolt12 string format (format-string-test.json)', () => {
  cases.forEach((c, i) => {
    it(`#${i} ${c.comment}: ${c.valid ? 'valid' : 'invalid'}`, () => {
      if (c.valid) {
        const offer = parseOffer(c.string);
        expect(offer.string).toBe(canonical);
      } else {
        expect(() => parseOffer(c.string)).toThrow(expect.objectContaining({ name: 'Bolt12ParseError', kind: 'InvalidString' }));
      }
    });
  });
});

describe('bolt12 string rules', () => {
  it('rejects a + next to whitespace on its left', () => {
    expect(() => decodeBolt12String('lno1qq +qq')).toThrow(expect.objectContaining({ kind: 'InvalidString' }));
  });
  it('rejects whitespace without a +', () => {
    expect(() => decodeBolt12String('lno1qq qq')).toThrow(expect.objectContaining({ kind: 'InvalidString' }));
  });
  it('rejects characters outside bech32 (b, i, o, 1 in data)', () => {
    for (const bad of ['lno1qqb', 'lno1qqi', 'lno1qqo']) {
      expect(() => decodeBolt12String(bad)).toThrow(expect.objectContaining({ kind: 'InvalidString' }));
    }
  });
  it('rejects a missing separator', () => {
    expect(() => decodeBolt12String('lnoqqqq')).toThrow(expect.objectContaining({ kind: 'InvalidString' }));
  });
  it('rejects the wrong prefix for the expected type', () => {
    expect(() => decodeBolt12As(canonical, 'lnr')).toThrow(
      expect.objectContaining({ kind: 'InvalidPrefix', message: 'bolt12: unexpected prefix lno, expected lnr' }),
    );
  });
  it('rejects 5 or more padding bits (a whole spare character)', () => {
    // 'qq' = 10 bits → 1 byte + 2 padding bits: fine. 'qqq' = 15 bits → 1 byte + 7 bits: too many.
    expect(decodeBolt12String('lno1qq').bytes).toEqual(Uint8Array.of(0));
    expect(() => decodeBolt12String('lno1qqq')).toThrow(expect.objectContaining({ kind: 'InvalidPadding' }));
  });
  it('rejects non-zero padding bits', () => {
    // 'qp': 00000 00001 → byte 0x00 and padding bits '01'.
    expect(() => decodeBolt12String('lno1qp')).toThrow(
      expect.objectContaining({ kind: 'InvalidPadding', message: 'bolt12: non-zero padding bits' }),
    );
  });
  it('round-trips any bytes, in lower and upper case', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        const s = encodeBolt12String('lni', bytes);
        expect(equalBytes(decodeBolt12String(s).bytes, bytes)).toBe(true);
        expect(equalBytes(decodeBolt12String(s.toUpperCase()).bytes, bytes)).toBe(true);
      }),
    );
  });
});
