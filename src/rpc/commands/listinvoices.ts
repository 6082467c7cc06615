/**
 * `listinvoices` (reference §4.2) plus ours: `status` (unpaid|paid|expired) and `reverse` (newest first).
 * Selector exclusivity and the index/start/limit rules are the engine's (their messages are CLN's).
 */
import { defineCommand, opt } from '../command.js';
import { formatInvoice } from '../format-invoice.js';
import { JsonStream } from '../json-stream.js';
import type { Invoice } from '../../invoice/invoice.js';
import { bool, invoiceStatus, invstring, label, listIndex, sha256, string, u32, u64 } from '../params.js';

export const listinvoices = defineCommand({
  name: 'listinvoices',
  bulky: true,
  description: 'Lists invoices: one by label, invstring or payment_hash, or pages by created/updated index.',
  params: {
    label: opt(label),
    invstring: opt(invstring),
    payment_hash: opt(sha256),
    offer_id: opt(sha256),
    index: opt(listIndex),
    start: opt(u64),
    limit: opt(u32),
    status: opt(invoiceStatus),
    reverse: opt(bool),
    metadata_key: opt(string),
    metadata_value: opt(string),
  },
  check: 'run',
  run: async (p, ctx) => {
    // A listing of every invoice is streamed page by page as the client reads it (json-stream.ts).
    const pages = ctx.engine.listPages?.(p);
    if (pages !== undefined) return new JsonStream('invoices', pages, (inv) => formatInvoice(inv as Invoice));
    return { invoices: (await ctx.engine.list(p)).map(formatInvoice) };
  },
});
