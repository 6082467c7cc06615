/**
 * `sendinvoice invreq label [amount_msat] [timeout] [quantity]` (lightning-sendinvoice(7), reference
 * §4.15): answers an "offer to pay" (`lnr`) with an invoice, has the bridge deliver it (the outbox), and
 * waits until it is paid. Result: the invoice object (status paid). Errors 1002–1005 as the seed lists.
 */
import { defineCommand, opt, req } from '../command.js';
import { formatInvoice } from '../format-invoice.js';
import { amountMsat, invstring, label, u64 } from '../params.js';
import { requireMerchant } from './outbox.js';
import type { SendInvoiceParams } from '../../offers/sendinvoice.js';
import type { Msat } from '../../util/msat.js';

/** The merchant flow's parameters from the bound ones. */
function sendParamsOf(p: {
  readonly invreq: string;
  readonly label: string;
  readonly amount_msat?: Msat | undefined;
  readonly timeout?: bigint | undefined;
  readonly quantity?: bigint | undefined;
}): SendInvoiceParams {
  return {
    invreq: p.invreq,
    label: p.label,
    ...(p.amount_msat !== undefined ? { amount_msat: p.amount_msat } : {}),
    ...(p.timeout !== undefined ? { timeout: p.timeout } : {}),
    ...(p.quantity !== undefined ? { quantity: p.quantity } : {}),
  };
}

export const sendinvoice = defineCommand({
  name: 'sendinvoice',
  description: 'Sends an invoice for an invoice_request (lnr) through the bridge and waits until it is paid.',
  result: 'The invoice object once paid; an error if it expires or the payer answers with an invoice_error.',
  params: {
    invreq: req(invstring, 'The invoice_request (lnr) to answer.'),
    label: req(label, 'Label of the invoice created for it.'),
    amount_msat: opt(amountMsat, 'The amount, when the invoice_request names none.'),
    timeout: opt(u64, 'Seconds to wait for the payment.'),
    quantity: opt(u64, 'The quantity, when the offer allows several.'),
  },
  // CLN's `sendinvoice` checks only its parameters (`param()` ends a check there, its `invreq` parser
  // having checked the request). The real run then refuses an expired request, a quantity, a timeout out
  // of range, a zero amount, an invoice it cannot write and a label in use before it sends anything: the
  // check makes all of those, and writes, sends and waits for nothing.
  check: async (p, ctx) => requireMerchant(ctx).sendinvoice.check(sendParamsOf(p)),
  run: async (p, ctx) => formatInvoice(await requireMerchant(ctx).sendinvoice.send(sendParamsOf(p), ctx.signal)),
});
