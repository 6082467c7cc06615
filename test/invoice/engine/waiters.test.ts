/** Waiters: thousands woken by one event are released in slices, each with the event it took at once. */
import { describe, expect, it } from 'vitest';
import type { InvoiceEvent } from '../../../src/invoice/events.js';
import { RELEASE_SLICE, Waiters, waitKey } from '../../../src/invoice/engine/waiters.js';

const paid = (value: number): InvoiceEvent => ({
  index: 'updated',
  value,
  details: { status: 'paid', label: 'l' } as InvoiceEvent['details'],
  change: 'paid',
  label: 'l',
  payment_hash: new Uint8Array(32),
});

describe('Waiters', () => {
  it('wakes RELEASE_SLICE waits per turn of the event loop; none takes a later event', async () => {
    const w = new Waiters();
    const N = RELEASE_SLICE * 4 + 7;
    const got: number[] = [];
    const subs = Array.from({ length: N }, () => w.subscribe(waitKey.payments, () => true));
    for (const s of subs) void s.next().then((ev) => got.push(ev.value));
    w.dispatch(paid(1));
    expect(w.size).toBe(0);
    w.dispatch(paid(2)); // nobody left to take it
    await Promise.resolve();
    await Promise.resolve();
    expect(got).toHaveLength(RELEASE_SLICE);
    const turns: number[] = [];
    while (got.length < N) {
      await new Promise((r) => setImmediate(r));
      turns.push(got.length);
    }
    expect(turns.length).toBeGreaterThanOrEqual(4);
    expect(new Set(got)).toEqual(new Set([1]));
  });
});
