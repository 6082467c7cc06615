/** `createinvoice invstring label preimage` (reference §4.9): store and sign an externally built invoice. */
import { defineCommand, req } from '../command.js';
import { MEANING } from '../param-meanings.js';
import { formatInvoice } from '../format-invoice.js';
import { invstring, label, preimage } from '../params.js';
import { decodeBolt11 } from '../../invoice/bolt11/index.js';
import { checkCreateFromInvstring } from '../../invoice/create.js';

export const createinvoice = defineCommand({
  name: 'createinvoice',
  description: 'Signs and stores an invoice built elsewhere (BOLT11, or an unsigned BOLT12 lni).',
  result: 'The stored invoice object (label, bolt11 or bolt12, payment_hash, status, created_index, …), signed by this node.',
  params: {
    invstring: req(invstring, MEANING.invstring),
    label: req(label, MEANING.label),
    preimage: req(preimage, "The preimage whose hash is the invoice's payment_hash.", { secret: true }),
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
