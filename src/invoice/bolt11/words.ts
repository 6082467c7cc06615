/**
 * Bech32 (BIP-173) for BOLT 11: 5-bit words, the checksum, and bit packing between words and bytes.
 *
 * Written here rather than taken from the `bech32` package because BOLT 11 strings exceed BIP-173's 90-character
 * limit, because the decoder must tell a bad checksum from a bad character for its error messages, and because
 * invoices are hot: these loops work on plain arrays with no allocation per character.
 */

/** The bech32 data charset: word value → character. */
export const CHARSET = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l';

/** Character code → word value, or -1. Upper-case letters map too (the caller enforces case rules). */
const CHARSET_REV: Int8Array = (() => {
  const rev = new Int8Array(128).fill(-1);
  for (let i = 0; i < CHARSET.length; i++) {
    rev[CHARSET.charCodeAt(i)] = i;
    rev[CHARSET.toUpperCase().charCodeAt(i)] = i;
  }
  return rev;
})();

/** Word value of a data character, or -1 when it is not in the charset. */
export function wordOf(charCode: number): number {
  return charCode < 128 ? (CHARSET_REV[charCode] as number) : -1;
}

/** BIP-173: the checksum's final constant (bech32m uses 0x2bc830a3 and is not valid in BOLT 11). */
export const BECH32_CONST = 1;
export const BECH32M_CONST = 0x2bc830a3;

/** For each value of a checksum's top five bits, the XOR of the BIP-173 generators those bits select. */
const GENERATOR_XOR: Int32Array = (() => {
  const gen = [0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3];
  const t = new Int32Array(32);
  for (let b = 0; b < 32; b++) for (let i = 0; i < 5; i++) if (b & (1 << i)) t[b] = (t[b] as number) ^ (gen[i] as number);
  return t;
})();

/** One step of `bech32_polymod`: shift in the word `v`, folding the five bits shifted out by table. */
function polymodStep(chk: number, v: number): number {
  return ((chk & 0x1ffffff) << 5) ^ v ^ (GENERATOR_XOR[chk >>> 25] as number);
}

/** The checksum state after the expanded (lower-case) hrp: its high bits, a zero, its low bits. */
function polymodHrp(hrp: string): number {
  let chk = 1;
  for (let i = 0; i < hrp.length; i++) chk = polymodStep(chk, hrp.charCodeAt(i) >> 5);
  chk = polymodStep(chk, 0);
  for (let i = 0; i < hrp.length; i++) chk = polymodStep(chk, hrp.charCodeAt(i) & 31);
  return chk;
}

/** BIP-173 `bech32_polymod` over the expanded (lower-case) hrp followed by `words`. */
export function polymod(hrp: string, words: ArrayLike<number>, length = words.length): number {
  let chk = polymodHrp(hrp);
  for (let i = 0; i < length; i++) chk = polymodStep(chk, words[i] as number);
  return chk;
}

/** Character codes of the charset, and the decoder that turns a run of them into a string at once. */
const CHARSET_CODES = Uint8Array.from(CHARSET, (c) => c.charCodeAt(0));
const ascii = new TextDecoder('utf-8');

/** The bech32 string of `hrp` (lower case) and `words`, checksum appended: one pass, one string built. */
export function encodeBech32(hrp: string, words: ArrayLike<number>): string {
  const n = words.length;
  const out = new Uint8Array(n + 6);
  let chk = polymodHrp(hrp);
  for (let i = 0; i < n; i++) {
    const v = words[i] as number;
    chk = polymodStep(chk, v);
    out[i] = CHARSET_CODES[v] as number;
  }
  for (let i = 0; i < 6; i++) chk = polymodStep(chk, 0);
  chk ^= BECH32_CONST;
  for (let i = 0; i < 6; i++) out[n + i] = CHARSET_CODES[(chk >>> (5 * (5 - i))) & 31] as number;
  return `${hrp}1${ascii.decode(out)}`;
}

/**
 * Packs bytes into 5-bit words, zero-padding the last word (BOLT 11: "zero-padded to a whole word").
 */
export function bytesToWords(bytes: Uint8Array): number[] {
  const out: number[] = [];
  let acc = 0;
  let bits = 0;
  for (let i = 0; i < bytes.length; i++) {
    acc = ((acc & 0xff) << 8) | (bytes[i] as number);
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out.push((acc >>> bits) & 31);
    }
  }
  if (bits > 0) out.push((acc << (5 - bits)) & 31);
  return out;
}

/**
 * Packs words into bytes, appending zero bits up to a byte boundary: the form the signature hash covers
 * (BOLT 11: "with 0 bits appended to pad the data to the next byte boundary").
 */
export function wordsToBytesPadded(words: ArrayLike<number>, start = 0, end = words.length): Uint8Array {
  const out = new Uint8Array(Math.ceil(((end - start) * 5) / 8));
  let acc = 0;
  let bits = 0;
  let o = 0;
  for (let i = start; i < end; i++) {
    acc = ((acc & 0xff) << 5) | (words[i] as number);
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >>> bits) & 0xff;
    }
  }
  if (bits > 0) out[o] = (acc << (8 - bits)) & 0xff;
  return out;
}

/**
 * Unpacks words into whole bytes, as a reader of a byte-valued field does: the padded form without its last,
 * partial byte. Returns a string naming the problem when those trailing bits are not a valid padding: more than 4
 * of them (a whole spare word) or any set bit.
 */
export function wordsToBytesStrict(
  words: ArrayLike<number>,
  start: number,
  end: number,
): Uint8Array | 'non-zero padding' | 'excess padding' {
  const spareBits = ((end - start) * 5) % 8;
  if (spareBits >= 5) return 'excess padding';
  const padded = wordsToBytesPadded(words, start, end);
  if (spareBits === 0) return padded;
  // The spare bits, zero-filled to a byte, are the padded form's last byte.
  if (padded[padded.length - 1] !== 0) return 'non-zero padding';
  return padded.slice(0, -1);
}

/** Big-endian unsigned integer of `end - start` words; exact below 2^53 (callers bound the length and value). */
export function wordsToUint(words: ArrayLike<number>, start: number, end: number): number {
  let v = 0;
  for (let i = start; i < end; i++) v = v * 32 + (words[i] as number);
  return v;
}

/** `value` (a non-negative safe integer) as the fewest big-endian words: none for 0 (BOLT 11's minimal form). */
export function uintToWords(value: number): number[] {
  const out: number[] = [];
  while (value > 0) {
    out.push(value % 32);
    value = Math.floor(value / 32);
  }
  return out.reverse();
}

/** `value` as exactly `count` big-endian words (the 35-bit timestamp, the 10-bit data_length). */
export function uintToFixedWords(value: number, count: number): number[] {
  const out = new Array<number>(count);
  for (let i = count - 1; i >= 0; i--) {
    out[i] = value % 32;
    value = Math.floor(value / 32);
  }
  return out;
}

/** Words of a data-character string (lower case), or undefined if a character is outside the charset. */
export function wordsOfString(s: string): number[] | undefined {
  const out = new Array<number>(s.length);
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const w = wordOf(c);
    if (w < 0 || (c >= 0x41 && c <= 0x5a)) return undefined;
    out[i] = w;
  }
  return out;
}

/** The data characters of `words[start..end)`. */
export function stringOfWords(words: ArrayLike<number>, start: number, end: number): string {
  let s = '';
  for (let i = start; i < end; i++) s += CHARSET[words[i] as number];
  return s;
}
