/**
 * Parameter parsers (STYLE 3): small named functions `(node) => T | fail(reason)`. They never format
 * the error message: the binder (command.ts) alone writes `NAME: REASON: invalid token 'TOKEN'`.
 * REASON strings are CLN's (common/json_param.c, reference §1.4).
 *
 * Integers (u64, u32, msat): a JSON integer number, or a JSON string of decimal digits (CLN parses the
 * token text, so `"5"` works there too). Signs, fractions, exponents, hex (`0x…`), whitespace and empty
 * strings are refused. Values are exact: `18446744073709551615` is accepted as u64, one more is refused.
 */
import type { JsonNode } from './json-reader.js';
import { integerOf } from './json-reader.js';
import { type Msat, msat, MAX_MSAT, MAX_SUPPLY_MSAT, MSAT_PER_BTC } from '../util/msat.js';
import { fromHex, isHex } from '../util/hex.js';
import { AUTOCLEAN_SUBSYSTEMS, type AutocleanSubsystem } from '../invoice/api.js';
import type { InvoiceStatus } from '../invoice/invoice.js';

declare const failBrand: unique symbol;
/** A parser's refusal, carrying CLN's REASON text. */
export interface Fail {
  readonly [failBrand]: true;
  readonly reason: string;
}
const FAIL_TAG = Symbol('fail');

/** Refuses a value with `reason` (e.g. "should be an unsigned 64 bit integer"). */
export function fail(reason: string): Fail {
  return { [FAIL_TAG]: true, reason } as unknown as Fail;
}

/** True for a parser's refusal. */
export function isFail(x: unknown): x is Fail {
  return typeof x === 'object' && x !== null && FAIL_TAG in x;
}

/** A parameter parser. */
export type Parser<T> = (node: JsonNode) => T | Fail;

const U64_MAX = (1n << 64n) - 1n;
const DIGITS = /^[0-9]+$/;

/** Exact non-negative integer from an integer number or a digit string; undefined otherwise. */
function unsignedOf(node: JsonNode): bigint | undefined {
  if (node.kind === 'number') {
    const v = integerOf(node);
    return v !== undefined && v >= 0n && !node.text.startsWith('-') ? v : undefined;
  }
  if (node.kind === 'string' && DIGITS.test(node.value)) return BigInt(node.value);
  return undefined;
}

/** CLN's param_u64. */
export const u64: Parser<bigint> = (node) => {
  const v = unsignedOf(node);
  return v !== undefined && v <= U64_MAX ? v : fail('should be an unsigned 64 bit integer');
};

/** A u64 that fits a signed 64-bit database column (below 2^63). */
export const u63: Parser<bigint> = (node) => {
  const v = unsignedOf(node);
  return v !== undefined && v < 1n << 63n ? v : fail('should be an unsigned integer below 2^63');
};

/** CLN's param_u32 (returned as a number: it always fits). */
export const u32: Parser<number> = (node) => {
  const v = unsignedOf(node);
  return v !== undefined && v <= 0xffff_ffffn ? Number(v) : fail('should be an unsigned 32 bit integer');
};

/** u64 that must not be 0 (autoclean-once's `age`). */
export const u64NonZero: Parser<bigint> = (node) => {
  const v = u64(node);
  if (isFail(v)) return v;
  return v === 0n ? fail('Must be non-zero') : v;
};

/** CLN's param_bool: the JSON literals true and false only. */
export const bool: Parser<boolean> = (node) => (node.kind === 'bool' ? node.value : fail("should be 'true' or 'false'"));

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * Why a string cannot be stored as text, if it cannot: a lone surrogate (`\ud800` alone is not Unicode,
 * as CLN refuses invalid UTF-8; the two databases would alter it differently) or NUL (PostgreSQL text
 * cannot hold it).
 */
export function badText(s: string): string | undefined {
  if (LONE_SURROGATE.test(s)) return 'should be valid Unicode (a \\u escape of a lone surrogate is not)';
  if (s.includes('\u0000')) return 'should not contain NUL (\\u0000)';
  return undefined;
}

/** Any JSON string that is valid Unicode text (see badText). */
export const string: Parser<string> = (node) => {
  if (node.kind !== 'string') return fail('should be a string');
  const bad = badText(node.value);
  return bad === undefined ? node.value : fail(bad);
};

/**
 * CLN's param_escaped_string: a JSON string without `\u` escapes (other escapes are un-escaped).
 * Used for descriptions.
 */
export const escapedString: Parser<string> = (node) =>
  node.kind === 'string' && !node.unicodeEscape ? node.value : fail('should be a string (without \\u)');

/** CLN's param_label: a string, or a number kept as its decimal token text (`25` → "25"). */
export const label: Parser<string> = (node) => {
  if (node.kind === 'string') {
    const bad = badText(node.value);
    return bad === undefined ? node.value : fail(bad);
  }
  if (node.kind === 'number') return node.text;
  return fail('should be a string or number');
};

/**
 * An invoice/offer string, canonicalised: a leading `lightning:` (any case) is stripped, and an all upper-case
 * string is lowered. A mixed-case string is left as it is, for the codecs to refuse (BIP-173, BOLT 12: all
 * lower or all upper case only).
 */
export const invstring: Parser<string> = (node) => {
  if (node.kind !== 'string') return fail('should be a string');
  return canonicalInvstring(node.value);
};

/** See `invstring`. */
export function canonicalInvstring(s: string): string {
  const t = s.length >= 10 && s.slice(0, 10).toLowerCase() === 'lightning:' ? s.slice(10) : s;
  return /[a-z]/.test(t) ? t : t.toLowerCase();
}

/** CLN's param_sha256: 32 bytes as 64 hex digits. */
export const sha256: Parser<Uint8Array> = (node) =>
  node.kind === 'string' && isHex(node.value, 32) ? fromHex(node.value, 32) : fail('should be a 32 byte hex value');

/** `invoice`/`createinvoice` preimage: 64 hex digits (a secret: the binder never echoes it). */
export const preimage: Parser<Uint8Array> = (node) =>
  node.kind === 'string' && isHex(node.value, 32) ? fromHex(node.value, 32) : fail('should be 64 hex digits');

const AMOUNT_RE = /^([0-9]+)(msat|sat|btc)?$/;
const BTC_DECIMAL_RE = /^([0-9]+)\.([0-9]{1,11})btc$/;

/**
 * CLN's parse_amount_msat (reference §1.4): `N` (msat), `"N"`, `"Nmsat"`, `"Nsat"`, `"Nbtc"`, `"N.Dbtc"`
 * with 1–11 decimals. Returns undefined when `s` is none of them or exceeds u64.
 */
export function parseAmountText(s: string): Msat | undefined {
  let v: bigint;
  const m = AMOUNT_RE.exec(s);
  if (m) {
    const n = BigInt(m[1]!);
    v = m[2] === 'sat' ? n * 1000n : m[2] === 'btc' ? n * MSAT_PER_BTC : n;
  } else {
    const d = BTC_DECIMAL_RE.exec(s);
    if (!d) return undefined;
    v = BigInt(d[1]!) * MSAT_PER_BTC + BigInt(d[2]!.padEnd(11, '0'));
  }
  return v <= MAX_MSAT ? msat(v) : undefined;
}

function amountOf(node: JsonNode): Msat | undefined {
  if (node.kind === 'number') {
    const v = unsignedOf(node);
    return v !== undefined && v <= MAX_MSAT ? msat(v) : undefined;
  }
  return node.kind === 'string' ? parseAmountText(node.value) : undefined;
}

/** The reason for an amount above all bitcoin (`MAX_SUPPLY_MSAT`). */
export const SUPPLY_REASON = 'exceeds the total supply of 21 million bitcoin (2100000000000000000msat)';

/** CLN's param_msat, refusing amounts above the total supply. */
export const amountMsat: Parser<Msat> = (node) => {
  const v = amountOf(node);
  if (v === undefined) return fail('should be a millisatoshi amount');
  return v > MAX_SUPPLY_MSAT ? fail(SUPPLY_REASON) : v;
};

/** `invoice`'s amount: `"any"` or a strictly positive amount (zero in any spelling is refused), up to the supply. */
export const msatOrAny: Parser<Msat | 'any'> = (node) => {
  if (node.kind === 'string' && node.value === 'any') return 'any';
  const v = amountOf(node);
  if (v === undefined || v === 0n) return fail("should be positive msat or 'any'");
  return v > MAX_SUPPLY_MSAT ? fail(SUPPLY_REASON) : v;
};

/** A parser accepting exactly one of `values`, refusing others with `reason`. */
export function oneOf<const V extends string>(values: readonly V[], reason: string): Parser<V> {
  const p: Parser<V> = (node) => (node.kind === 'string' && (values as readonly string[]).includes(node.value) ? (node.value as V) : fail(reason));
  // The name is what docs/rpc.md shows as the parameter's type.
  return Object.defineProperty(p, 'name', { value: values.map((v) => `"${v}"`).join(' \\| ') });
}

/** `listinvoices` index. */
export const listIndex = oneOf(['created', 'updated'], 'unknown index');

/** `wait` index name. */
export const waitIndex = oneOf(['created', 'updated', 'deleted'], 'unknown index');

/** Invoice status filter of `listinvoices` (ours). */
export const invoiceStatus: Parser<InvoiceStatus> = oneOf(
  ['unpaid', 'paid', 'expired'],
  "should be 'unpaid', 'paid' or 'expired'",
);

/** autoclean subsystem names (reference §4.5). */
export const autocleanSubsystem: Parser<AutocleanSubsystem> = oneOf(AUTOCLEAN_SUBSYSTEMS, 'should be a valid subsystem name');

/** An array of strings (fallback addresses). */
export const stringArray: Parser<string[]> = (node) => {
  if (node.kind !== 'array') return fail('should be an array of strings');
  const out: string[] = [];
  for (const item of node.items) {
    if (item.kind !== 'string' || badText(item.value) !== undefined) return fail('should be an array of strings');
    out.push(item.value);
  }
  return out;
};

const SCID_RE = /^[0-9]+x[0-9]+x[0-9]+$/;

/** `exposeprivatechannels`: true/false, a short channel id, or an array of them. */
export const exposePrivateChannels: Parser<boolean | string[]> = (node) => {
  // CLN's param_chanhints: the JSON literals true/false, an array of ids ("should be a short channel
  // id" for a bad item), else one id (param_short_channel_id's reason).
  if (node.kind === 'bool') return node.value;
  if (node.kind === 'array') {
    const out: string[] = [];
    for (const item of node.items) {
      if (item.kind !== 'string' || !SCID_RE.test(item.value)) return fail('should be a short channel id');
      out.push(item.value);
    }
    return out;
  }
  if (node.kind === 'string' && SCID_RE.test(node.value)) return [node.value];
  return fail('should be a short_channel_id of form NxNxN');
};

/** Any JSON value, unparsed (for parameters a handler refuses with its own message). */
export const anyJson: Parser<JsonNode> = (node) => node;
