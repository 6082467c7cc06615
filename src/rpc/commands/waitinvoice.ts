/**
 * `waitinvoice label` (reference §4.6) and `waitanyinvoice [lastpay_index] [timeout]` (§4.7). Both pend
 * until the engine answers; the connection closing aborts them (ctx.signal).
 */
import { defineCommand, opt, req } from '../command.js';
import { MEANING } from '../param-meanings.js';
import { formatInvoice } from '../format-invoice.js';
import { label, u64 } from '../params.js';
import { RawJson, writeJson } from '../json-writer.js';
import type { Invoice } from '../../invoice/invoice.js';
import { InvoiceError } from '../../invoice/errors.js';

/**
 * An invoice's JSON, serialised once per invoice record: every waiter woken by one payment receives the
 * same record from the engine, so thousands of them share one text instead of each formatting and
 * serialising its own (docs/performance.md, waiters' memory). Records read back from the database are
 * distinct objects and simply miss. The handlers are not async for the same reason: a pending wait then
 * holds only the engine's promise, no suspended frame.
 */
const byRecord = new WeakMap<Invoice, RawJson>();

function sharedInvoice(inv: Invoice): RawJson {
  let raw = byRecord.get(inv);
  if (raw === undefined) byRecord.set(inv, (raw = new RawJson(writeJson(formatInvoice(inv)))));
  return raw;
}

export const waitinvoice = defineCommand({
  name: 'waitinvoice',
  description: 'Waits until the invoice is paid (903 if it expires, -1 if deleted).',
  result: 'The invoice object once paid; error 903 if it expires, -1 if it is deleted.',
  params: { label: req(label, MEANING.label) },
  run: (p, ctx) => ctx.engine.waitInvoice(p.label, ctx.signal).then(sharedInvoice),
  // As CLN: the label must exist; the wait itself is not started.
  check: async (p, ctx) => {
    if ((await ctx.engine.list({ label: p.label })).length === 0) throw new InvoiceError('Failed', 'Label not found');
  },
});

export const waitanyinvoice = defineCommand({
  name: 'waitanyinvoice',
  description: 'Returns the first invoice paid with pay_index above lastpay_index, waiting if needed (904 on timeout).',
  result: 'The first invoice paid with a pay_index above lastpay_index; error 904 on timeout.',
  params: {
    lastpay_index: opt(u64, 'The pay_index seen last (0 for the first paid invoice).', 0n),
    timeout: opt(u64, 'Seconds to wait at most (default: no limit).'),
  },
  // As CLN (`param()` ends a check there): only the parameters; the real run refuses nothing else before
  // it waits, and a check waits for nothing (it answers at once, whatever is paid).
  check: 'params',
  run: (p, ctx) => ctx.engine.waitAnyInvoice(p.lastpay_index, p.timeout, ctx.signal).then(sharedInvoice),
});
