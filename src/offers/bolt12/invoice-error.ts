/**
 * BOLT 12 `invoice_error` (onion message field 68): the answer to a bad invoice_request or invoice.
 * The spec's reader section is still "FIXME", so the reader enforces the writer's rules: `error` is
 * present, and `suggested_value` only comes with `erroneous_field`.
 */
import { fail } from './errors.js';
import { decodeTlvStream, encodeFields, recordsToBytes, tlvField, tlvTable, type TlvRecord, type TlvValues } from './tlv-stream.js';
import { bytesCodec, tu64, utf8Codec } from './wire-types.js';

const INVOICE_ERROR_FIELDS = [
  tlvField(1n, 'erroneous_field', tu64),
  tlvField(3n, 'suggested_value', bytesCodec),
  tlvField(5n, 'error', utf8Codec),
] as const;

export const INVOICE_ERROR_TABLE = tlvTable('invoice_error', INVOICE_ERROR_FIELDS);

export type InvoiceErrorFields = TlvValues<typeof INVOICE_ERROR_FIELDS>;

/** A read or built invoice_error. */
export interface Bolt12InvoiceError {
  readonly bytes: Uint8Array;
  readonly fields: InvoiceErrorFields & { readonly error: string };
  readonly unknown: readonly TlvRecord[];
}

function check(f: InvoiceErrorFields): asserts f is InvoiceErrorFields & { error: string } {
  // BOLT 12: "MUST set `error` to an explanatory string."
  if (f.error === undefined) fail('MissingField', 'error: missing');
  // BOLT 12: "if it sets `erroneous_field`: MAY set `suggested_value`... otherwise: MUST NOT set `suggested_value`."
  if (f.suggested_value !== undefined && f.erroneous_field === undefined) {
    fail('UnexpectedField', 'suggested_value: set without erroneous_field');
  }
}

/** Reads an invoice_error TLV stream. */
export function parseInvoiceError(bytes: Uint8Array): Bolt12InvoiceError {
  const stream = decodeTlvStream(bytes, INVOICE_ERROR_TABLE);
  const fields = stream.fields;
  check(fields);
  return Object.freeze({ bytes, fields, unknown: stream.unknown });
}

/**
 * Writes an invoice_error.
 *
 * @example buildInvoiceError({ error: 'Unknown offer' }).bytes // 050d556e6b6e6f776e206f66666572
 */
export function buildInvoiceError(fields: InvoiceErrorFields & { error: string }): Bolt12InvoiceError {
  return parseInvoiceError(recordsToBytes(encodeFields(INVOICE_ERROR_TABLE, fields)));
}
