/**
 * `invoicerequest amount description [issuer] [label] [absolute_expiry] [single_use]`,
 * `listinvoicerequests [invreq_id] [active_only]`, `disableinvoicerequest invreq_id` (reference §4.14):
 * our "offers to pay" (`lnr`), signed with the node key, single-use by default.
 */
import { defineCommand, opt, req } from '../command.js';
import { amountMsat, bool, escapedString, sha256, u64 } from '../params.js';
import { requireOffers } from './offer-context.js';
import { formatInvoiceRequest } from './offer-format.js';

export const invoicerequest = defineCommand({
  name: 'invoicerequest',
  description: 'Creates a signed BOLT12 invoice_request (lnr): an offer to pay `amount` to whoever sends an invoice.',
  params: {
    amount: req(amountMsat),
    description: req(escapedString),
    issuer: opt(escapedString),
    label: opt(escapedString),
    absolute_expiry: opt(u64),
    single_use: opt(bool, true),
  },
  run: async (p, ctx) =>
    formatInvoiceRequest(
      await requireOffers(ctx).createInvoiceRequest({
        amount_msat: p.amount,
        description: p.description,
        ...(p.issuer !== undefined ? { issuer: p.issuer } : {}),
        ...(p.label !== undefined ? { label: p.label } : {}),
        ...(p.absolute_expiry !== undefined ? { absolute_expiry: p.absolute_expiry } : {}),
        single_use: p.single_use,
      }),
    ),
});

export const listinvoicerequests = defineCommand({
  name: 'listinvoicerequests',
  description: 'Lists our invoice_requests (one by invreq_id), optionally only the active ones.',
  params: { invreq_id: opt(sha256), active_only: opt(bool, false) },
  run: async (p, ctx) => ({
    invoicerequests: (await requireOffers(ctx).listInvoiceRequests(p.invreq_id, p.active_only)).map(formatInvoiceRequest),
  }),
});

export const disableinvoicerequest = defineCommand({
  name: 'disableinvoicerequest',
  description: 'Disables an active invoice_request.',
  params: { invreq_id: req(sha256) },
  run: async (p, ctx) => formatInvoiceRequest(await requireOffers(ctx).disableInvoiceRequest(p.invreq_id)),
});
