import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bolt12PathSecret, paymentSecretFromPreimage } from '../../../src/invoice/payments/secret.js';
import { toHex } from '../../../src/util/hex.js';

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

describe('paymentSecretFromPreimage', () => {
  it('is SHA256 of the preimage with bit 0 of byte 0 flipped (CLN invoice_secret)', () => {
    const pre = new Uint8Array(32).fill(0x11);
    const flipped = new Uint8Array(32).fill(0x11);
    flipped[0] = 0x10;
    expect(toHex(paymentSecretFromPreimage(pre))).toBe(sha(flipped));
  });

  it('leaves the preimage untouched and differs from the payment hash', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), (pre) => {
        const copy = pre.slice();
        const secret = paymentSecretFromPreimage(pre);
        expect(pre).toEqual(copy);
        expect(toHex(secret)).not.toBe(sha(pre));
      }),
    );
  });

  it('leaves a Node Buffer preimage untouched (Buffer.slice is a view, not a copy)', () => {
    const pre = Buffer.alloc(32, 0x22);
    const secret = paymentSecretFromPreimage(pre);
    expect(pre.equals(Buffer.alloc(32, 0x22))).toBe(true);
    const flipped = Buffer.alloc(32, 0x22);
    flipped[0] = 0x23;
    expect(toHex(secret)).toBe(sha(flipped));
  });

  it('refuses a preimage that is not 32 bytes', () => {
    expect(() => paymentSecretFromPreimage(new Uint8Array(31))).toThrow('preimage must be 32 bytes');
  });
});

describe('bolt12PathSecret', () => {
  it('is SHA256(base || payment_hash)', () => {
    const base = new Uint8Array(32).fill(1);
    const hash = new Uint8Array(32).fill(2);
    expect(toHex(bolt12PathSecret(base, hash))).toBe(sha(new Uint8Array([...base, ...hash])));
    expect(() => bolt12PathSecret(base, new Uint8Array(31))).toThrow(RangeError);
  });
});
