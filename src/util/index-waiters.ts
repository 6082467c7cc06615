/**
 * Waits on an index that only grows, without polling and without losing a wake-up: `wait events created N`
 * (src/events/feed.ts) and `wait outbox created N` (src/offers/outbox.ts). The owner lists what it commits
 * with {@link IndexWaiters.wake}; a wait reads the index once and sleeps until an entry reaches N.
 *
 * The order is the point: the waiter is listed BEFORE the one read of the index (as the invoice waits
 * subscribe before they read), so an entry committed while the read is in flight is handed to the waiter.
 * With the read first, such an entry was missed and the wait slept past it (a CI flake, fixed so).
 */

/** The answer of a wait whose index was already reached when it read it: the index alone. */
export interface IndexReached {
  readonly created: number;
}

/** How one wait reads the index and when it ends early. */
export interface IndexWaitOptions {
  /** Reads the current index, once, after the waiter is listed. */
  readonly read: () => Promise<number>;
  /** The caller's signal: an abort ends the wait, also one that came while the index was read. */
  readonly signal?: AbortSignal | undefined;
  /**
   * The owner's closing signal: its abort ends a sleeping wait. A closing that comes while the index is
   * read is not heard by this wait; an owner that must refuse it says so in `beforeSleep` (the outbox does).
   */
  readonly closing: AbortSignal;
  /** Runs after the read when the wait has to sleep, before it does: throws to refuse the wait instead. */
  readonly beforeSleep?: () => void;
  /** The error a wait ended by either signal rejects with, made at the abort ({@link waitAborted} if absent). */
  readonly abortError?: () => Error;
}

/** The error of a wait its caller gave up on (an `AbortError`, as fetch's). */
export const waitAborted = (): Error => Object.assign(new Error('wait aborted'), { name: 'AbortError' });

interface Waiter<R> {
  readonly nextvalue: number;
  answer(r: R): void;
}

/** Waits answered per turn of the event loop. */
export const WAKE_SLICE = 500;

function answerSlices<R>(due: readonly Waiter<R>[], from: number, answerFor: (nextvalue: number) => R): void {
  const end = Math.min(due.length, from + WAKE_SLICE);
  for (let i = from; i < end; i++) due[i]!.answer(answerFor(due[i]!.nextvalue));
  if (end < due.length) setImmediate(() => answerSlices(due, end, answerFor));
}

/** The waits in progress on one index; `R` is the answer a wake-up gives (the index and its entry). */
export class IndexWaiters<R extends IndexReached> {
  private list: Waiter<R>[] = [];

  /** Waits in progress, reading or asleep (metrics). */
  get size(): number {
    return this.list.length;
  }

  /**
   * The index has reached `index` (committed): every wait for a value ≤ `index` is taken off the list at
   * once, then answered, in the order the waits began, with `answerFor(its nextvalue)`:
   * {@link WAKE_SLICE} in this turn and as many in each later turn of the event loop, so ten thousand
   * waits do not hold the loop in one turn (as the invoice waits, src/invoice/engine/waiters.ts).
   */
  wake(index: number, answerFor: (nextvalue: number) => R): void {
    const due = this.list.filter((w) => w.nextvalue <= index);
    if (due.length === 0) return;
    this.list = this.list.filter((w) => w.nextvalue > index);
    answerSlices(due, 0, answerFor);
  }

  /**
   * Resolves once the index is ≥ `nextvalue`: with `{ created }` (the index alone) when the read shows it
   * already reached, else with the wake-up's answer, also one that came during the read. A failed read
   * rejects with its error; the signals and `beforeSleep` as {@link IndexWaitOptions} say.
   */
  async wait(nextvalue: number, o: IndexWaitOptions): Promise<R | IndexReached> {
    let heard: R | undefined;
    let answer = (r: R) => void (heard = r);
    const waiter: Waiter<R> = { nextvalue, answer: (r) => answer(r) };
    const drop = () => void (this.list = this.list.filter((w) => w !== waiter));
    this.list.push(waiter);
    let current: number;
    try {
      current = await o.read();
    } catch (err) {
      drop();
      throw err;
    }
    if (heard) return heard;
    if (current >= nextvalue) {
      drop();
      return { created: current };
    }
    try {
      o.beforeSleep?.();
    } catch (err) {
      drop();
      throw err;
    }
    const { signal, closing } = o;
    return new Promise<R>((resolve, reject) => {
      const detach = () => {
        signal?.removeEventListener('abort', onAbort);
        closing.removeEventListener('abort', onAbort);
      };
      const onAbort = () => {
        detach();
        drop();
        reject((o.abortError ?? waitAborted)());
      };
      answer = (r) => {
        detach();
        resolve(r);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      closing.addEventListener('abort', onAbort, { once: true });
      // The caller gave up while the index was being read: the listener above came too late to hear it.
      if (signal?.aborted) onAbort();
    });
  }
}
