/**
 * The one error type of the BOLT 12 codec (STYLE 9). `kind` is drawn from a documented union so callers
 * (the decode RPC, the merchant flow) can branch on it; the message starts with the field it is about,
 * e.g. `"offer_description: invalid utf8"`. Codes are mapped only in src/rpc/errors.ts.
 */

/** Why a BOLT 12 string, TLV stream or object was refused. */
export type Bolt12ParseErrorKind =
  // --- string form (string.ts) ---
  /** Not a bolt12 string: mixed case, a character outside bech32, a misplaced `+`, no `1` separator. */
  | 'InvalidString'
  /** The human-readable prefix is not the one expected (`lno`, `lnr`, `lni`). */
  | 'InvalidPrefix'
  /** 5-to-8 bit conversion left more than 4 padding bits, or non-zero padding. */
  | 'InvalidPadding'
  // --- stage 1: wire (bigsize.ts, tlv-stream.ts, wire-types.ts) ---
  /** A BigSize, record or value runs past the end of its buffer. */
  | 'Truncated'
  /** A BigSize (type or length) is not minimally encoded. */
  | 'NonMinimalBigSize'
  /** A `tu64`/`tu32` has a leading zero byte. */
  | 'NonMinimalInteger'
  /** Record types are not strictly increasing (out of order or duplicated). */
  | 'TypeOrder'
  /** An unknown even record type. */
  | 'UnknownEvenType'
  /** A record type outside the ranges this stream allows. */
  | 'OutOfRange'
  /** A value has the wrong length for its type, or trailing bytes. */
  | 'InvalidLength'
  /** A 33-byte value is not a valid compressed secp256k1 point. */
  | 'InvalidPoint'
  /** Text that is not valid UTF-8. */
  | 'InvalidUtf8'
  /** A value that is well formed but not allowed (e.g. a `sciddir_or_pubkey` with prefix 4). */
  | 'InvalidValue'
  // --- stage 2: semantics (offer.ts, invoice-request.ts, invoice.ts, invoice-error.ts) ---
  /** `offer_amount` without `offer_description`. */
  | 'MissingDescription'
  /** `offer_currency` without `offer_amount`. */
  | 'MissingAmount'
  /** `offer_amount` of zero. */
  | 'ZeroAmount'
  /** Neither `offer_issuer_id` nor `offer_paths`. */
  | 'MissingIssuerId'
  /** A blinded path with `num_hops` = 0. */
  | 'EmptyPath'
  /** `offer_chains` present but empty. */
  | 'EmptyChains'
  /** The chain is not the one the caller supports. */
  | 'UnsupportedChain'
  /** An unknown even feature bit. */
  | 'UnknownEvenFeature'
  /** `offer_absolute_expiry` or the invoice's expiry has passed. */
  | 'Expired'
  /** A field the object requires is absent (the message names it). */
  | 'MissingField'
  /** A field the object must not carry in its case (e.g. `offer_chains` in an invoice_request with no offer). */
  | 'UnexpectedField'
  /** `invreq_quantity` missing, zero, above `offer_quantity_max`, or present without it. */
  | 'InvalidQuantity'
  /** `invreq_amount` below the expected amount, or a required amount is missing. */
  | 'InvalidAmount'
  /** `invreq_bip_353_name` has bytes outside `0-9a-zA-Z-_.`. */
  | 'InvalidBip353Name'
  /** `invoice_blindedpay` does not have one entry per `invoice_paths` entry, or no path is usable. */
  | 'InvalidPayInfo'
  /** No `signature`. */
  | 'MissingSignature'
  /** The BIP-340 signature does not verify. */
  | 'InvalidSignature'
  /** An invoice does not echo its invoice_request, or its node id is not the expected one. */
  | 'Mismatch';

/** A refusal by the BOLT 12 codec. */
export class Bolt12ParseError extends Error {
  override readonly name = 'Bolt12ParseError';
  constructor(
    readonly kind: Bolt12ParseErrorKind,
    message: string,
  ) {
    super(message);
  }
}

/** Shorthand for `throw new Bolt12ParseError(kind, message)`, usable in expressions. */
export function fail(kind: Bolt12ParseErrorKind, message: string): never {
  throw new Bolt12ParseError(kind, message);
}
