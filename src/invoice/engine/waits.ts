/**
 * The three waits (reference §4.6–4.8). Each subscribes to its events BEFORE reading the current state
 * (see waiters.ts), so an event committed in between is never lost; none polls.
 */
import type { Kysely } from 'kysely';
import type { Clock } from '../../util/clock.js';
import { COUNTER, type CounterName, type InvoiceDb } from '../store/schema.js';
import { InvoiceError } from '../errors.js';
import type { InvoiceEvent } from '../events.js';
import type { Invoice, InvoiceIndexName, InvoiceWaitResult } from '../invoice.js';
import * as store from '../store/store.js';
import { waitKey, type Waiters } from './waiters.js';

export interface WaitContext {
  readonly db: Kysely<InvoiceDb>;
  readonly waiters: Waiters;
  readonly clock: Clock;
}

const COUNTER_OF: Readonly<Record<InvoiceIndexName, CounterName>> = {
  created: COUNTER.created,
  updated: COUNTER.updated,
  deleted: COUNTER.deleted,
};

const timedOut = () => new InvoiceError('WaitTimedOut', 'Timed out while waiting for invoice to be paid');

/** `waitinvoice` (reference §4.6). */
export async function waitInvoice(ctx: WaitContext, label: string, signal?: AbortSignal): Promise<Invoice> {
  const sub = ctx.waiters.subscribe(waitKey.label(label), (ev) => ev.label === label, signal);
  try {
    const inv = await store.findByLabel(ctx.db, label);
    if (!inv) throw new InvoiceError('Failed', 'Label not found');
    const ev = sub.received ?? (inv.status === 'unpaid' ? await sub.next() : undefined);
    // An event from another daemon carries no invoice record: read it back.
    const outcome = ev
      ? { change: ev.change, invoice: ev.invoice ?? (await store.findByLabel(ctx.db, label)) }
      : { change: inv.status, invoice: inv };
    if (outcome.change === 'paid' && outcome.invoice) return outcome.invoice;
    if (outcome.change === 'expired' && outcome.invoice) {
      throw new InvoiceError('ExpiredDuringWait', 'invoice expired during wait', { invoice: outcome.invoice });
    }
    throw new InvoiceError('Failed', 'Invoice deleted during wait');
  } finally {
    sub.cancel();
  }
}

/** `waitanyinvoice` (reference §4.7): the paid invoice with the smallest pay_index above lastpay_index. */
export async function waitAnyInvoice(
  ctx: WaitContext,
  lastpay_index: bigint,
  timeout: bigint | undefined,
  signal?: AbortSignal,
): Promise<Invoice> {
  const last = lastpay_index > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(lastpay_index);
  const sub = ctx.waiters.subscribe(waitKey.payments, (ev) => (ev.pay_index ?? 0) > last, signal);
  let cancelTimer: (() => void) | undefined;
  let pending = false;
  try {
    const found = await store.firstPaidAfter(ctx.db, last);
    if (found) return found;
    let ev = sub.received;
    if (!ev) {
      if (timeout === 0n) throw timedOut();
      if (timeout === undefined) {
        // Pend without a suspended frame of this function: thousands may wait at once, and the
        // subscription ends itself (event, abort or shutdown), see waiters.ts.
        pending = true;
        return sub.next().then((e) => paidOf(ctx, e, last));
      }
      // The timeout runs on the injected clock; capped so the millisecond count stays exact.
      const timer = new Promise<never>((_, reject) => {
        const ms = Number(timeout > 100_000_000_000n ? 100_000_000_000n : timeout) * 1000;
        cancelTimer = ctx.clock.setTimer(ms, () => reject(timedOut()));
      });
      ev = await Promise.race([sub.next(), timer]);
    }
    return await paidOf(ctx, ev, last);
  } finally {
    cancelTimer?.();
    if (!pending) sub.cancel();
  }
}

/** The invoice an accepted payment event stands for; an event from another daemon carries none: read it. */
function paidOf(ctx: WaitContext, ev: InvoiceEvent, last: number): Invoice | Promise<Invoice> {
  if (ev.invoice) return ev.invoice;
  return store.firstPaidAfter(ctx.db, last).then((paid) => {
    if (!paid) throw new InvoiceError('Failed', 'Paid invoice vanished');
    return paid;
  });
}

/** `wait invoices <index> <nextvalue>` (reference §4.8). */
export async function wait(
  ctx: WaitContext,
  index: InvoiceIndexName,
  nextvalue: bigint,
  signal?: AbortSignal,
): Promise<InvoiceWaitResult> {
  const counter = COUNTER_OF[index];
  if (!counter) throw new InvoiceError('InvalidParams', `indexname: unknown index`, { param: 'indexname' });
  const sub = ctx.waiters.subscribe(waitKey.index(index), (ev) => BigInt(ev.value) >= nextvalue, signal);
  let pending = false;
  try {
    const current = (await store.readCounters(ctx.db))[counter];
    // An event that reached nextvalue while we read came after the call: report it as a wait that had
    // already pended would, with its details.
    const ev = sub.received;
    if (ev) return { index, value: ev.value, details: ev.details };
    if (BigInt(current) >= nextvalue) return { index, value: current };
    // Pend without a suspended frame (see waitAnyInvoice).
    pending = true;
    return sub.next().then((ev) => ({ index, value: ev.value, details: ev.details }));
  } finally {
    if (!pending) sub.cancel();
  }
}
