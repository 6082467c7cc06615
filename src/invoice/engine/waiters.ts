/**
 * Waiters without polling: each pending `waitinvoice`, `waitanyinvoice` or `wait` subscribes to the events
 * of one key (a label, payments, or one index) and sleeps until an event it accepts arrives. A subscriber is
 * registered BEFORE the caller reads the current state, and keeps the first event it accepts, so an event
 * that commits between the read and the sleep is never lost.
 */
import { InvoiceError } from '../errors.js';
import type { InvoiceEvent } from '../events.js';

/**
 * One subscription: `next()` resolves with the first accepted event; `cancel()` unsubscribes. A subscription
 * ends itself once it has its event or has failed (abort, shutdown), so a caller that awaits `next()` need
 * not cancel afterwards; `cancel()` is for leaving early and is harmless twice.
 */
export interface Subscription {
  /** The first accepted event so far, if any (without waiting). */
  readonly received: InvoiceEvent | undefined;
  next(): Promise<InvoiceEvent>;
  cancel(): void;
}

/**
 * One subscription, as one object: it is its own abort listener (`handleEvent`) and carries its state in
 * fields rather than closures, because thousands may pend at once and each closure costs memory.
 */
class Sub implements Subscription {
  event?: InvoiceEvent;
  resolve?: (ev: InvoiceEvent) => void;
  reject?: (e: unknown) => void;
  failure?: unknown;

  constructor(
    private readonly owner: Waiters,
    private readonly key: string,
    readonly accept: (ev: InvoiceEvent) => boolean,
    private readonly signal: AbortSignal | undefined,
  ) {}

  get received(): InvoiceEvent | undefined {
    return this.event;
  }

  next(): Promise<InvoiceEvent> {
    return new Promise<InvoiceEvent>((resolve, reject) => {
      if (this.event) return resolve(this.event);
      if (this.failure !== undefined) return reject(this.failure);
      this.resolve = resolve;
      this.reject = reject;
    });
  }

  cancel(): void {
    this.owner.remove(this.key, this);
    this.detach();
  }

  /** Stops listening for the abort (the subscription got its event). */
  detach(): void {
    this.signal?.removeEventListener('abort', this);
  }

  fail(e: unknown): void {
    this.cancel();
    this.failure = e;
    this.reject?.(e);
  }

  /** The abort listener. */
  handleEvent(): void {
    this.fail(this.signal?.reason ?? new InvoiceError('Failed', 'Wait aborted'));
  }
}

/** Waits woken per turn of the event loop. */
export const RELEASE_SLICE = 500;

function wake(subs: readonly Sub[], from: number, ev: InvoiceEvent): void {
  const end = Math.min(subs.length, from + RELEASE_SLICE);
  for (let i = from; i < end; i++) subs[i]!.resolve?.(ev);
  if (end < subs.length) setImmediate(() => wake(subs, end, ev));
}

/** Keys events are delivered under. */
export const waitKey = {
  label: (label: string) => `label:${label}`,
  payments: 'payments',
  index: (name: string) => `index:${name}`,
} as const;

/** The keys an event is delivered to. */
export function keysOf(ev: InvoiceEvent): string[] {
  const keys = [waitKey.index(ev.index)];
  if (ev.change === 'paid' || ev.change === 'expired' || ev.change === 'deleted') keys.push(waitKey.label(ev.label));
  if (ev.change === 'paid') keys.push(waitKey.payments);
  return keys;
}

export class Waiters {
  private readonly subs = new Map<string, Set<Sub>>();
  private closed = false;

  /** Number of live subscriptions (for tests and metrics). */
  get size(): number {
    let n = 0;
    for (const s of this.subs.values()) n += s.size;
    return n;
  }

  /** Number of waits asleep in `next()`: past their read of the current state, waiting for an event. */
  get sleeping(): number {
    let n = 0;
    for (const s of this.subs.values()) for (const sub of s) if (sub.resolve && !sub.event) n++;
    return n;
  }

  /** Subscribes to `key`, keeping the first event `accept` takes; `signal` aborts the wait. */
  subscribe(key: string, accept: (ev: InvoiceEvent) => boolean, signal?: AbortSignal): Subscription {
    if (this.closed) throw new InvoiceError('ShuttingDown', 'Shutting down');
    const sub = new Sub(this, key, accept, signal);
    let set = this.subs.get(key);
    if (!set) this.subs.set(key, (set = new Set()));
    set.add(sub);
    if (signal?.aborted) sub.handleEvent();
    else signal?.addEventListener('abort', sub, { once: true });
    return sub;
  }

  /** Unsubscribes `sub` (Sub.cancel). */
  remove(key: string, sub: Sub): void {
    const s = this.subs.get(key);
    if (s) {
      s.delete(sub);
      if (s.size === 0) this.subs.delete(key);
    }
  }

  /**
   * Delivers `ev` to every subscriber of its keys that accepts it. Each takes the event at once (so it
   * cannot take a later one), but the waits are woken `RELEASE_SLICE` per turn of the event loop: tens
   * of thousands woken by one payment answer over many turns, and other requests are served between.
   */
  dispatch(ev: InvoiceEvent): void {
    const woken: Sub[] = [];
    for (const key of keysOf(ev)) {
      const set = this.subs.get(key);
      if (!set) continue;
      for (const sub of [...set]) {
        if (sub.event || !sub.accept(ev)) continue;
        sub.event = ev;
        set.delete(sub);
        // Done: the waiter may not cancel (waits.ts lets a pending subscription end itself).
        sub.detach();
        woken.push(sub);
      }
      if (set.size === 0) this.subs.delete(key);
    }
    wake(woken, 0, ev);
  }

  /** Fails every pending wait with `ShuttingDown` and refuses new ones. */
  close(): void {
    this.closed = true;
    const err = new InvoiceError('ShuttingDown', 'Shutting down');
    for (const set of [...this.subs.values()]) {
      for (const sub of [...set]) sub.fail(err);
    }
    this.subs.clear();
  }
}
