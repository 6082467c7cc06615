/**
 * `listinvoices` (reference §4.2) plus ours: `status` (unpaid|paid|expired) and `reverse` (newest first).
 * Selector exclusivity and the index/start/limit rules are the engine's (their messages are CLN's).
 */
import { defineCommand, opt } from '../command.js';
import { MEANING } from '../param-meanings.js';
import { formatInvoice } from '../format-invoice.js';
import { JsonStream } from '../json-stream.js';
import type { Invoice } from '../../invoice/invoice.js';
import { bool, invoiceStatus, invstring, label, listIndex, sha256, string, u32, u64 } from '../params.js';

export const listinvoices = defineCommand({
  name: 'listinvoices',
  bulky: true,
  description: 'Lists invoices: one by label, invstring or payment_hash, or pages by created/updated index.',
  result: 'invoices: invoice objects, in created_index order (newest first with reverse), paid fields only when paid.',
  params: {
    label: opt(label, 'Only the invoice with this label.'),
    invstring: opt(invstring, 'Only the invoice with this invoice string.'),
    payment_hash: opt(sha256, 'Only the invoice with this payment_hash.'),
    offer_id: opt(sha256, 'Only the invoices of this offer.'),
    index: opt(listIndex, 'Page by "created" or "updated" index (with start and limit).'),
    start: opt(u64, MEANING.start),
    limit: opt(u32, MEANING.limit),
    status: opt(invoiceStatus, 'Only unpaid, paid or expired ones.'),
    reverse: opt(bool, 'Newest first.'),
    metadata_key: opt(string, MEANING.metadata_key),
    metadata_value: opt(string, MEANING.metadata_value),
  },
  check: 'run',
  run: async (p, ctx) => {
    // A listing of every invoice is streamed page by page as the client reads it (json-stream.ts).
    const pages = ctx.engine.listPages?.(p);
    if (pages !== undefined) return new JsonStream('invoices', pages, (inv) => formatInvoice(inv as Invoice));
    return { invoices: (await ctx.engine.list(p)).map(formatInvoice) };
  },
});
