/**
 * The `9` field: a big-endian feature bit field (BOLT 9, context `9`). Bit 0 is the least significant bit of
 * the last word on the wire and of the last byte in our `Uint8Array` form (CLN's hex form).
 */

/**
 * Feature bits a reader of this codec understands (both the compulsory even and the optional odd bit):
 * 8/9 var_onion_optin and 14/15 payment_secret (ASSUMED in BOLT 9, but every BOLT 11 example still sets the even
 * bit), 16/17 basic_mpp, 24/25 option_route_blinding, 36/37 attribution data, 48/49 option_payment_metadata.
 */
export const KNOWN_BOLT11_FEATURES: ReadonlySet<number> = new Set([8, 9, 14, 15, 16, 17, 24, 25, 36, 37, 48, 49]);

/** Bytes of the bit field in `words[start..end)`, minimal (no leading zero byte; empty when no bit is set). */
export function featuresFromWords(words: ArrayLike<number>, start: number, end: number): Uint8Array {
  const out = new Uint8Array(Math.ceil(((end - start) * 5) / 8));
  let acc = 0;
  let bits = 0;
  let o = out.length;
  for (let i = end - 1; i >= start; i--) {
    acc |= (words[i] as number) << bits;
    bits += 5;
    if (bits >= 8) {
      out[--o] = acc & 0xff;
      acc >>>= 8;
      bits -= 8;
    }
  }
  if (bits > 0 && o > 0) out[--o] = acc & 0xff;
  let lead = 0;
  while (lead < out.length && out[lead] === 0) lead++;
  return out.subarray(lead);
}

/** Words of a bit field given as bytes, minimal: BOLT 11 "MUST use the minimum `data_length` possible". */
export function featuresToWords(bytes: Uint8Array): number[] {
  const words: number[] = [];
  let acc = 0;
  let bits = 0;
  for (let i = bytes.length - 1; i >= 0; i--) {
    acc |= (bytes[i] as number) << bits;
    bits += 8;
    while (bits >= 5) {
      words.push(acc & 31);
      acc >>>= 5;
      bits -= 5;
    }
  }
  if (bits > 0) words.push(acc & 31);
  while (words.length > 0 && words[words.length - 1] === 0) words.pop();
  return words.reverse();
}

/** Numbers of the bits set in `bytes`, lowest first. */
export function featureBits(bytes: Uint8Array): number[] {
  const out: number[] = [];
  for (let i = bytes.length - 1, base = 0; i >= 0; i--, base += 8) {
    const b = bytes[i] as number;
    if (b === 0) continue;
    for (let k = 0; k < 8; k++) if (b & (1 << k)) out.push(base + k);
  }
  return out;
}

/**
 * The lowest unknown even bit set, or undefined. BOLT 11: "if the `9` field contains unknown _even_ bits that are
 * non-zero: MUST fail the payment" (unknown odd bits are ignored).
 */
export function firstUnknownEvenFeature(bytes: Uint8Array): number | undefined {
  for (const bit of featureBits(bytes)) if (bit % 2 === 0 && !KNOWN_BOLT11_FEATURES.has(bit)) return bit;
  return undefined;
}

/** A bit field with exactly `bits` set, minimal. */
export function featuresOf(bits: readonly number[]): Uint8Array {
  if (bits.length === 0) return new Uint8Array(0);
  const top = Math.max(...bits);
  const out = new Uint8Array((top >> 3) + 1);
  for (const bit of bits) out[out.length - 1 - (bit >> 3)]! |= 1 << (bit & 7);
  return out;
}
