/**
 * BOLT 12 invoices (`lni`, CLN's and LDK's prefix; BOLT 12 itself sends invoices only inside onion
 * messages): reader with every MUST of an invoice reader, writer answering an invoice_request, and the
 * check that an invoice answers a given request.
 */
import { equalBytes } from '../../util/bytes.js';
import { bolt12Bytes, encodeBolt12String } from './string.js';
import { fail } from './errors.js';
import type { BlindedPath, BlindedPayInfo } from './blinded-path.js';
import {
  DEFAULT_INVOICE_RELATIVE_EXPIRY,
  INVOICE_OWN_TABLE,
  INVOICE_TABLE,
  INVREQ_COPY_RANGES,
  KNOWN_INVOICE_FEATURES,
  KNOWN_PAYINFO_FEATURES,
  type InvoiceFields,
  type InvoiceOwnFields,
} from './fields.js';
import { isSignatureType, signatureProblems, unsignedMessage, type SchnorrSigner } from './merkle.js';
import { emptyPathProblems, offerFieldProblems, unknownFeatureProblems } from './offer.js';
import { derivedIds, invreqFieldProblems, isOfferResponse, type InvoiceRequest } from './invoice-request.js';
import { throwFirst, type Problem, type ReadOptions } from './problems.js';
import { decodeTlvStream, encodeFields, inRanges, recordsToBytes, type TlvRecord } from './tlv-stream.js';
import { unknownEvenFeature } from './wire-types.js';

declare const invoiceBrand: unique symbol;

/** A structurally sound invoice, valid or not. */
export interface Bolt12InvoiceView {
  readonly bytes: Uint8Array;
  readonly records: readonly TlvRecord[];
  readonly fields: InvoiceFields;
  readonly unknown: readonly TlvRecord[];
  readonly merkle_root: Uint8Array;
  /** CLN's invreq_id of the mirrored invoice_request fields. */
  readonly invreq_id: Uint8Array;
  /** CLN's offer_id, when the invoice answers an offer. */
  readonly offer_id?: Uint8Array;
}

/** A valid, signed BOLT 12 invoice. */
export interface Bolt12Invoice extends Bolt12InvoiceView {
  readonly [invoiceBrand]: true;
  readonly string: string;
}

/** An invoice built but not yet signed: sign `sighash` with the key of `invoice_node_id`. */
export interface UnsignedBolt12Invoice {
  readonly records: readonly TlvRecord[];
  readonly merkle_root: Uint8Array;
  readonly sighash: Uint8Array;
}

/** BOLT 12 tag fields: SIG("lightninginvoicesignature", root, key). */
export const INVOICE_MESSAGE_NAME = 'invoice';

/** Unix time after which the invoice must not be paid (`invoice_created_at` + relative expiry, default 7200). */
export function invoiceExpiresAt(f: InvoiceFields): bigint | undefined {
  if (f.invoice_created_at === undefined) return undefined;
  return f.invoice_created_at + BigInt(f.invoice_relative_expiry ?? DEFAULT_INVOICE_RELATIVE_EXPIRY);
}

/** Indexes of `invoice_paths` a payer may use: BOLT 12 "MUST NOT use ... if `payinfo`.`features` has any unknown even bits set". */
export function usablePaths(f: InvoiceFields): number[] {
  const infos = f.invoice_blindedpay ?? [];
  return (f.invoice_paths ?? []).flatMap((_, i) => {
    const info = infos[i];
    return info && unknownEvenFeature(info.features, KNOWN_PAYINFO_FEATURES) === undefined ? [i] : [];
  });
}

function invoiceProblems(f: InvoiceFields, merkle_root: Uint8Array, opts: ReadOptions): Problem[] {
  const out: Problem[] = [];
  if (isOfferResponse(f)) out.push(...offerFieldProblems(f, {}, true));
  out.push(...invreqFieldProblems(f, opts, true));
  // BOLT 12: "MUST reject the invoice if `invoice_amount` / `invoice_created_at` / `invoice_payment_hash` /
  // `invoice_node_id` is not present."
  for (const name of ['invoice_amount', 'invoice_created_at', 'invoice_payment_hash', 'invoice_node_id'] as const) {
    if (f[name] === undefined) out.push({ kind: 'MissingField', message: `${name}: missing`, warning: `warning_missing_${name}` });
  }
  out.push(...unknownFeatureProblems('invoice_features', f.invoice_features, KNOWN_INVOICE_FEATURES));
  // BOLT 12: "MUST reject the invoice if the current time since 1970-01-01 UTC is greater than
  // `invoice_created_at` plus `seconds_from_creation`" (7200 without `invoice_relative_expiry`).
  const expiresAt = invoiceExpiresAt(f);
  if (opts.now !== undefined && expiresAt !== undefined && BigInt(opts.now) > expiresAt) {
    out.push({ kind: 'Expired', message: `invoice_relative_expiry: invoice expired at ${expiresAt}`, warning: 'warning_invoice_expired' });
  }
  // BOLT 12: "MUST reject the invoice if `invoice_paths` is not present or is empty", "if `num_hops` is 0
  // in any `blinded_path`", "if `invoice_blindedpay` is not present", "does not contain exactly one
  // `blinded_payinfo` per `invoice_paths`.`blinded_path`", and if unknown even payinfo features
  // "leave no usable paths".
  const paths: readonly BlindedPath[] = f.invoice_paths ?? [];
  const infos: readonly BlindedPayInfo[] | undefined = f.invoice_blindedpay;
  if (paths.length === 0) {
    out.push({ kind: 'MissingField', message: 'invoice_paths: missing or empty', warning: 'warning_missing_invoice_paths' });
  }
  out.push(...emptyPathProblems('invoice_paths', f.invoice_paths));
  if (infos === undefined) {
    out.push({ kind: 'MissingField', message: 'invoice_blindedpay: missing', warning: 'warning_missing_invoice_blindedpay' });
  } else if (infos.length !== paths.length) {
    out.push({
      kind: 'InvalidPayInfo',
      message: `invoice_blindedpay: ${infos.length} payinfo for ${paths.length} paths`,
      warning: 'warning_invalid_invoice_blindedpay',
    });
  } else if (paths.length > 0 && usablePaths(f).length === 0) {
    out.push({
      kind: 'InvalidPayInfo',
      message: 'invoice_blindedpay: unknown even features leave no usable path',
      warning: 'warning_invalid_invoice_blindedpay',
    });
  }
  // BOLT 12: "MUST reject the invoice if `signature` is not a valid signature using `invoice_node_id`".
  out.push(...signatureProblems(INVOICE_MESSAGE_NAME, f.signature, merkle_root, f.invoice_node_id));
  return out;
}

/** Reads an invoice without judging it: wire errors throw, semantic problems are returned. */
export function inspectInvoice(input: string | Uint8Array, opts: ReadOptions = {}): { invoice: Bolt12InvoiceView; problems: Problem[] } {
  const bytes = bolt12Bytes(input, 'lni');
  const { records, fields: f, unknown } = decodeTlvStream(bytes, INVOICE_TABLE);
  const derived = derivedIds(records, f);
  const invoice: Bolt12InvoiceView = { bytes, records, fields: f, unknown, ...derived };
  return { invoice, problems: invoiceProblems(f, derived.merkle_root, opts) };
}

/**
 * Reads an `lni1…` string (or raw invoice TLV bytes) and enforces every MUST of a BOLT 12 invoice
 * reader that does not need the request we sent (for that, see {@link checkInvoiceAnswers}).
 */
export function parseInvoice(input: string | Uint8Array, opts: ReadOptions = {}): Bolt12Invoice {
  const { invoice, problems } = inspectInvoice(input, opts);
  throwFirst(problems);
  return Object.freeze({ ...invoice, string: encodeBolt12String('lni', invoice.bytes) }) as Bolt12Invoice;
}

/**
 * Builds an unsigned invoice answering `invreq`. BOLT 12: "MUST copy all non-signature fields from the
 * invoice request (including unknown fields)"; `fields` add the invoice's own (160–176).
 */
export function buildInvoice(invreq: InvoiceRequest, fields: InvoiceOwnFields, extra: readonly TlvRecord[] = []): UnsignedBolt12Invoice {
  const copied = invreq.records.filter((r) => !isSignatureType(r.type));
  return unsignedMessage(INVOICE_MESSAGE_NAME, encodeFields(INVOICE_OWN_TABLE, fields, [...copied, ...extra]));
}

/** Signs with `invoice_node_id`'s signer and reads the result back, so it is a valid {@link Bolt12Invoice}. */
export function signInvoice(unsigned: UnsignedBolt12Invoice, sign: SchnorrSigner, opts: ReadOptions = {}): Bolt12Invoice {
  const records = encodeFields(INVOICE_TABLE, { signature: sign(unsigned.sighash) }, unsigned.records);
  return parseInvoice(recordsToBytes(records), opts);
}

/**
 * A payer's checks that `invoice` answers `invreq`: BOLT 12 "MUST reject the invoice if all fields in
 * ranges 0 to 159 and 1000000000 to 2999999999 (inclusive) do not exactly match the invoice request",
 * `invoice_node_id` equal to `offer_issuer_id` (when set), and `invoice_amount` equal to `invreq_amount`
 * (when we set one). Throws a Bolt12ParseError of kind 'Mismatch'.
 */
export function checkInvoiceAnswers(invoice: Bolt12Invoice, invreq: InvoiceRequest): void {
  const mirrored = (rs: readonly TlvRecord[]) => recordsToBytes(rs.filter((r) => inRanges(r.type, INVREQ_COPY_RANGES)));
  if (!equalBytes(mirrored(invoice.records), mirrored(invreq.records))) {
    fail('Mismatch', 'invoice: fields do not match the invoice_request');
  }
  const f = invoice.fields;
  const issuer = invreq.fields.offer_issuer_id;
  if (issuer && !(f.invoice_node_id && equalBytes(f.invoice_node_id, issuer))) {
    fail('Mismatch', 'invoice_node_id: not the offer_issuer_id');
  }
  const amount = invreq.fields.invreq_amount;
  if (amount !== undefined && f.invoice_amount !== amount) {
    fail('Mismatch', 'invoice_amount: not the invreq_amount');
  }
}
