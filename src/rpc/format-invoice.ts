/**
 * The one formatter of the invoice object (STYLE 10), used by `listinvoices`, `delinvoice`,
 * `waitinvoice`, `waitanyinvoice`, `createinvoice` and as `data` of errors 900 and 903.
 *
 * Field order is CLN's (reference §3), which clients comparing pretty-printed output depend on:
 * label, bolt11|bolt12, payment_hash, amount_msat?, status, [pay_index, amount_received_msat, paid_at,
 * payment_preimage] (paid only), description?, expires_at, local_offer_id?, invreq_payer_note?,
 * created_index, created_at, updated_index (only if non-zero).
 *
 * `created_at` is ours (CLN users asked for it: ElementsProject/lightning#7168). It sits right after
 * `created_index`, because both describe the creation, and before `updated_index`, which is optional:
 * so the always-present fields keep a fixed prefix.
 *
 * Amounts are bigint, written as plain JSON numbers by the writer (exact above 2^53).
 */
import { holdstateOf } from '../invoice/hold/holdstate.js';
import type { Invoice } from '../invoice/invoice.js';
import { RawJson } from './json-writer.js';
import { toHex } from '../util/hex.js';

/** CLN's invoice object; member order is the wire order. */
export interface InvoiceJson {
  label: string;
  bolt11?: string;
  bolt12?: string;
  payment_hash: string;
  amount_msat?: bigint;
  status: Invoice['status'];
  pay_index?: number;
  amount_received_msat?: bigint;
  paid_at?: number;
  payment_preimage?: string;
  description?: string;
  expires_at: number;
  local_offer_id?: string;
  invreq_payer_note?: string;
  created_index: number;
  created_at: number;
  updated_index?: number;
  holdstate?: string;
  htlc_expiry?: number;
  metadata?: RawJson;
}

/**
 * Formats one invoice in CLN's order. The preimage appears only once the invoice is paid. A member that
 * has no value is not set at all (rather than set and deleted), so `Object.keys` (and tests' toEqual) see
 * exactly the wire members and the object keeps a fast shape for the writer.
 */
export function formatInvoice(inv: Invoice): InvoiceJson {
  const out = { label: inv.label } as InvoiceJson;
  out[inv.kind] = inv.invstring;
  out.payment_hash = toHex(inv.payment_hash);
  if (inv.amount_msat !== undefined) out.amount_msat = inv.amount_msat;
  out.status = inv.status;
  if (inv.status === 'paid') {
    if (inv.pay_index !== undefined) out.pay_index = inv.pay_index;
    if (inv.amount_received_msat !== undefined) out.amount_received_msat = inv.amount_received_msat;
    if (inv.paid_at !== undefined) out.paid_at = inv.paid_at;
    out.payment_preimage = toHex(inv.payment_preimage);
  }
  if (inv.description !== undefined) out.description = inv.description;
  out.expires_at = inv.expires_at;
  if (inv.local_offer_id) {
    out.local_offer_id = toHex(inv.local_offer_id);
    if (inv.invreq_payer_note !== undefined) out.invreq_payer_note = inv.invreq_payer_note;
  }
  out.created_index = inv.created_index;
  out.created_at = inv.created_at;
  if (inv.updated_index) out.updated_index = inv.updated_index;
  // Ours (issue 15), after CLN's fields: hold invoices' state, and the client's metadata as stored.
  const holdstate = holdstateOf(inv);
  if (holdstate !== undefined) {
    out.holdstate = holdstate;
    if (holdstate === 'ACCEPTED' && inv.htlc_expiry !== undefined) out.htlc_expiry = inv.htlc_expiry;
  }
  if (inv.metadata !== undefined) out.metadata = new RawJson(inv.metadata);
  return out;
}
