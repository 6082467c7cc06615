/**
 * Public types of the BOLT 11 codec (`src/invoice/bolt11/index.ts` is the entry point that re-exports them).
 *
 * Names follow CLN's `decode` output (`amount_msat`, `min_final_cltv_expiry`, `routes`, `extra`…), so the RPC
 * layer formats a decoded invoice without renaming anything.
 */
import type { RecoverableSignature } from '../../crypto/secp256k1.js';
import type { Msat } from '../../util/msat.js';
import type { Network } from '../../util/network.js';

/** One hop of an `r` field (51 bytes on the wire). */
export interface Bolt11RouteHop {
  /** 33-byte compressed public key of the node at the start of the channel. */
  pubkey: Uint8Array;
  /** `block`x`tx`x`output`, as CLN prints it. */
  short_channel_id: string;
  fee_base_msat: number;
  fee_proportional_millionths: number;
  cltv_expiry_delta: number;
}

/**
 * An `f` field: `version` 0..16 is a witness version followed by its program; 17 is a P2PKH and 18 a P2SH
 * hash160 (20 bytes).
 */
export interface Bolt11Fallback {
  version: number;
  program: Uint8Array;
}

/** An unknown (or, on encode, raw) tagged field: the tag character and its data as bech32 characters. */
export interface Bolt11ExtraField {
  tag: string;
  data: string;
}

/** The typed fields of an invoice: what `encodeBolt11` writes and what `decodeBolt11` reads back. */
export interface Bolt11Fields {
  network: Network;
  /** undefined: "any amount" (no amount in the hrp). */
  amount_msat?: Msat;
  /** Unix seconds, 35 bits. */
  timestamp: number;
  /** `p`: 32 bytes. */
  payment_hash: Uint8Array;
  /** `s`: 32 bytes. Required by every reader, so `encodeBolt11` requires it too. */
  payment_secret?: Uint8Array;
  /** `d`: UTF-8, at most 639 bytes. Exactly one of `description` and `description_hash`. */
  description?: string;
  /** `h`: 32 bytes. */
  description_hash?: Uint8Array;
  /** `x` in seconds. undefined or 3600 (the reader's default) → not encoded. A safe integer. */
  expiry?: number;
  /** `c`. undefined → not encoded (readers then assume 18). */
  min_final_cltv_expiry?: number;
  /** `m`. */
  payment_metadata?: Uint8Array;
  /** `f` fields, most preferred first. */
  fallbacks?: Bolt11Fallback[];
  /** `r` fields: one inner list of hops per field. */
  routes?: Bolt11RouteHop[][];
  /** `9`: big-endian feature bit field (bit 0 = least significant bit of the last byte), minimal (no leading 0 byte). */
  features?: Uint8Array;
  /** With `encodeBolt11`: write an `n` field (must be the signing key). */
  payee?: Uint8Array;
  /** Unknown fields, as CLN's decode shows them. On encode they are written last, verbatim. */
  extra?: Bolt11ExtraField[];
}

/** A decoded, signature-checked invoice. */
export interface DecodedBolt11 extends Bolt11Fields {
  /** `ln` + currency: `bc`, `tb`, `tbs` or `bcrt` (CLN's `currency`). */
  currency: string;
  /** The hrp as signed (lower case), e.g. `lnbc2500u`. */
  hrp: string;
  /** Seconds; 3600 when the invoice has no `x` field. */
  expiry: number;
  /** 18 when the invoice has no `c` field (BOLT 11: "MUST use an expiry delta of at least 18"). */
  min_final_cltv_expiry: number;
  /** The payee: the `n` field when present, else the key recovered from the signature. */
  payee: Uint8Array;
  /** True when `payee` came from an `n` field, false when it was recovered. */
  payee_from_n: boolean;
  /** 64 bytes r || s, as transmitted (may be high-S when the key was recovered). */
  signature: Uint8Array;
  recovery_id: number;
  /** SHA256(hrp || data without signature): the digest the signature covers. */
  signing_hash: Uint8Array;
  /**
   * The tag characters of the tagged fields in wire order (unknown tags included). Passing this as
   * `encodeBolt11`'s `fieldOrder` reproduces the invoice byte for byte (given the same signer).
   */
  field_order: string[];
}

/**
 * Why decoding failed. Every message starts with the field it is about (`"d: invalid utf8"`), or names the
 * part of the string (`"bech32: bad checksum"`, `"amount: invalid multiplier 'x'"`).
 */
export type Bolt11ErrorKind =
  /** Not a bech32 string: no separator, a character outside the charset, too short, mixed case. */
  | 'InvalidBech32'
  /** The bech32 checksum does not verify (or it is a bech32m checksum). */
  | 'BadChecksum'
  /** The hrp does not start with `ln` + a known currency. */
  | 'UnknownPrefix'
  /** A malformed amount, an unknown multiplier, a sub-millisatoshi `p` amount, or an amount above u64. */
  | 'InvalidAmount'
  /** The data part is shorter than timestamp + signature, or a field runs past the signature. */
  | 'Truncated'
  /** `p`, `h`, `s` or `n` does not have data_length 52, 52, 52, 53. */
  | 'InvalidFieldLength'
  /** A field that may appear once appears again (`p`, `d`, `h`, `s`, `n`, `x`, `c`, `9`, `m`). */
  | 'DuplicateField'
  /** `x`, `c` or `9` begins with a zero word. */
  | 'NonMinimal'
  /** A field's content is invalid: bad UTF-8, bad pubkey, truncated route hop, bad fallback, non-zero padding. */
  | 'InvalidField'
  /** The `9` field sets an unknown even (compulsory) feature bit. */
  | 'UnknownFeature'
  /** No `p` field. */
  | 'MissingPaymentHash'
  /** No `s` field. */
  | 'MissingPaymentSecret'
  /** Neither `d` nor `h`, or both. */
  | 'InvalidDescription'
  /** Unrecoverable, not matching `n`, high-S with `n`, or a bad recovery id. */
  | 'InvalidSignature';

/** The one error `decodeBolt11` throws. `message` is the reason a person reads. */
export class Bolt11DecodeError extends Error {
  override readonly name = 'Bolt11DecodeError';
  constructor(
    readonly kind: Bolt11ErrorKind,
    message: string,
  ) {
    super(message);
  }
}

/** Thrown by `encodeBolt11` for fields it cannot write (wrong lengths, both `d` and `h`, unsafe integers…). */
export class Bolt11EncodeError extends Error {
  override readonly name = 'Bolt11EncodeError';
  constructor(
    /** The field at fault (`"payment_hash"`, `"expiry"`…). */
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

/** Signs a 32-byte digest: the daemon's key stays outside the codec. */
export type Bolt11Signer = (digest: Uint8Array) => RecoverableSignature;

/** Options of `encodeBolt11`. */
export interface Bolt11EncodeOptions {
  /**
   * Tag characters in the order to write them, to reproduce an invoice byte for byte. When given, exactly the
   * listed fields are written (each `f`, `r` or unknown tag takes the next item of its list), and an `x` listed
   * with expiry 3600 is written. Default: CLN's order `s p h|d m n x c f… r… 9 extra…`.
   */
  fieldOrder?: readonly string[];
}

/** Kinds of fallback addresses, as CLN's decode names them. */
export type FallbackType = 'P2PKH' | 'P2SH' | 'P2WPKH' | 'P2WSH' | 'P2TR';

/** A fallback as CLN's decode shows it: `hex` is the scriptPubKey; `type`/`addr` when they can be named. */
export interface FallbackDisplay {
  type?: FallbackType;
  addr?: string;
  hex: string;
}
