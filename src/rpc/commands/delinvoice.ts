/** `delinvoice label status [desconly]` (reference §4.3): returns the invoice as it was. */
import { defineCommand, opt, req } from '../command.js';
import { MEANING } from '../param-meanings.js';
import { formatInvoice } from '../format-invoice.js';
import { bool, label, string } from '../params.js';
import { checkDeletable } from '../../invoice/delete-rules.js';

export const delinvoice = defineCommand({
  name: 'delinvoice',
  description: 'Deletes an invoice in the given status, or only its description (desconly).',
  result: 'The invoice as it was before deletion (or with its description removed, with desconly).',
  params: {
    label: req(label, MEANING.label),
    status: req(string, 'The status the invoice must be in: unpaid, paid or expired (905 otherwise, with the current one).'),
    desconly: opt(bool, 'Remove only the description, keep the invoice.', false),
  },
  run: async (p, ctx) => formatInvoice(await ctx.engine.delete(p.label, p.status, p.desconly)),
  check: async (p, ctx) => void checkDeletable((await ctx.engine.list({ label: p.label }))[0], p.status, p.desconly),
});
