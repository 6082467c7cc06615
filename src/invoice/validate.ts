/**
 * The engine's own parameter rules, raised with CLN's messages as `InvalidParams` (the RPC binder checks
 * only JSON types and per-parameter reasons). Reference §4.1 and §4.2.
 */
import { InvoiceError } from './errors.js';
import type { ListInvoicesParams } from './api.js';
import type { InvoiceStatus } from './invoice.js';

const enc = new TextEncoder();

/** BOLT 11: the `d` field holds at most 639 bytes of UTF-8. */
export const MAX_DESCRIPTION_BYTES = 639;
/** CLN: "Label '<l>' over 128 bytes" (measured on the JSON-escaped form). */
export const MAX_LABEL_BYTES = 128;

/** The label as CLN measures it: its JSON-escaped UTF-8 form, without the quotes. */
function escapedLabelLength(label: string): number {
  return enc.encode(JSON.stringify(label).slice(1, -1)).length;
}

export function checkLabel(label: string): void {
  if (escapedLabelLength(label) > MAX_LABEL_BYTES) {
    throw new InvoiceError('InvalidParams', `Label '${label}' over ${MAX_LABEL_BYTES} bytes`, { param: 'label' });
  }
}

export function checkDescription(description: string, deschashonly: boolean): void {
  const n = enc.encode(description).length;
  if (!deschashonly && n > MAX_DESCRIPTION_BYTES) {
    throw new InvoiceError(
      'InvalidParams',
      `Description greater than ${MAX_DESCRIPTION_BYTES} bytes invalid (description length ${n})`,
      { param: 'description' },
    );
  }
}

const STATUSES: readonly InvoiceStatus[] = ['unpaid', 'paid', 'expired'];

/** listinvoices' cross-parameter rules, in CLN's order, plus the `status` filter and `reverse`. */
export function checkListParams(p: ListInvoicesParams): void {
  const selectors = [p.label, p.invstring, p.payment_hash, p.offer_id].filter((x) => x !== undefined).length;
  if (selectors > 1) {
    throw new InvoiceError('InvalidParams', 'Can only specify one of {label}, {invstring}, {payment_hash} or {offer_id}');
  }
  if (p.index !== undefined && p.index !== 'created' && p.index !== 'updated') {
    throw new InvoiceError('InvalidParams', `index: unknown index: ${String(p.index)}`, { param: 'index' });
  }
  if (p.start !== undefined && p.start !== 0n && p.index === undefined) {
    throw new InvoiceError('InvalidParams', 'Can only specify {start} with {index}');
  }
  if (p.limit !== undefined && p.index === undefined) {
    throw new InvoiceError('InvalidParams', 'Can only specify {limit} with {index}');
  }
  if (p.status !== undefined && !STATUSES.includes(p.status)) {
    throw new InvoiceError('InvalidParams', `status: should be 'unpaid', 'paid' or 'expired'`, { param: 'status' });
  }
  if (p.reverse !== undefined && typeof p.reverse !== 'boolean') {
    throw new InvoiceError('InvalidParams', 'reverse: should be a boolean', { param: 'reverse' });
  }
  if (p.limit !== undefined && (!Number.isInteger(p.limit) || p.limit < 0 || p.limit > 0xffffffff)) {
    throw new InvoiceError('InvalidParams', 'limit: should be an unsigned 32 bit integer', { param: 'limit' });
  }
}
