/** `delinvoice label status [desconly]` (reference §4.3): returns the invoice as it was. */
import { defineCommand, opt, req } from '../command.js';
import { formatInvoice } from '../format-invoice.js';
import { bool, label, string } from '../params.js';
import { checkDeletable } from '../../invoice/delete-rules.js';

export const delinvoice = defineCommand({
  name: 'delinvoice',
  description: 'Deletes an invoice in the given status, or only its description (desconly).',
  params: {
    label: req(label),
    status: req(string),
    desconly: opt(bool, false),
  },
  run: async (p, ctx) => formatInvoice(await ctx.engine.delete(p.label, p.status, p.desconly)),
  check: async (p, ctx) => void checkDeletable((await ctx.engine.list({ label: p.label }))[0], p.status, p.desconly),
});
