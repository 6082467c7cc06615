/**
 * An invoice row and the engine's record, both ways: `rowToInvoice` (every read of the invoices table) and
 * `newRow` (the row a new invoice writes, from what the engine built). Conversion only: no queries.
 */
import { msat, type Msat } from '../../util/msat.js';
import type { InvoiceRow } from './schema.js';
import type { Invoice } from '../invoice.js';
import { toNum } from './prepared.js';

/** Converts a row to the engine's immutable record. */
export function rowToInvoice(r: InvoiceRow): Invoice {
  const inv: Invoice = {
    label: r.label,
    invstring: r.invstring,
    kind: r.kind,
    payment_hash: new Uint8Array(r.payment_hash),
    ...(r.amount_msat !== null ? { amount_msat: msat(BigInt(r.amount_msat)) } : {}),
    status: r.status,
    ...(r.pay_index !== null ? { pay_index: toNum(r.pay_index) } : {}),
    ...(r.amount_received_msat !== null ? { amount_received_msat: msat(BigInt(r.amount_received_msat)) } : {}),
    ...(r.paid_at !== null ? { paid_at: toNum(r.paid_at) } : {}),
    payment_preimage: new Uint8Array(r.payment_preimage),
    ...(r.description !== null ? { description: r.description } : {}),
    expires_at: toNum(r.expires_at),
    ...(r.local_offer_id !== null ? { local_offer_id: new Uint8Array(r.local_offer_id) } : {}),
    ...(r.invreq_payer_note !== null ? { invreq_payer_note: r.invreq_payer_note } : {}),
    created_index: toNum(r.created_index),
    ...(toNum(r.updated_index) !== 0 ? { updated_index: toNum(r.updated_index) } : {}),
    created_at: toNum(r.created_at),
    ...(r.holdstate != null ? { holdstate: r.holdstate } : {}),
    ...(r.htlc_expiry != null ? { htlc_expiry: toNum(r.htlc_expiry) } : {}),
    ...(r.metadata != null ? { metadata: r.metadata } : {}),
  };
  return Object.freeze(inv);
}

/** A new invoice row, as the engine built it. */
export interface NewInvoiceRow {
  readonly created_index: number;
  readonly label: string;
  readonly kind: 'bolt11' | 'bolt12';
  readonly invstring: string;
  readonly payment_hash: Uint8Array;
  readonly payment_preimage: Uint8Array;
  readonly amount_msat?: Msat;
  readonly description?: string;
  readonly expires_at: number;
  readonly local_offer_id?: Uint8Array;
  readonly invreq_payer_note?: string;
  readonly created_at: number;
}

/** The row of a new invoice: the bound values, and NULL (or 0) in every column a new invoice leaves unset. */
export function newRow(r: NewInvoiceRow): InvoiceRow {
  return {
    created_index: r.created_index,
    label: r.label,
    kind: r.kind,
    invstring: r.invstring,
    payment_hash: r.payment_hash,
    payment_preimage: r.payment_preimage,
    amount_msat: r.amount_msat !== undefined ? r.amount_msat.toString() : null,
    status: 'unpaid',
    pay_index: null,
    amount_received_msat: null,
    paid_at: null,
    description: r.description ?? null,
    expires_at: r.expires_at,
    local_offer_id: r.local_offer_id ?? null,
    invreq_payer_note: r.invreq_payer_note ?? null,
    updated_index: 0,
    created_at: r.created_at,
    holdstate: null,
    htlc_expiry: null,
    metadata: null,
    idempotency_key: null,
    idempotency_fingerprint: null,
    idempotency_warnings: null,
  };
}
