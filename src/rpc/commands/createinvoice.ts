/** `createinvoice invstring label preimage` (reference §4.9): store and sign an externally built invoice. */
import { defineCommand, req } from '../command.js';
import { formatInvoice } from '../format-invoice.js';
import { invstring, label, preimage } from '../params.js';
import { decodeBolt11 } from '../../invoice/bolt11/index.js';
import { checkCreateFromInvstring } from '../../invoice/create.js';

export const createinvoice = defineCommand({
  name: 'createinvoice',
  description: 'Signs and stores an invoice built elsewhere (BOLT11, or an unsigned BOLT12 lni).',
  params: {
    invstring: req(invstring),
    label: req(label),
    preimage: req(preimage, { secret: true }),
  },
  // Everything the real run checks before it stores the invoice (CLN's checks up to `command_check_only`):
  // a BOLT11 invoice's decoding, network, amount, description, expiry and preimage; a BOLT12 one's by the
  // merchant flow, which also reads whether its offer is active, adds the path and signs, then stops.
  check: async (p, ctx) => {
    if (p.invstring.startsWith('lni') && ctx.merchant) await ctx.merchant.checkInvoice(p);
    else checkCreateFromInvstring(p.invstring, p.preimage, ctx.network, { decode: decodeBolt11 });
  },
  run: async (p, ctx) =>
    // BOLT 12 (`lni`) invoices are signed and stored by the merchant flow (reference §4.9).
    formatInvoice(p.invstring.startsWith('lni') && ctx.merchant ? await ctx.merchant.createInvoice(p) : await ctx.engine.createFromInvstring(p)),
});
