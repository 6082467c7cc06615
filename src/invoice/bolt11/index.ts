/**
 * BOLT 11 payment requests: a pure codec (no I/O, no clock, no logger; the signer is passed in).
 *
 * Files of src/invoice/bolt11/: `types.ts` (public types and errors), `decode.ts` (reader), `encode.ts`
 * (writer), `words.ts` (bech32 and bit packing), `amount.ts` (hrp amounts), `features.ts` (`9`).
 *
 * ## Reader policy (strict)
 *
 * Messages are Core Lightning's (common/bolt11.c), so clients see the same reasons from either daemon.
 * Rejected, each with a `Bolt11DecodeError` whose `kind` and message say why:
 * - anything that is not bech32 (checksum, bech32m, charset, **mixed case**, no separator): "Bad bech32 string";
 * - an hrp that is not `ln` + `bc` | `tb` | `tbs` | `bcrt` ("Unknown chain xyz"); an amount with a non-digit or
 *   an unknown multiplier ("Invalid amount postfix 'x'"), a `p` amount not ending in 0 ("Invalid
 *   sub-millisatoshi amount '1p'"), a zero amount or one above 2^64-1 msat ("Invalid amount '0'");
 * - a field running past the end ("m: truncated"), or one that leaves less than a signature;
 * - `p`, `h`, `s`, `n` with data_length other than 52, 52, 52, 53 (BOLT 11, since lightning/bolts#1243);
 * - a **second** `p` (lightning/bolts#1357: readers that disagreed on first-vs-last hash were exploited);
 *   second copies of the other single fields are skipped into `extra` and the first one wins, as in CLN;
 * - `x`, `c`, `9` beginning with a zero word (non-minimal: "SHOULD treat the invoice as invalid"; a single zero
 *   word is the minimal 0), an empty `x`, `c` or `9` (CLN reads an empty `x`/`c` as 0, common decoders refuse it); an `x` above 2^53-1 seconds (no
 *   meaningful expiry; it keeps `expiry` a plain number), a `c` above 2^32-1 ("c: 8589934592 is too large");
 * - padding bits that do not fit ("non-zero trailing bits"), invalid UTF-8 in `d`, an invalid `n` or route hop
 *   pubkey, a truncated route hop, a fallback program of the wrong length for its version;
 * - an unknown **even** feature bit in `9` ("9: unknown feature bit 100"); known bits are 8/9, 14/15, 16/17,
 *   24/25, 36/37, 48/49; unknown odd bits are ignored;
 * - no `p` ("No valid 'p' field found"); **no `s`**; given `opts.description`, an `h` that does not hash it;
 *   neither `d` nor `h` ("must have either 'd' or 'h' field"), or both (which CLN accepts);
 * - an invalid recovery id or out-of-range r/s; with `n`, a **high-S** signature or one that does not verify
 *   against `n` ("invalid signature"); without `n`, one from which no key can be recovered.
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
 * copies of single fields go to `extra` and the first good one wins, and both `d` and `h` are accepted.
 *
 * ## Writer
 *
 * `encodeBolt11` writes Core Lightning's field order (`s p h|d m n x c f… r… 9`, then `extra`), the shortest
 * amount form, minimal `x`/`c`/`9` (0 as one zero word, as CLN writes it), and omits `x` when expiry is 3600 (the reader's default), as CLN does.
 */
import { encodeAddress, fallbackScript } from '../../util/address.js';
import { toHex } from '../../util/hex.js';
import type { Network } from '../../util/network.js';
import { decodeBolt11Impl, type Bolt11DecodeOptions } from './decode.js';
import { encodeBolt11Impl } from './encode.js';
import type {
  Bolt11EncodeOptions,
  Bolt11Fallback,
  Bolt11Fields,
  Bolt11Signer,
  DecodedBolt11,
  FallbackDisplay,
} from './types.js';

export * from './types.js';
export type { Bolt11DecodeOptions } from './decode.js';
export { DEFAULT_EXPIRY, DEFAULT_MIN_FINAL_CLTV_EXPIRY } from './decode.js';
export { CLN_FIELD_ORDER } from './encode.js';
export { KNOWN_BOLT11_FEATURES, featureBits, featuresOf } from './features.js';

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
