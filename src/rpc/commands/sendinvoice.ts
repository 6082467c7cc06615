/**
 * `sendinvoice invreq label [amount_msat] [timeout] [quantity]` (lightning-sendinvoice(7), reference
 * §4.15): answers an "offer to pay" (`lnr`) with an invoice, has the bridge deliver it (the outbox), and
 * waits until it is paid. Result: the invoice object (status paid). Errors 1002–1005 as the seed lists.
 */
import { defineCommand, opt, req } from '../command.js';
import { formatInvoice } from '../format-invoice.js';
import { amountMsat, invstring, label, u64 } from '../params.js';
import { requireMerchant } from './outbox.js';

export const sendinvoice = defineCommand({
  name: 'sendinvoice',
  description: 'Sends an invoice for an invoice_request (lnr) through the bridge and waits until it is paid.',
  params: {
    invreq: req(invstring),
    label: req(label),
    amount_msat: opt(amountMsat),
    timeout: opt(u64),
    quantity: opt(u64),
  },
  run: async (p, ctx) => {
    const inv = await requireMerchant(ctx).sendinvoice.send(
      {
        invreq: p.invreq,
        label: p.label,
        ...(p.amount_msat !== undefined ? { amount_msat: p.amount_msat } : {}),
        ...(p.timeout !== undefined ? { timeout: p.timeout } : {}),
        ...(p.quantity !== undefined ? { quantity: p.quantity } : {}),
      },
      ctx.signal,
    );
    return formatInvoice(inv);
  },
});
