/**
 * BOLT 11 reader. The policy is documented on `decodeBolt11` in `index.ts`; this file implements it.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { secp256k1 as defaultSecp, CURVE_ORDER, type Secp256k1 } from '../../crypto/secp256k1.js';
import { bytesToBigInt, concatBytes, equalBytes, utf8 } from '../../util/bytes.js';
import { toHex } from '../../util/hex.js';
import { msat } from '../../util/msat.js';
import { witnessProblem } from '../../util/address.js';
import { BOLT11_CURRENCY, type Network } from '../../util/network.js';
import { parseAmount } from './amount.js';
import { featuresFromWords, firstUnknownEvenFeature } from './features.js';
import {
  Bolt11DecodeError,
  type Bolt11ErrorKind,
  type Bolt11ExtraField,
  type Bolt11Fallback,
  type Bolt11RouteHop,
  type DecodedBolt11,
} from './types.js';
import {
  BECH32_CONST,
  BECH32M_CONST,
  CHARSET,
  polymod,
  stringOfWords,
  wordOf,
  wordsToBytesPadded,
  wordsToBytesStrict,
  wordsToUint,
} from './words.js';

/** Options of `decodeBolt11`. */
export interface Bolt11DecodeOptions {
  /**
   * `'strict'` (default) applies the current BOLT 11 reader rules, see `decodeBolt11`. `'lenient'` is the
   * pre-2025 reading that Core Lightning still does: `p`/`h`/`s`/`n` fields of the wrong length and second
   * copies of single fields are skipped (kept in `extra`), so the first good one wins.
   */
  policy?: 'strict' | 'lenient';
  /** secp256k1 backend for recovery/verification (benchmarks compare them); default: the daemon's. */
  secp?: Secp256k1;
  /**
   * The description the payer was given, when the invoice carries `h`. BOLT 11: a reader "MUST check that the
   * SHA2 256-bit hash in the `h` field exactly matches the hashed description".
   */
  description?: string;
}

/** The reader's defaults when `x` / `c` are absent (BOLT 11). */
export const DEFAULT_EXPIRY = 3600;
export const DEFAULT_MIN_FINAL_CLTV_EXPIRY = 18;

const SIGNATURE_WORDS = 104;
const TIMESTAMP_WORDS = 7;
const HALF_ORDER = CURVE_ORDER >> 1n;

/**
 * Strict UTF-8 that keeps a leading U+FEFF: the description must be exactly the signed bytes, and a decoder that
 * strips a byte-order mark (TextDecoder's default) would show a different text than the one signed.
 */
const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
function decodeUtf8(bytes: Uint8Array): string | undefined {
  try {
    return UTF8.decode(bytes);
  } catch {
    return undefined;
  }
}

/**
 * Currency prefix → network; `prefix` is the hrp up to its first digit, without `ln`. Where networks share
 * a prefix (`tb`: testnet, testnet4) the first listed is named; compare prefixes, not networks.
 */
const NETWORK_OF_CURRENCY: ReadonlyMap<string, Network> = new Map(
  (Object.entries(BOLT11_CURRENCY) as [Network, string][]).reverse().map(([net, cur]) => [cur, net]),
);

/** Tag word values (BOLT 11 "Tagged Fields"). */
const TAG = { p: 1, r: 3, '9': 5, x: 6, f: 9, d: 13, s: 16, n: 19, h: 23, c: 24, m: 27 } as const;

function fail(kind: Bolt11ErrorKind, message: string): never {
  throw new Bolt11DecodeError(kind, message);
}

/**
 * Tags read once: a second copy is skipped and kept in `extra`, as Core Lightning's reader does (BOLT 11 asks a
 * reader to refuse none of them). The exception is `p` under the strict policy, see `decodeBolt11`.
 */
const SINGLE = new Set<number>([TAG.p, TAG.d, TAG.h, TAG.s, TAG.n, TAG.x, TAG.c, TAG['9'], TAG.m]);
/** BOLT 11: "MUST fail the payment if any field with fixed `data_length` (`p`, `h`, `s`, `n`) does not have the
 * correct length (52, 52, 52, 53)". */
const FIXED_LENGTH: ReadonlyMap<number, number> = new Map([
  [TAG.p, 52],
  [TAG.h, 52],
  [TAG.s, 52],
  [TAG.n, 53],
]);

/** Core Lightning's one message for anything its bech32 reader refuses. */
const BAD_BECH32 = 'Bad bech32 string';

/** Splits `lightning:` and the case off, checks the charset and the bech32 checksum; returns hrp and words. */
function readBech32(input: string): { hrp: string; words: Uint8Array } {
  let s = input;
  // BOLT 11: "If a URI scheme is desired, the current recommendation is to either use 'lightning:' as a prefix".
  if (s.length >= 10 && s.slice(0, 10).toLowerCase() === 'lightning:') s = s.slice(10);
  let hasLower = false;
  let hasUpper = false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 33 || c > 126) fail('InvalidBech32', BAD_BECH32);
    if (c >= 0x61 && c <= 0x7a) hasLower = true;
    else if (c >= 0x41 && c <= 0x5a) hasUpper = true;
  }
  // BIP-173: "Decoders MUST NOT accept strings where some characters are uppercase and some are lowercase".
  if (hasLower && hasUpper) fail('InvalidBech32', BAD_BECH32);
  if (hasUpper) s = s.toLowerCase();
  const sep = s.lastIndexOf('1');
  // No separator, an empty hrp, or fewer than six characters for the checksum.
  if (sep < 1 || s.length - sep - 1 < 6) fail('InvalidBech32', BAD_BECH32);
  const hrp = s.slice(0, sep);
  const words = new Uint8Array(s.length - sep - 1);
  for (let i = 0; i < words.length; i++) {
    const w = wordOf(s.charCodeAt(sep + 1 + i));
    if (w < 0) fail('InvalidBech32', BAD_BECH32);
    words[i] = w;
  }
  // A bech32m checksum is as wrong here as any other.
  if (polymod(hrp, words) !== BECH32_CONST) fail('BadChecksum', BAD_BECH32);
  return { hrp, words: words.subarray(0, words.length - 6) };
}

/** Splits the hrp into network and amount. */
function readHrp(hrp: string): { network: Network; currency: string; amount?: bigint } {
  // BOLT 11: "`prefix`: `ln` + BIP-0173 currency prefix"; a reader "if it does NOT understand the `prefix`:
  // MUST fail the payment". The currency ends at the first digit, so `lnbcrt` and `lnbc` cannot be confused.
  let i = 0;
  while (i < hrp.length && !(hrp.charCodeAt(i) >= 0x30 && hrp.charCodeAt(i) <= 0x39)) i++;
  const prefix = hrp.slice(0, i);
  if (!prefix.startsWith('ln')) fail('UnknownPrefix', `Prefix '${prefix}' does not start with ln`);
  const currency = prefix.slice(2);
  const network = NETWORK_OF_CURRENCY.get(currency);
  if (network === undefined) fail('UnknownPrefix', `Unknown chain ${currency}`);
  if (i === hrp.length) return { network, currency };
  const amount = parseAmount(hrp.slice(i));
  if (typeof amount === 'string') fail('InvalidAmount', amount);
  return { network, currency, amount };
}

/** Core Lightning's wording for padding bits that do not fit (both spare-bit cases). */
function fieldBytes(words: Uint8Array, start: number, end: number): Uint8Array {
  const b = wordsToBytesStrict(words, start, end);
  if (typeof b === 'string') fail('InvalidField', 'non-zero trailing bits');
  return b;
}

/** `x` / `c`: a big-endian integer of up to 64 bits. */
function minimalUint(tag: string, words: Uint8Array, start: number, end: number): bigint {
  // BOLT 11: "if a `c`, `x`, or `9` field is provided which has a non-minimal `data_length` (i.e. begins with 0
  // field elements): SHOULD treat the invoice as invalid." We do (a single zero word is the minimal 0).
  // An empty field is refused too: Core Lightning reads it as 0, but common decoders cannot read it at all,
  // and 0 has its own form (one zero word, which is what we and CLN write).
  if (end === start) fail('InvalidField', `${tag}: zero length`);
  if (end - start > 12) fail('InvalidField', `${tag}: integer too large`);
  if (end - start > 1 && words[start] === 0) fail('NonMinimal', `${tag}: not a minimal value`);
  let v = 0n;
  for (let i = start; i < end; i++) v = (v << 5n) | BigInt(words[i] as number);
  return v;
}

function readFallback(words: Uint8Array, start: number, end: number): Bolt11Fallback | undefined {
  if (end === start) fail('InvalidField', 'f: truncated');
  const version = words[start] as number;
  // BOLT 11: a reader "MUST skip over `f` fields that use an unknown `version`".
  if (version > 18) return undefined;
  const program = fieldBytes(words, start + 1, end);
  const n = program.length;
  if (version === 17 && n !== 20) fail('InvalidField', `f: pkhash length ${n}`);
  if (version === 18 && n !== 20) fail('InvalidField', `f: p2sh length ${n}`);
  if (version < 17 && witnessProblem(version, program)) {
    fail('InvalidField', `f: witness v${version} bad length ${n}`);
  }
  return { version, program };
}

function readRoute(words: Uint8Array, start: number, end: number, secp: Secp256k1): Bolt11RouteHop[] {
  const b = fieldBytes(words, start, end);
  // BOLT 11 `r`: "One or more entries": pubkey (264 bits), short_channel_id (64), fee_base_msat (32),
  // fee_proportional_millionths (32), cltv_expiry_delta (16): 51 bytes each.
  if (b.length === 0 || b.length % 51 !== 0) fail('InvalidField', `r: hop ${Math.floor(b.length / 51)} truncated`);
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const hops: Bolt11RouteHop[] = [];
  for (let off = 0; off < b.length; off += 51) {
    const pubkey = b.slice(off, off + 33);
    if (!secp.isValidPoint(pubkey)) fail('InvalidField', `r: hop ${hops.length} pubkey invalid`);
    const block = (view.getUint16(off + 33) << 8) | view.getUint8(off + 35);
    const tx = (view.getUint16(off + 36) << 8) | view.getUint8(off + 38);
    const out = view.getUint16(off + 39);
    hops.push({
      pubkey,
      short_channel_id: `${block}x${tx}x${out}`,
      fee_base_msat: view.getUint32(off + 41),
      fee_proportional_millionths: view.getUint32(off + 45),
      cltv_expiry_delta: view.getUint16(off + 49),
    });
  }
  return hops;
}

/** Implementation of `decodeBolt11` (see its documentation in `index.ts`). */
export function decodeBolt11Impl(invoice: string, opts: Bolt11DecodeOptions = {}): DecodedBolt11 {
  const strict = (opts.policy ?? 'strict') === 'strict';
  const secp = opts.secp ?? defaultSecp;
  const { hrp, words } = readBech32(invoice);
  const { network, currency, amount } = readHrp(hrp);

  // BOLT 11 data part: `timestamp` (35 bits), zero or more tagged parts, `signature` (520 bits). Fields are
  // read while more than a signature's worth of words remains (Core Lightning's order of complaints).
  if (words.length < TIMESTAMP_WORDS) fail('Truncated', "Can't get 35-bit timestamp: truncated");
  const timestamp = wordsToUint(words, 0, TIMESTAMP_WORDS);

  let payment_hash: Uint8Array | undefined;
  let payment_secret: Uint8Array | undefined;
  let description: string | undefined;
  let description_hash: Uint8Array | undefined;
  let expiry: number | undefined;
  let min_final_cltv_expiry: number | undefined;
  let payment_metadata: Uint8Array | undefined;
  let features: Uint8Array | undefined;
  let nField: Uint8Array | undefined;
  const fallbacks: Bolt11Fallback[] = [];
  const routes: Bolt11RouteHop[][] = [];
  const extra: Bolt11ExtraField[] = [];
  const field_order: string[] = [];
  const seen = new Uint8Array(32);
  /** A field that is skipped, not read: kept verbatim in `extra`, in its place in `field_order`. */
  const keepAsExtra = (tag: string, start: number, end: number): void => {
    extra.push({ tag, data: stringOfWords(words, start, end) });
    field_order.push('extra');
  };

  let pos = TIMESTAMP_WORDS;
  while (words.length - pos > SIGNATURE_WORDS) {
    // BOLT 11: "Each Tagged Field is of the form: `type` (5 bits), `data_length` (10 bits, big-endian),
    // `data` (`data_length` x 5 bits)".
    const type = words[pos] as number;
    const tag = CHARSET[type] as string;
    const len = ((words[pos + 1] as number) << 5) | (words[pos + 2] as number);
    const start = pos + 3;
    const end = start + len;
    if (end > words.length) fail('Truncated', `${tag}: truncated`);
    pos = end;

    const fixed = FIXED_LENGTH.get(type);
    const duplicate = SINGLE.has(type) && seen[type] !== 0;
    const badLength = fixed !== undefined && len !== fixed;
    if (strict && badLength) fail('InvalidFieldLength', `${tag}: data_length ${len}, expected ${fixed}`);
    if (strict && type === TAG.p && duplicate) fail('DuplicateField', 'p: duplicate field');
    if (duplicate || badLength) {
      keepAsExtra(tag, start, end);
      continue;
    }
    seen[type] = 1;

    switch (type) {
      case TAG.p:
        payment_hash = fieldBytes(words, start, end);
        break;
      case TAG.s:
        payment_secret = fieldBytes(words, start, end);
        break;
      case TAG.h:
        description_hash = fieldBytes(words, start, end);
        break;
      case TAG.n: {
        const key = fieldBytes(words, start, end);
        if (!secp.isValidPoint(key)) fail('InvalidField', `invalid public key ${toHex(key)}`);
        nField = key;
        break;
      }
      case TAG.d: {
        const text = decodeUtf8(fieldBytes(words, start, end));
        if (text === undefined) fail('InvalidField', 'd: invalid utf8');
        description = text;
        break;
      }
      case TAG.m:
        payment_metadata = fieldBytes(words, start, end);
        break;
      case TAG.x: {
        const v = minimalUint(tag, words, start, end);
        // `expiry` is a plain number: seconds beyond 2^53 mean nothing as an expiry.
        if (v > BigInt(Number.MAX_SAFE_INTEGER)) fail('InvalidField', 'x: integer too large');
        expiry = Number(v);
        break;
      }
      case TAG.c: {
        const v = minimalUint(tag, words, start, end);
        if (v > 0xffffffffn) fail('InvalidField', `c: ${v} is too large`);
        min_final_cltv_expiry = Number(v);
        break;
      }
      case TAG['9']: {
        // BOLT 11 writer: "if `9` contains non-zero bits: MUST use the minimum `data_length` possible ...
        // otherwise: MUST omit the `9` field altogether": an empty `9` is as non-minimal as a leading zero.
        if (len === 0 || words[start] === 0) fail('NonMinimal', '9: non-minimal length (begins with 0)');
        features = featuresFromWords(words, start, end);
        const bad = firstUnknownEvenFeature(features);
        if (bad !== undefined) fail('UnknownFeature', `9: unknown feature bit ${bad}`);
        break;
      }
      case TAG.f: {
        const f = readFallback(words, start, end);
        if (f) fallbacks.push(f);
        else {
          keepAsExtra(tag, start, end);
          continue;
        }
        break;
      }
      case TAG.r:
        routes.push(readRoute(words, start, end, secp));
        break;
      default:
        // Unknown tags are skipped (BOLT 11's extensibility rule) and shown as CLN's decode shows them.
        keepAsExtra(tag, start, end);
        continue;
    }
    field_order.push(tag);
  }

  // BOLT 11 reader: "if a valid `s` field is not provided: MUST fail the payment"; "MUST check that the SHA2
  // 256-bit hash in the `h` field exactly matches the hashed description"; "MUST fail the payment if neither a
  // `d` field nor a `h` field is present, or if both are present". A `p` is what is being paid for.
  if (!payment_hash) fail('MissingPaymentHash', "No valid 'p' field found");
  if (!payment_secret) fail('MissingPaymentSecret', 'Missing required payment secret (s field)');
  if (description_hash && opts.description !== undefined && !equalBytes(sha256(utf8(opts.description)), description_hash)) {
    fail('InvalidDescription', 'h: does not match description');
  }
  if (description === undefined && !description_hash) fail('InvalidDescription', "must have either 'd' or 'h' field");
  if (strict && description !== undefined && description_hash) {
    fail('InvalidDescription', "must have either 'd' or 'h' field, not both");
  }

  // Signature: 64 bytes r || s then the recovery id, over SHA256(hrp || data words packed to bytes).
  if (words.length - pos < SIGNATURE_WORDS) fail('Truncated', "can't read signature: truncated");
  const sigStart = pos;
  const sigBytes = wordsToBytesPadded(words, sigStart, words.length);
  const signature = sigBytes.slice(0, 64);
  const recovery_id = sigBytes[64] as number;
  if (recovery_id > 3) fail('InvalidSignature', `invalid recovery ID: ${recovery_id}`);
  const r = bytesToBigInt(signature.subarray(0, 32));
  const sVal = bytesToBigInt(signature.subarray(32));
  if (r >= CURVE_ORDER || sVal >= CURVE_ORDER) fail('InvalidSignature', 'signature invalid');
  const signing_hash = sha256(concatBytes(utf8(hrp), wordsToBytesPadded(words, 0, sigStart)));

  let payee: Uint8Array;
  if (nField) {
    // BOLT 11: "if a valid `n` field is provided: MUST use the `n` field to validate the signature instead of
    // performing public-key recovery. If the signature is not compliant with the low-S standard rule: MUST fail
    // the payment".
    if (r === 0n || sVal === 0n || sVal > HALF_ORDER || !secp.verifyEcdsa(signature, signing_hash, nField, true)) {
      fail('InvalidSignature', 'invalid signature');
    }
    payee = nField;
  } else {
    // "otherwise: MUST perform ECDSA public-key recovery and accept both high-S and low-S signatures".
    const rec = r === 0n || sVal === 0n ? undefined : secp.recover(signing_hash, signature, recovery_id);
    if (!rec) fail('InvalidSignature', 'signature recovery failed');
    payee = rec;
  }

  const out: DecodedBolt11 = {
    network,
    currency,
    hrp,
    timestamp,
    payment_hash,
    payment_secret,
    expiry: expiry ?? DEFAULT_EXPIRY,
    min_final_cltv_expiry: min_final_cltv_expiry ?? DEFAULT_MIN_FINAL_CLTV_EXPIRY,
    payee,
    payee_from_n: nField !== undefined,
    signature,
    recovery_id,
    signing_hash,
    field_order,
  };
  if (amount !== undefined) out.amount_msat = msat(amount);
  if (description !== undefined) out.description = description;
  if (description_hash) out.description_hash = description_hash;
  if (payment_metadata) out.payment_metadata = payment_metadata;
  if (features) out.features = features;
  if (fallbacks.length) out.fallbacks = fallbacks;
  if (routes.length) out.routes = routes;
  if (extra.length) out.extra = extra;
  return out;
}
