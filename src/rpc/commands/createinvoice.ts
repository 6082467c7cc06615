/** `createinvoice invstring label preimage` (reference §4.9): store and sign an externally built invoice. */
import { defineCommand, req } from '../command.js';
import { formatInvoice } from '../format-invoice.js';
import { invstring, label, preimage } from '../params.js';

export const createinvoice = defineCommand({
  name: 'createinvoice',
  description: 'Signs and stores an invoice built elsewhere (BOLT11, or an unsigned BOLT12 lni).',
  params: {
    invstring: req(invstring),
    label: req(label),
    preimage: req(preimage, { secret: true }),
  },
  run: async (p, ctx) =>
    // BOLT 12 (`lni`) invoices are signed and stored by the merchant flow (reference §4.9).
    formatInvoice(p.invstring.startsWith('lni') && ctx.merchant ? await ctx.merchant.createInvoice(p) : await ctx.engine.createFromInvstring(p)),
});
