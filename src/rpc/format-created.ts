/**
 * The result of `invoice` and `holdinvoice` (reference §4.1): payment_hash, expires_at, bolt11,
 * payment_secret, created_index, then `expiry_time` (= expires_at: the name lightning-invoice(7), the seed
 * page, documents), then the `warning_*` fields. Made from the stored invoice alone, so an idempotent
 * repeat answers with the first call's bytes.
 */
import type { CreatedInvoice, CreateInvoiceParams } from '../invoice/api.js';
import type { Msat } from '../util/msat.js';
import { toHex } from '../util/hex.js';

/** The engine's create parameters from `invoice`'s (and `holdinvoice`'s) bound ones. */
export function createParamsOf(p: Omit<CreateInvoiceParams, 'amount_msat'> & { readonly amount_msat: Msat | 'any' }): CreateInvoiceParams {
  return {
    amount_msat: p.amount_msat === 'any' ? undefined : p.amount_msat,
    label: p.label,
    description: p.description,
    expiry: p.expiry,
    fallbacks: p.fallbacks,
    preimage: p.preimage,
    exposeprivatechannels: p.exposeprivatechannels,
    cltv: p.cltv,
    deschashonly: p.deschashonly,
    webhook: p.webhook,
  };
}

export function formatCreatedInvoice(created: CreatedInvoice): Record<string, unknown> {
  const inv = created.invoice;
  const out: Record<string, unknown> = {
    payment_hash: toHex(inv.payment_hash),
    expires_at: inv.expires_at,
    bolt11: inv.invstring,
    payment_secret: toHex(created.payment_secret),
    created_index: inv.created_index,
    expiry_time: inv.expires_at,
  };
  for (const [name, text] of created.warnings) out[name] = text;
  return out;
}
