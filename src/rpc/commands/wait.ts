/**
 * `wait subsystem indexname nextvalue` (reference §4.8). Only the `invoices` subsystem is served here;
 * CLN's other subsystems are valid names that get an error saying so.
 * Result: `{"subsystem":"invoices","<indexname>":N}` plus, when it had to wait, `"invoices": {details}`
 * with keys in CLN's order status, label, bolt11|bolt12, description.
 */
import { defineCommand, req } from '../command.js';
import type { CommandContext } from '../command.js';
import { MEANING } from '../param-meanings.js';
import { ParamError } from '../errors.js';
import { oneOf, u64, waitIndex } from '../params.js';
import type { InvoiceWaitDetails, InvoiceWaitResult } from '../../invoice/invoice.js';
import { RawJson, writeJson } from '../json-writer.js';
import { formatOutboxEntry, requireMerchant } from './outbox.js';
import { eventJson, requireEvents } from './events.js';

/** Every subsystem CLN's `wait` knows. */
export const WAIT_SUBSYSTEMS = ['invoices', 'forwards', 'sendpays', 'htlcs', 'chainmoves', 'channelmoves', 'networkevents', 'outbox', 'events'] as const;

/** The details object, in CLN's order, without absent keys. */
export function formatWaitDetails(d: InvoiceWaitDetails): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (d.status !== undefined) out['status'] = d.status;
  if (d.label !== undefined) out['label'] = d.label;
  if (d.invstring !== undefined) out[d.kind ?? (d.invstring.startsWith('lni') ? 'bolt12' : 'bolt11')] = d.invstring;
  if (d.description !== undefined) out['description'] = d.description;
  if (d.holdstate !== undefined) out['holdstate'] = d.holdstate;
  if (d.metadata !== undefined) out['metadata'] = new RawJson(d.metadata);
  return out;
}

export const wait = defineCommand({
  name: 'wait',
  description: 'Waits until an index of the invoices (or outbox) subsystem reaches nextvalue.',
  result: 'subsystem, the index name and its value once it reached nextvalue, with the details of the change when known.',
  params: {
    subsystem: req(oneOf(WAIT_SUBSYSTEMS, 'unknown subsystem'), MEANING.subsystem),
    indexname: req(waitIndex, 'created, updated or deleted.'),
    nextvalue: req(u64, 'The value to wait for.'),
  },
  // CLN's `wait` checks only its parameters (`param()` ends a check there). The real run then refuses a
  // subsystem this daemon does not serve, an index the outbox or the feed does not have, and a merchant
  // flow or feed this daemon was built without, before it waits: the check makes the same refusals, and
  // answers at once.
  check: async (p, ctx) => refuseWait(p.subsystem, p.indexname, ctx),
  // Not async, and the outbox in its own function: a pending wait holds no suspended frame of this
  // handler, only the engine's promise (thousands may pend at once: docs/performance.md).
  run: (p, ctx) => {
    try {
      refuseWait(p.subsystem, p.indexname, ctx);
    } catch (e) {
      return Promise.reject(e);
    }
    // The outbox (docs/bridge.md §6): `wait outbox created N` returns once message N exists.
    if (p.subsystem === 'outbox') return waitOutbox(p.nextvalue, ctx);
    if (p.subsystem === 'events') return waitEvents(p.nextvalue, ctx);
    return ctx.engine.wait(p.indexname, p.nextvalue, ctx.signal).then(invoicesResult);
  },
});

/** What `wait` refuses before it waits, in the order the real run makes the refusals. */
function refuseWait(subsystem: (typeof WAIT_SUBSYSTEMS)[number], indexname: string, ctx: CommandContext): void {
  if (subsystem === 'outbox') {
    if (indexname !== 'created') throw new ParamError('indexname', "the outbox has only the 'created' index");
    requireMerchant(ctx);
  } else if (subsystem === 'events') {
    if (indexname !== 'created') throw new ParamError('indexname', "the event feed has only the 'created' index");
    requireEvents(ctx);
  } else if (subsystem !== 'invoices') {
    throw new ParamError('subsystem', "not served here: this daemon serves 'invoices', 'outbox' and 'events'");
  }
}

async function waitOutbox(nextvalue: bigint, ctx: CommandContext): Promise<Record<string, unknown>> {
  const r = await requireMerchant(ctx).outbox.wait(Number(nextvalue), ctx.signal);
  return { subsystem: 'outbox', created: r.created, ...(r.entry ? { outbox: formatOutboxEntry(r.entry) } : {}) };
}

/** The feed (docs/events.md): `wait events created N` returns once event N exists, with it when it waited. */
async function waitEvents(nextvalue: bigint, ctx: CommandContext): Promise<Record<string, unknown>> {
  const r = await requireEvents(ctx).wait(Number(nextvalue), ctx.signal);
  return { subsystem: 'events', created: r.created, ...(r.event ? { events: eventJson(r.event.body) } : {}) };
}

function invoicesResult(r: InvoiceWaitResult): Record<string, unknown> | RawJson {
  if (r.details === undefined) return { subsystem: 'invoices', [r.index]: r.value };
  return sharedWaitResult(r, r.details);
}

/**
 * The result of a wait released by an event, serialised once per event: every waiter of one bump gets the
 * same `details` object from the engine, so thousands of waiters released together share one text instead
 * of each formatting and serialising its own (docs/performance.md, waiters' memory).
 */
const byEvent = new WeakMap<InvoiceWaitDetails, { readonly index: string; readonly value: number; readonly raw: RawJson }>();

function sharedWaitResult(r: InvoiceWaitResult, details: InvoiceWaitDetails): RawJson {
  const hit = byEvent.get(details);
  if (hit !== undefined && hit.index === r.index && hit.value === r.value) return hit.raw;
  const raw = new RawJson(writeJson({ subsystem: 'invoices', [r.index]: r.value, invoices: formatWaitDetails(details) }));
  byEvent.set(details, { index: r.index, value: r.value, raw });
  return raw;
}
