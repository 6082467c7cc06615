/**
 * The BOLT 12 string form: `hrp` + `1` + bech32 characters of the TLV bytes, with no checksum.
 * `lno` = offer and `lnr` = invoice_request (BOLT 12); `lni` = invoice is CLN's and LDK's convention.
 */
import { fail } from './errors.js';

/** The human-readable prefixes this codec knows. */
export type Bolt12Prefix = 'lno' | 'lnr' | 'lni';

const CHARSET = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l';
const CHAR_VALUE = new Int8Array(128).fill(-1);
for (let i = 0; i < CHARSET.length; i++) CHAR_VALUE[CHARSET.charCodeAt(i)] = i;

const isSpace = (c: string) => c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f' || c === '\v';
const isAlnum = (c: string | undefined) => c !== undefined && /^[0-9a-zA-Z]$/.test(c);

/**
 * Removes `+` joins. BOLT 12: "if it encounters a `+` followed by zero or more whitespace characters
 * between two bech32 characters: MUST remove the `+` and whitespace". A `+` anywhere else (first,
 * last, doubled, next to whitespace) leaves the string invalid.
 */
function removeJoins(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i] as string;
    if (c !== '+') {
      out += c;
      continue;
    }
    let j = i + 1;
    while (j < s.length && isSpace(s[j] as string)) j++;
    if (!isAlnum(s[i - 1]) || !isAlnum(s[j])) fail('InvalidString', `bolt12: '+' must join two bech32 characters`);
    i = j - 1;
  }
  return out;
}

/**
 * Decodes a bolt12 string into its prefix and TLV bytes.
 *
 * BOLT 12 readers "MUST handle strings which are all lowercase, or all UPPERCASE"; mixed case is
 * refused. Leftover bits of the 5-to-8 conversion must be fewer than 5 and zero (BIP-173's rule; the
 * offers vector "Bech32 padding exceeds 4-bit limit").
 *
 * @example decodeBolt12String('lno1zcss9mk8y3wkklfvevcrszlmu23kfrxh49px20665dqwmn4p72pksese').prefix // 'lno'
 */
export function decodeBolt12String(input: string): { prefix: string; bytes: Uint8Array } {
  const joined = removeJoins(input);
  const lower = joined.toLowerCase();
  if (joined !== lower && joined !== joined.toUpperCase()) fail('InvalidString', 'bolt12: mixed case');
  const sep = lower.lastIndexOf('1');
  if (sep < 1) fail('InvalidString', 'bolt12: missing prefix or separator');
  const prefix = lower.slice(0, sep);
  if (!/^[a-z]+$/.test(prefix)) fail('InvalidString', 'bolt12: invalid prefix characters');
  const data = lower.slice(sep + 1);
  const out = new Uint8Array(Math.floor((data.length * 5) / 8));
  let acc = 0;
  let bits = 0;
  let o = 0;
  for (let i = 0; i < data.length; i++) {
    const code = data.charCodeAt(i);
    const v = code < 128 ? (CHAR_VALUE[code] as number) : -1;
    if (v < 0) fail('InvalidString', `bolt12: invalid character '${data[i]}'`);
    acc = ((acc << 5) | v) & 0xfff;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >> bits) & 0xff;
    }
  }
  if (bits >= 5) fail('InvalidPadding', `bolt12: ${bits} padding bits exceed the 4-bit limit`);
  if ((acc & ((1 << bits) - 1)) !== 0) fail('InvalidPadding', 'bolt12: non-zero padding bits');
  return { prefix, bytes: out };
}

/** Decodes `input` and checks its prefix is `expected`. */
export function decodeBolt12As(input: string, expected: Bolt12Prefix): Uint8Array {
  const { prefix, bytes } = decodeBolt12String(input);
  if (prefix !== expected) fail('InvalidPrefix', `bolt12: unexpected prefix ${prefix}, expected ${expected}`);
  return bytes;
}

/** The TLV bytes of a reader's input: a string is decoded (its prefix must be `expected`), bytes are taken as they are. */
export function bolt12Bytes(input: string | Uint8Array, expected: Bolt12Prefix): Uint8Array {
  return typeof input === 'string' ? decodeBolt12As(input, expected) : input;
}

/**
 * Encodes TLV bytes as a lower-case bolt12 string (BOLT 12: writers "SHOULD use lower case otherwise";
 * upper-case it for QR codes).
 *
 * @example encodeBolt12String('lno', bytes) // 'lno1…'
 */
export function encodeBolt12String(prefix: Bolt12Prefix, bytes: Uint8Array): string {
  let s = prefix + '1';
  let acc = 0;
  let bits = 0;
  for (const b of bytes) {
    acc = ((acc << 8) | b) & 0xfff;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      s += CHARSET[(acc >> bits) & 31];
    }
  }
  if (bits > 0) s += CHARSET[(acc << (5 - bits)) & 31];
  return s;
}
