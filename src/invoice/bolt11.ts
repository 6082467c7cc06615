/**
 * BOLT 11 payment requests: a pure codec (no I/O, no clock, no logger; the signer is passed in).
 *
 * Files: `bolt11-types.ts` (public types and errors), `bolt11-decode.ts` (reader), `bolt11-encode.ts` (writer),
 * `bolt11-words.ts` (bech32 and bit packing), `bolt11-amount.ts` (hrp amounts), `bolt11-features.ts` (`9`).
 *
 * ## Reader policy (strict)
 *
 * Rejected, each with a `Bolt11DecodeError` whose `kind` and message say why:
 * - a bad bech32 checksum, a bech32m checksum, characters outside the charset, **mixed case**, no separator;
 * - an hrp that is not `ln` + `bc` | `tb` | `tbs` | `bcrt`; an amount with a non-digit, an unknown multiplier,
 *   a `p` amount not ending in 0 (sub-millisatoshi), a zero amount or one above 2^64-1 msat;
 * - a data part shorter than timestamp + signature, or a field running into the signature;
 * - `p`, `h`, `s`, `n` with data_length other than 52, 52, 52, 53 (BOLT 11, since lightning/bolts#1243);
 * - a **second** `p` (lightning/bolts#1357: readers that disagreed on first-vs-last hash were exploited), and
 *   likewise a second `d`, `h`, `s`, `n`, `x`, `c`, `9` or `m`;
 * - `x`, `c`, `9` beginning with a zero word (non-minimal: "SHOULD treat the invoice as invalid"), an empty `9`;
 *   an `x` above 2^53-1 seconds (no meaningful expiry; it keeps `expiry` a plain number), a `c` above 2^32-1;
 * - non-zero or over-long padding bits in a byte-valued field, invalid UTF-8 in `d`, an invalid `n` or route hop
 *   pubkey, a truncated route hop, a fallback program of the wrong length for its version;
 * - an unknown **even** feature bit in `9` (the message names it: "9: unknown feature 100"); known bits are
 *   8/9, 14/15, 16/17, 24/25, 36/37, 48/49; unknown odd bits are ignored;
 * - no `p`; **no `s`**; neither or both of `d` and `h`; given `opts.description`, an `h` that does not hash it;
 * - an invalid recovery id or out-of-range r/s; with `n`, a **high-S** signature or one that does not verify
 *   against `n`; without `n`, a signature from which no key can be recovered.
 *
 * Accepted: an all upper-case invoice (its lower-case form is what was signed), a `lightning:` prefix in any
 * case, non-shortest multipliers (`1000u`), strings longer than BIP-173's 90 and than 1023 characters,
 * high-S signatures when the payee is recovered (BOLT 11 requires it), `f` fields with an unknown version
 * 19..31 and unknown tags (both skipped and kept in `extra`, as Core Lightning's decode shows them).
 *
 * The official example "Same, but including fields which must be ignored" (bolt11-examples.json
 * `fields_which_must_be_ignored`) is listed as valid, yet it carries `p`/`h`/`s` of data_length 51/53 and `n` of
 * 52/54, which today's reader rule says MUST fail (the example predates lightning/bolts#1243). Strict reading
 * rejects it. `{ policy: 'lenient' }` reads it as Core Lightning does: wrong-length fixed fields and second
 * copies of single fields go to `extra` and the first good one wins.
 *
 * ## Writer
 *
 * `encodeBolt11` writes Core Lightning's field order (`s p h|d m n x c f… r… 9`, then `extra`), the shortest
 * amount form, minimal `x`/`c`/`9`, and omits `x` when expiry is 3600 (the reader's default), as CLN does.
 */
import { encodeAddress, fallbackScript } from '../util/address.js';
import { toHex } from '../util/hex.js';
import type { Network } from '../util/network.js';
import { decodeBolt11Impl, type Bolt11DecodeOptions } from './bolt11-decode.js';
import { encodeBolt11Impl } from './bolt11-encode.js';
import type {
  Bolt11EncodeOptions,
  Bolt11Fallback,
  Bolt11Fields,
  Bolt11Signer,
  DecodedBolt11,
  FallbackDisplay,
} from './bolt11-types.js';

export * from './bolt11-types.js';
export type { Bolt11DecodeOptions } from './bolt11-decode.js';
export { DEFAULT_EXPIRY, DEFAULT_MIN_FINAL_CLTV_EXPIRY } from './bolt11-decode.js';
export { CLN_FIELD_ORDER } from './bolt11-encode.js';
export { KNOWN_BOLT11_FEATURES, featureBits, featuresOf } from './bolt11-features.js';

/**
 * Builds and signs an invoice from typed fields. Throws `Bolt11EncodeError` for a field it cannot write:
 * wrong lengths, a missing `payment_secret`, not exactly one of `description` / `description_hash`, a
 * description over 639 bytes, a non-positive amount, an expiry that is not a safe integer, an `n` (`payee`) that
 * is not the signing key, and so on.
 *
 * @example
 * const keys = nodeKeysFromSeed(seed);
 * const bolt11 = encodeBolt11(
 *   { network: 'bitcoin', amount_msat: msat(250_000_000n), timestamp: 1496314658, payment_hash, payment_secret,
 *     description: '1 cup coffee', expiry: 60, min_final_cltv_expiry: 18, features: featuresOf([8, 14]) },
 *   (digest) => keys.signEcdsa(digest),
 * ); // 'lnbc2500u1p…'
 */
export function encodeBolt11(fields: Bolt11Fields, sign: Bolt11Signer, opts?: Bolt11EncodeOptions): string {
  return encodeBolt11Impl(fields, sign, opts);
}

/**
 * Decodes an invoice and checks its signature, under the strict policy described in this module's
 * documentation. Throws only `Bolt11DecodeError`.
 *
 * @example
 * const inv = decodeBolt11('lnbc2500u1pvjluez…');
 * inv.amount_msat; // 250000000n
 * toHex(inv.payee); // '03e7156a…'
 */
export function decodeBolt11(invoice: string, opts?: Bolt11DecodeOptions): DecodedBolt11 {
  return decodeBolt11Impl(invoice, opts);
}

const TYPE_OF_VERSION: Readonly<Record<number, Readonly<Record<number, FallbackDisplay['type']>>>> = {
  17: { 20: 'P2PKH' },
  18: { 20: 'P2SH' },
  0: { 20: 'P2WPKH', 32: 'P2WSH' },
  1: { 32: 'P2TR' },
};

/**
 * A fallback as Core Lightning's `decode` shows it: `type` when it is one of the five named kinds, `addr` when it
 * has an address on `network`, and `hex`, the output script.
 */
export function fallbackToAddress(f: Bolt11Fallback, network: Network): FallbackDisplay {
  // CLN's order: type, addr, hex (common/bolt11_json.c); the RPC writes keys in insertion order.
  const script = fallbackScript(f);
  const type = TYPE_OF_VERSION[f.version]?.[f.program.length];
  let addr: string | undefined;
  try {
    addr = encodeAddress(f, network);
  } catch {
    // No address form (e.g. a witness program of an invalid length): CLN shows only the script then.
  }
  return {
    ...(type ? { type } : {}),
    ...(addr !== undefined ? { addr } : {}),
    hex: script ? toHex(script) : toHex(f.program),
  };
}
