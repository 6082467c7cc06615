/**
 * BOLT 12 offers (`lno`): reader, semantic checks, writer and CLN's `offer_id`.
 *
 * An {@link Offer} comes only from {@link parseOffer} or {@link buildOffer}; it keeps the exact bytes
 * and records it was read from, so an invoice_request copies them verbatim.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { equalBytes } from '../../util/bytes.js';
import { CHAIN_HASH } from '../../util/network.js';
import { fromHex } from '../../util/hex.js';
import type { BlindedPath } from './blinded-path.js';
import { bolt12Bytes, encodeBolt12String } from './string.js';
import { KNOWN_OFFER_FEATURES, OFFER_RANGES, OFFER_TABLE, type OfferFields } from './fields.js';
import { throwFirst, type Problem, type ReadOptions } from './problems.js';
import { decodeTlvStream, encodeFields, inRanges, recordsToBytes, type TlvRange, type TlvRecord } from './tlv-stream.js';
import { unknownEvenFeature } from './wire-types.js';

declare const offerBrand: unique symbol;

/** A structurally sound offer, valid or not (what `decode` shows). */
export interface OfferView {
  /** The TLV stream bytes. */
  readonly bytes: Uint8Array;
  /** Every record as received, in order. */
  readonly records: readonly TlvRecord[];
  readonly fields: OfferFields;
  /** Records of unknown (odd) types, kept byte-for-byte. */
  readonly unknown: readonly TlvRecord[];
  /** CLN's offer_id (see {@link computeOfferId}). */
  readonly offer_id: Uint8Array;
}

/** A valid offer: built by {@link buildOffer} or read by {@link parseOffer}, never by hand. */
export interface Offer extends OfferView {
  readonly [offerBrand]: true;
  /** The lower-case `lno1…` string. */
  readonly string: string;
}

/** Bitcoin mainnet's chain hash, the default chain of every BOLT 12 message. */
export const BITCOIN_CHAIN: Uint8Array = fromHex(CHAIN_HASH.bitcoin);

/** SHA256 of the concatenated records whose types fall in `ranges` (CLN's `tlv_span` ids). */
export function hashRecordsInRanges(records: readonly TlvRecord[], ranges: readonly TlvRange[]): Uint8Array {
  return sha256(recordsToBytes(records.filter((r) => inRanges(r.type, ranges))));
}

/**
 * CLN's offer_id: SHA256 of the offer's records in the offer ranges (1–79, then 1e9–1999999999), taken
 * from an offer, invoice_request or invoice alike (common/bolt12.c `calc_offer`). It is a plain hash of
 * the bytes, not the Merkle root: an invoice_request copying the offer yields the same id.
 */
export function computeOfferId(records: readonly TlvRecord[]): Uint8Array {
  return hashRecordsInRanges(records, OFFER_RANGES);
}

/**
 * The semantic checks on offer fields that BOLT 12 lists for a reader of an offer ("MUST NOT respond
 * to the offer"). `mirrored` is set when the fields sit inside an invoice_request or invoice, where
 * the issuer-id and expiry rules belong to the caller.
 */
export function offerFieldProblems(f: OfferFields, opts: ReadOptions, mirrored = false): Problem[] {
  const out: Problem[] = [];
  if (f.offer_chains && f.offer_chains.length === 0) {
    out.push({ kind: 'EmptyChains', message: 'offer_chains: empty list', warning: 'warning_empty_offer_chains' });
  }
  out.push(...unknownFeatureProblems('offer_features', f.offer_features, KNOWN_OFFER_FEATURES));
  const chain = opts.chain;
  if (!mirrored && chain && !(f.offer_chains ?? [BITCOIN_CHAIN]).some((c) => equalBytes(c, chain))) {
    out.push({ kind: 'UnsupportedChain', message: 'offer_chains: no supported chain', warning: 'warning_wrong_offer_chains' });
  }
  // BOLT 12: "if `offer_amount` is set and `offer_description` is not set: MUST NOT respond to the offer."
  if (f.offer_amount !== undefined && f.offer_description === undefined) {
    out.push({
      kind: 'MissingDescription',
      message: 'offer_description: required when offer_amount is set',
      warning: 'warning_missing_offer_description',
    });
  }
  // BOLT 12: "if `offer_amount` is set and is not greater than zero: MUST NOT respond to the offer."
  if (f.offer_amount === 0n) {
    out.push({ kind: 'ZeroAmount', message: 'offer_amount: must be greater than zero', warning: 'warning_zero_offer_amount' });
  }
  // BOLT 12: "if `offer_currency` is set and `offer_amount` is not set: MUST NOT respond to the offer."
  if (f.offer_currency !== undefined && f.offer_amount === undefined) {
    out.push({
      kind: 'MissingAmount',
      message: 'offer_currency: set without offer_amount',
      warning: 'warning_missing_offer_amount',
    });
  }
  // BOLT 12: "if neither `offer_issuer_id` nor `offer_paths` are set: MUST NOT respond to the offer."
  if (!mirrored && f.offer_issuer_id === undefined && f.offer_paths === undefined) {
    out.push({
      kind: 'MissingIssuerId',
      message: 'offer_issuer_id: neither offer_issuer_id nor offer_paths is set',
      warning: 'warning_missing_offer_issuer_id',
    });
  }
  out.push(...emptyPathProblems('offer_paths', f.offer_paths));
  // BOLT 12: "if the current time is after `offer_absolute_expiry`: MUST NOT respond to the offer."
  if (!mirrored && opts.now !== undefined && f.offer_absolute_expiry !== undefined && BigInt(opts.now) > f.offer_absolute_expiry) {
    out.push({
      kind: 'Expired',
      message: `offer_absolute_expiry: offer expired at ${f.offer_absolute_expiry}`,
      warning: 'warning_offer_expired',
    });
  }
  return out;
}

/** BOLT 12: "if `<field>` contains any unknown even bits: MUST NOT respond / MUST reject" (bits in `known` are ours). */
export function unknownFeatureProblems(
  field: 'offer_features' | 'invreq_features' | 'invoice_features',
  features: Uint8Array | undefined,
  known: readonly number[],
): Problem[] {
  const bit = unknownEvenFeature(features, known);
  if (bit === undefined) return [];
  return [{ kind: 'UnknownEvenFeature', message: `${field}: unknown even feature bit ${bit}`, warning: `warning_unknown_${field}` }];
}

/** BOLT 12: "if `num_hops` is 0 in any `blinded_path` in `<field>`: MUST NOT respond / MUST reject". */
export function emptyPathProblems(field: string, paths: readonly BlindedPath[] | undefined): Problem[] {
  const out: Problem[] = [];
  (paths ?? []).forEach((p, i) => {
    if (p.path.length === 0) {
      out.push({ kind: 'EmptyPath', message: `${field}: blinded path ${i} has 0 hops`, warning: 'warning_empty_blinded_path' });
    }
  });
  return out;
}

/**
 * Reads an offer without judging it: wire errors throw, semantic problems are returned (for `decode`).
 */
export function inspectOffer(input: string | Uint8Array, opts: ReadOptions = {}): { offer: OfferView; problems: Problem[] } {
  const bytes = bolt12Bytes(input, 'lno');
  const stream = decodeTlvStream(bytes, OFFER_TABLE);
  const offer: OfferView = {
    bytes,
    records: stream.records,
    fields: stream.fields,
    unknown: stream.unknown,
    offer_id: computeOfferId(stream.records),
  };
  return { offer, problems: offerFieldProblems(stream.fields, opts) };
}

/**
 * Reads an `lno1…` string (or raw offer TLV bytes) and enforces every reader MUST of BOLT 12;
 * expiry and chain only when `opts.now` / `opts.chain` are given.
 *
 * @example parseOffer('lno1zcss9mk8y3wkklfvevcrszlmu23kfrxh49px20665dqwmn4p72pksese').fields.offer_issuer_id
 */
export function parseOffer(input: string | Uint8Array, opts: ReadOptions = {}): Offer {
  const { offer, problems } = inspectOffer(input, opts);
  throwFirst(problems);
  return Object.freeze({ ...offer, string: encodeBolt12String('lno', offer.bytes) }) as Offer;
}

/**
 * Writes an offer from its fields, plus any extra (unknown or experimental) records kept verbatim,
 * and reads it back, so a built offer satisfies exactly what a reader requires.
 *
 * @example buildOffer({ offer_description: 'coffee', offer_amount: 1000n, offer_issuer_id: nodeId }).string
 */
export function buildOffer(fields: OfferFields, extra: readonly TlvRecord[] = []): Offer {
  return parseOffer(recordsToBytes(encodeFields(OFFER_TABLE, fields, extra)));
}
