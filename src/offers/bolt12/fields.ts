/**
 * The BOLT 12 TLV tables (STYLE 7), one row per field of the spec, in the spec's order. The
 * invoice_request table contains the offer's rows and the invoice table the invoice_request's, because
 * each message mirrors the one before it.
 */
import { blindedPathsCodec, payInfosCodec } from './blinded-path.js';
import { tlvField, tlvTable, type TlvRange, type TlvValues } from './tlv-stream.js';
import {
  bip340sigCodec,
  bip353NameCodec,
  bytesCodec,
  chainHashCodec,
  chainHashesCodec,
  fallbacksCodec,
  pointCodec,
  sha256Codec,
  tu32,
  tu64,
  utf8Codec,
} from './wire-types.js';

/** BOLT 12 offer ranges: "1 to 79 and 1000000000 to 1999999999". */
export const OFFER_RANGES: readonly TlvRange[] = [
  [1n, 79n],
  [1_000_000_000n, 1_999_999_999n],
];

/** invoice_request: non-signature fields in "0 to 159 and 1000000000 to 2999999999", plus signatures 240–1000. */
export const INVREQ_RANGES: readonly TlvRange[] = [
  [0n, 159n],
  [240n, 1000n],
  [1_000_000_000n, 2_999_999_999n],
];

/** The ranges an invoice copies from its invoice_request (BOLT 12: "all fields in ranges 0 to 159 and 1000000000 to 2999999999"). */
export const INVREQ_COPY_RANGES: readonly TlvRange[] = [
  [0n, 159n],
  [1_000_000_000n, 2_999_999_999n],
];

export const OFFER_FIELDS = [
  tlvField(2n, 'offer_chains', chainHashesCodec),
  tlvField(4n, 'offer_metadata', bytesCodec),
  tlvField(6n, 'offer_currency', utf8Codec),
  tlvField(8n, 'offer_amount', tu64),
  tlvField(10n, 'offer_description', utf8Codec),
  tlvField(12n, 'offer_features', bytesCodec),
  tlvField(14n, 'offer_absolute_expiry', tu64),
  tlvField(16n, 'offer_paths', blindedPathsCodec),
  tlvField(18n, 'offer_issuer', utf8Codec),
  tlvField(20n, 'offer_quantity_max', tu64),
  tlvField(22n, 'offer_issuer_id', pointCodec),
] as const;

const INVREQ_OWN_FIELDS = [
  tlvField(80n, 'invreq_chain', chainHashCodec),
  tlvField(82n, 'invreq_amount', tu64),
  tlvField(84n, 'invreq_features', bytesCodec),
  tlvField(86n, 'invreq_quantity', tu64),
  tlvField(88n, 'invreq_payer_id', pointCodec),
  tlvField(89n, 'invreq_payer_note', utf8Codec),
  tlvField(90n, 'invreq_paths', blindedPathsCodec),
  tlvField(91n, 'invreq_bip_353_name', bip353NameCodec),
] as const;

const METADATA_FIELD = tlvField(0n, 'invreq_metadata', bytesCodec);
const SIGNATURE_FIELD = tlvField(240n, 'signature', bip340sigCodec);

export const INVREQ_FIELDS = [METADATA_FIELD, ...OFFER_FIELDS, ...INVREQ_OWN_FIELDS, SIGNATURE_FIELD] as const;

export const INVOICE_OWN_FIELDS = [
  tlvField(160n, 'invoice_paths', blindedPathsCodec),
  tlvField(162n, 'invoice_blindedpay', payInfosCodec),
  tlvField(164n, 'invoice_created_at', tu64),
  tlvField(166n, 'invoice_relative_expiry', tu32),
  tlvField(168n, 'invoice_payment_hash', sha256Codec),
  tlvField(170n, 'invoice_amount', tu64),
  tlvField(172n, 'invoice_fallbacks', fallbacksCodec),
  tlvField(174n, 'invoice_features', bytesCodec),
  tlvField(176n, 'invoice_node_id', pointCodec),
] as const;

export const INVOICE_FIELDS = [METADATA_FIELD, ...OFFER_FIELDS, ...INVREQ_OWN_FIELDS, ...INVOICE_OWN_FIELDS, SIGNATURE_FIELD] as const;

export const OFFER_TABLE = tlvTable('offer', OFFER_FIELDS, OFFER_RANGES);
export const INVREQ_TABLE = tlvTable('invoice_request', INVREQ_FIELDS, INVREQ_RANGES);
/** The spec sets no range rule for invoice readers; the usual TLV rules (odd unknowns kept) apply. */
export const INVOICE_TABLE = tlvTable('invoice', INVOICE_FIELDS);
/** The fields an invoice adds, for building one (the rest is copied from the invoice_request). */
export const INVOICE_OWN_TABLE = tlvTable('invoice', INVOICE_OWN_FIELDS);

export type OfferFields = TlvValues<typeof OFFER_FIELDS>;
export type InvoiceRequestFields = TlvValues<typeof INVREQ_FIELDS>;
export type InvoiceFields = TlvValues<typeof INVOICE_FIELDS>;
export type InvoiceOwnFields = TlvValues<typeof INVOICE_OWN_FIELDS>;

/** Default `invoice_relative_expiry` (BOLT 12: "greater than `invoice_created_at` plus 7200"). */
export const DEFAULT_INVOICE_RELATIVE_EXPIRY = 7200;

/**
 * Feature bits this codec knows per context. BOLT 12 defines none for offers and invoice_requests,
 * and MPP (16/17) for invoices; blinded payinfo features are BOLT 4's, none defined yet.
 */
export const KNOWN_OFFER_FEATURES: readonly number[] = [];
export const KNOWN_INVREQ_FEATURES: readonly number[] = [];
export const KNOWN_INVOICE_FEATURES: readonly number[] = [16, 17];
export const KNOWN_PAYINFO_FEATURES: readonly number[] = [];
