/**
 * `invoicerequest amount description [issuer] [label] [absolute_expiry] [single_use]`,
 * `listinvoicerequests [invreq_id] [active_only]`, `disableinvoicerequest invreq_id` (reference §4.14):
 * our "offers to pay" (`lnr`), signed with the node key, single-use by default.
 */
import { defineCommand, opt, req } from '../command.js';
import { MEANING } from '../param-meanings.js';
import { amountMsat, bool, escapedString, sha256, u64 } from '../params.js';
import { requireOffers } from './offer-context.js';
import { formatInvoiceRequest } from './offer-format.js';
import { checkCanDisable } from '../../offers/offer-status-rules.js';
import type { CreateInvoiceRequestParams } from '../../offers/offer-api.js';
import type { Msat } from '../../util/msat.js';

/** The offer engine's parameters from the bound ones. */
function invoiceRequestParamsOf(p: {
  readonly amount: Msat;
  readonly description: string;
  readonly issuer?: string | undefined;
  readonly label?: string | undefined;
  readonly absolute_expiry?: bigint | undefined;
  readonly single_use: boolean;
}): CreateInvoiceRequestParams {
  return {
    amount_msat: p.amount,
    description: p.description,
    ...(p.issuer !== undefined ? { issuer: p.issuer } : {}),
    ...(p.label !== undefined ? { label: p.label } : {}),
    ...(p.absolute_expiry !== undefined ? { absolute_expiry: p.absolute_expiry } : {}),
    single_use: p.single_use,
  };
}

export const invoicerequest = defineCommand({
  name: 'invoicerequest',
  description: 'Creates a signed BOLT12 invoice_request (lnr): an offer to pay `amount` to whoever sends an invoice.',
  result: 'invreq_id, active, single_use, bolt12 (lnr), used and label if any.',
  params: {
    amount: req(amountMsat, 'The amount we offer to pay, in millisatoshi.'),
    description: req(escapedString, 'What the payment is for.'),
    issuer: opt(escapedString, 'Who is paying, shown to the recipient.'),
    label: opt(escapedString, 'A name for it, kept locally.'),
    absolute_expiry: opt(u64, 'Unix time after which invoices for it are refused.'),
    single_use: opt(bool, 'Only one invoice is paid.', true),
  },
  // CLN's `invoicerequest` checks only its parameters (`param()` ends a check there). The real run then
  // needs the offer engine and builds and signs the request before writing it: the check does both, so it
  // never passes what the run refuses, and writes nothing.
  check: async (p, ctx) => requireOffers(ctx).checkInvoiceRequest(invoiceRequestParamsOf(p)),
  run: async (p, ctx) => formatInvoiceRequest(await requireOffers(ctx).createInvoiceRequest(invoiceRequestParamsOf(p))),
});

export const listinvoicerequests = defineCommand({
  name: 'listinvoicerequests',
  bulky: true,
  description: 'Lists our invoice_requests (one by invreq_id), optionally only the active ones.',
  result: 'invoicerequests: invreq_id, active, single_use, bolt12, used and label of each.',
  params: { invreq_id: opt(sha256, MEANING.invreq_id), active_only: opt(bool, MEANING.active_only, false) },
  check: 'run',
  run: async (p, ctx) => ({
    invoicerequests: (await requireOffers(ctx).listInvoiceRequests(p.invreq_id, p.active_only)).map(formatInvoiceRequest),
  }),
});

export const disableinvoicerequest = defineCommand({
  name: 'disableinvoicerequest',
  description: 'Disables an active invoice_request.',
  result: 'The invoice_request, now inactive.',
  params: { invreq_id: req(sha256, MEANING.invreq_id) },
  run: async (p, ctx) => formatInvoiceRequest(await requireOffers(ctx).disableInvoiceRequest(p.invreq_id)),
  check: async (p, ctx) => checkCanDisable((await requireOffers(ctx).listInvoiceRequests(p.invreq_id, false))[0], 'invoice_request'),
});
