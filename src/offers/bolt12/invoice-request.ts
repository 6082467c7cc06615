/**
 * BOLT 12 invoice_requests (`lnr`): reader with every codec-checkable MUST, writer (builder → unsigned
 * → signed), and CLN's `invreq_id`.
 *
 * What needs our database (does the offer exist, is it live, did the request come over the right path,
 * currency conversion) is the merchant flow's job; everything decidable from the bytes is here.
 */
import { equalBytes } from '../../util/bytes.js';
import { bolt12Bytes, encodeBolt12String } from './string.js';
import { fail } from './errors.js';
import { INVREQ_COPY_RANGES, INVREQ_TABLE, KNOWN_INVREQ_FEATURES, type InvoiceRequestFields } from './fields.js';
import { isSignatureType, merkleRoot, signatureProblems, unsignedMessage, type SchnorrSigner } from './merkle.js';
import {
  BITCOIN_CHAIN,
  computeOfferId,
  emptyPathProblems,
  hashRecordsInRanges,
  offerFieldProblems,
  unknownFeatureProblems,
  type Offer,
} from './offer.js';
import { throwFirst, type Problem, type ReadOptions } from './problems.js';
import { decodeTlvStream, encodeFields, recordsToBytes, type TlvRecord } from './tlv-stream.js';
import { isValidBip353Part } from './wire-types.js';

declare const invreqBrand: unique symbol;

/** A structurally sound invoice_request, valid or not. */
export interface InvoiceRequestView {
  readonly bytes: Uint8Array;
  readonly records: readonly TlvRecord[];
  readonly fields: InvoiceRequestFields;
  readonly unknown: readonly TlvRecord[];
  /** Merkle root of the non-signature records. */
  readonly merkle_root: Uint8Array;
  /** CLN's invreq_id (see {@link computeInvreqId}). */
  readonly invreq_id: Uint8Array;
  /** CLN's offer_id of the offer fields, when this answers an offer (`offer_issuer_id` or `offer_paths`). */
  readonly offer_id?: Uint8Array;
}

/** A valid, signed invoice_request. */
export interface InvoiceRequest extends InvoiceRequestView {
  readonly [invreqBrand]: true;
  readonly string: string;
}

/** An invoice_request built but not yet signed: sign `sighash` with the key of `invreq_payer_id`. */
export interface UnsignedInvoiceRequest {
  readonly records: readonly TlvRecord[];
  readonly merkle_root: Uint8Array;
  readonly sighash: Uint8Array;
}

/** BOLT 12 tag fields: the signature is SIG("lightninginvoice_requestsignature", root, key). */
export const INVREQ_MESSAGE_NAME = 'invoice_request';

/**
 * CLN's invreq_id: SHA256 of the records in 0–159 then 1e9–2999999999 (common/bolt12.c `calc_invreq`),
 * so an invoice answering the request yields the same id.
 */
export function computeInvreqId(records: readonly TlvRecord[]): Uint8Array {
  return hashRecordsInRanges(records, INVREQ_COPY_RANGES);
}

/** True when the request answers an offer (BOLT 12: "if `offer_issuer_id` or `offer_paths` are present"). */
export function isOfferResponse(f: InvoiceRequestFields): boolean {
  return f.offer_issuer_id !== undefined || f.offer_paths !== undefined;
}

/**
 * The invreq fields' own MUSTs, shared with invoices (which mirror them): metadata and payer id present,
 * features, paths, BIP 353 name, chain.
 */
export function invreqFieldProblems(f: InvoiceRequestFields, opts: ReadOptions, inInvoice = false): Problem[] {
  const out: Problem[] = [];
  // BOLT 12: "MUST reject the invoice request if `invreq_payer_id` or `invreq_metadata` are not present."
  if (f.invreq_metadata === undefined) {
    out.push({ kind: 'MissingField', message: 'invreq_metadata: missing', warning: 'warning_missing_invreq_metadata' });
  }
  if (!inInvoice && f.invreq_payer_id === undefined) {
    out.push({ kind: 'MissingField', message: 'invreq_payer_id: missing', warning: 'warning_missing_invreq_payer_id' });
  }
  out.push(...unknownFeatureProblems('invreq_features', f.invreq_features, KNOWN_INVREQ_FEATURES));
  out.push(...emptyPathProblems('invreq_paths', f.invreq_paths));
  const chain = opts.chain;
  if (chain && !equalBytes(f.invreq_chain ?? BITCOIN_CHAIN, chain)) {
    out.push({ kind: 'UnsupportedChain', message: 'invreq_chain: unsupported chain', warning: 'warning_wrong_invreq_chain' });
  }
  const b = f.invreq_bip_353_name;
  if (b && !isValidBip353Part(b.name)) {
    out.push({
      kind: 'InvalidBip353Name',
      message: 'invreq_bip_353_name: name contains invalid characters',
      warning: 'warning_invreq_bip_353_name_name_invalid',
    });
  }
  if (b && !isValidBip353Part(b.domain)) {
    out.push({
      kind: 'InvalidBip353Name',
      message: 'invreq_bip_353_name: domain contains invalid characters',
      warning: 'warning_invreq_bip_353_name_domain_invalid',
    });
  }
  return out;
}

/** The request-vs-offer rules decidable from the request alone (quantity, amount, refund restrictions). */
function offerRelationProblems(f: InvoiceRequestFields): Problem[] {
  const out: Problem[] = [];
  if (isOfferResponse(f)) {
    out.push(...offerFieldProblems(f, {}, true));
    if (f.offer_quantity_max !== undefined) {
      // BOLT 12: "MUST reject the invoice request if there is no `invreq_quantity` field"; "if
      // `offer_quantity_max` is non-zero: MUST reject ... if `invreq_quantity` is zero, OR greater than `offer_quantity_max`."
      if (f.invreq_quantity === undefined) {
        out.push({ kind: 'InvalidQuantity', message: 'invreq_quantity: required by offer_quantity_max', warning: 'warning_missing_invreq_quantity' });
      } else if (f.offer_quantity_max !== 0n && (f.invreq_quantity === 0n || f.invreq_quantity > f.offer_quantity_max)) {
        out.push({
          kind: 'InvalidQuantity',
          message: `invreq_quantity: must be between 1 and ${f.offer_quantity_max}`,
          warning: 'warning_invalid_invreq_quantity',
        });
      }
    } else if (f.invreq_quantity !== undefined) {
      out.push({ kind: 'InvalidQuantity', message: 'invreq_quantity: offer has no offer_quantity_max', warning: 'warning_unexpected_invreq_quantity' });
    }
    if (f.offer_amount === undefined) {
      // BOLT 12: "otherwise (no `offer_amount`): MUST reject the invoice request if it does not contain `invreq_amount`."
      if (f.invreq_amount === undefined) {
        out.push({ kind: 'InvalidAmount', message: 'invreq_amount: required when the offer has no amount', warning: 'warning_missing_invreq_amount' });
      }
    } else if (f.offer_currency === undefined && f.invreq_amount !== undefined) {
      // BOLT 12: "MUST reject the invoice request if `invreq_amount`.`msat` is less than the *expected amount*."
      // (Currency offers need an exchange rate: the merchant flow checks those.)
      const expected = f.offer_amount * (f.invreq_quantity ?? 1n);
      if (f.invreq_amount < expected) {
        out.push({ kind: 'InvalidAmount', message: `invreq_amount: below the expected ${expected}msat`, warning: 'warning_invalid_invreq_amount' });
      }
    }
  } else {
    // BOLT 12: "MUST reject the invoice request if any of the following are present: `offer_chains`,
    // `offer_features` or `offer_quantity_max`. MUST reject the invoice request if `invreq_amount` is not present."
    for (const name of ['offer_chains', 'offer_features', 'offer_quantity_max'] as const) {
      if (f[name] !== undefined) {
        out.push({ kind: 'UnexpectedField', message: `${name}: not allowed without an offer`, warning: `warning_unexpected_${name}` });
      }
    }
    if (f.invreq_amount === undefined) {
      out.push({ kind: 'MissingField', message: 'invreq_amount: required without an offer', warning: 'warning_missing_invreq_amount' });
    }
  }
  return out;
}

/**
 * What an invoice_request, or an invoice (which mirrors one), derives from its records: the Merkle root and
 * CLN's ids. An empty stream has no Merkle root (and no invreq_metadata): it is refused as such.
 */
export function derivedIds(
  records: readonly TlvRecord[],
  f: InvoiceRequestFields,
): { merkle_root: Uint8Array; invreq_id: Uint8Array; offer_id?: Uint8Array } {
  if (!records.some((r) => !isSignatureType(r.type))) fail('MissingField', 'invreq_metadata: missing');
  return {
    merkle_root: merkleRoot(records),
    invreq_id: computeInvreqId(records),
    ...(isOfferResponse(f) ? { offer_id: computeOfferId(records) } : {}),
  };
}

/** Reads an invoice_request without judging it: wire errors throw, semantic problems are returned. */
export function inspectInvoiceRequest(
  input: string | Uint8Array,
  opts: ReadOptions = {},
): { invreq: InvoiceRequestView; problems: Problem[] } {
  const bytes = bolt12Bytes(input, 'lnr');
  const { records, fields: f, unknown } = decodeTlvStream(bytes, INVREQ_TABLE);
  const derived = derivedIds(records, f);
  const invreq: InvoiceRequestView = { bytes, records, fields: f, unknown, ...derived };
  const problems = [
    ...invreqFieldProblems(f, opts),
    ...offerRelationProblems(f),
    // BOLT 12: "MUST reject the invoice request if `signature` is not correct ... using the `invreq_payer_id`."
    ...signatureProblems(INVREQ_MESSAGE_NAME, f.signature, derived.merkle_root, f.invreq_payer_id),
  ];
  return { invreq, problems };
}

/**
 * Reads an `lnr1…` string (or raw TLV bytes from an onion message) and enforces every MUST of a
 * BOLT 12 invoice_request reader that does not need our offers table.
 */
export function parseInvoiceRequest(input: string | Uint8Array, opts: ReadOptions = {}): InvoiceRequest {
  const { invreq, problems } = inspectInvoiceRequest(input, opts);
  throwFirst(problems);
  return Object.freeze({ ...invreq, string: encodeBolt12String('lnr', invreq.bytes) }) as InvoiceRequest;
}

/**
 * Builds an unsigned invoice_request. With `offer`, every offer record is copied verbatim (BOLT 12:
 * "MUST copy all fields from the offer (including unknown fields)") and `fields` add the invreq fields;
 * without one (a refund / "offer to pay"), `fields` carry the `offer_*` fields themselves.
 */
export function buildInvoiceRequest(
  fields: InvoiceRequestFields,
  opts: { offer?: Offer; extra?: readonly TlvRecord[] } = {},
): UnsignedInvoiceRequest {
  if (fields.signature !== undefined) throw new RangeError('signature is added by signInvoiceRequest');
  const copied = opts.offer ? opts.offer.records : [];
  return unsignedMessage(INVREQ_MESSAGE_NAME, encodeFields(INVREQ_TABLE, fields, [...copied, ...(opts.extra ?? [])]));
}

/** Signs with the payer key's signer and reads the result back, so it is a valid {@link InvoiceRequest}. */
export function signInvoiceRequest(unsigned: UnsignedInvoiceRequest, sign: SchnorrSigner, opts: ReadOptions = {}): InvoiceRequest {
  const records = encodeFields(INVREQ_TABLE, { signature: sign(unsigned.sighash) }, unsigned.records);
  return parseInvoiceRequest(recordsToBytes(records), opts);
}
