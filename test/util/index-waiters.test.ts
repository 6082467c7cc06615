/**
 * The listen-then-read wait of `wait events` and `wait outbox` (src/util/index-waiters.ts): the index alone
 * when it is already reached, the entry on a wake-up, and a wake-up that comes while the index is being
 * read reaches the wait (the waiter is listed before the read).
 */
import { describe, expect, it, vi } from 'vitest';
import { IndexWaiters, WAKE_SLICE, waitAborted, type IndexReached } from '../../src/util/index-waiters.js';

interface Answer extends IndexReached {
  readonly entry?: string;
}

const never = new AbortController().signal;

/** A read the test resolves by hand, so it can act while the read is in flight. */
function heldRead() {
  let release!: (n: number) => void;
  let fail!: (e: Error) => void;
  const read = () =>
    new Promise<number>((resolve, reject) => {
      release = resolve;
      fail = reject;
    });
  return { read, release: (n: number) => release(n), fail: (e: Error) => fail(e) };
}

describe('IndexWaiters', () => {
  it('answers the index alone when the read shows it reached, and keeps no waiter', async () => {
    const w = new IndexWaiters<Answer>();
    expect(await w.wait(3, { read: async () => 5, closing: never })).toEqual({ created: 5 });
    expect(await w.wait(5, { read: async () => 5, closing: never })).toEqual({ created: 5 });
    expect(w.size).toBe(0);
  });

  it('an entry committed while the index is read reaches the wait, with its entry', async () => {
    const w = new IndexWaiters<Answer>();
    const r = heldRead();
    const pending = w.wait(5, { read: r.read, closing: never });
    expect(w.size).toBe(1); // listed before the read returns
    w.wake(5, () => ({ created: 5, entry: 'e5' }));
    r.release(4); // the read saw the index before the commit
    expect(await pending).toEqual({ created: 5, entry: 'e5' });
    expect(w.size).toBe(0);
  });

  it('a sleeping wait wakes with the answer for its own nextvalue; waits for more sleep on', async () => {
    const w = new IndexWaiters<Answer>();
    const two = w.wait(2, { read: async () => 1, closing: never });
    const three = w.wait(3, { read: async () => 1, closing: never });
    await Promise.resolve();
    await Promise.resolve();
    const asked: number[] = [];
    w.wake(2, (n) => (asked.push(n), { created: 2, entry: `for ${n}` }));
    expect(await two).toEqual({ created: 2, entry: 'for 2' });
    expect(asked).toEqual([2]);
    expect(w.size).toBe(1);
    w.wake(4, (n) => ({ created: 4, entry: `for ${n}` }));
    expect(await three).toEqual({ created: 4, entry: 'for 3' });
    expect(w.size).toBe(0);
  });

  it('a failed read rejects with its error and drops the waiter', async () => {
    const w = new IndexWaiters<Answer>();
    const r = heldRead();
    const pending = w.wait(2, { read: r.read, closing: never });
    r.fail(new Error('no table'));
    await expect(pending).rejects.toThrow('no table');
    expect(w.size).toBe(0);
  });

  it("the caller's abort ends the wait, also one that came during the read", async () => {
    const w = new IndexWaiters<Answer>();
    const during = new AbortController();
    const r = heldRead();
    const first = w.wait(2, { read: r.read, signal: during.signal, closing: never });
    during.abort();
    r.release(1);
    await expect(first).rejects.toMatchObject({ name: 'AbortError', message: 'wait aborted' });

    const later = new AbortController();
    const second = w.wait(2, { read: async () => 1, signal: later.signal, closing: never, abortError: () => new Error('gone') });
    await Promise.resolve();
    later.abort();
    await expect(second).rejects.toThrow('gone');
    expect(w.size).toBe(0);
    expect(waitAborted()).toMatchObject({ name: 'AbortError', message: 'wait aborted' });
  });

  it("the owner's closing ends a sleeping wait; beforeSleep may refuse to sleep", async () => {
    const w = new IndexWaiters<Answer>();
    const closing = new AbortController();
    const asleep = w.wait(2, { read: async () => 1, closing: closing.signal, abortError: () => new Error('Shutting down') });
    await Promise.resolve();
    closing.abort();
    await expect(asleep).rejects.toThrow('Shutting down');
    const refused = w.wait(2, {
      read: async () => 1,
      closing: closing.signal,
      beforeSleep: () => {
        throw new Error('refused');
      },
    });
    await expect(refused).rejects.toThrow('refused');
    // beforeSleep runs only when the wait must sleep
    const refuse = () => {
      throw new Error('x');
    };
    expect(await w.wait(1, { read: async () => 1, closing: closing.signal, beforeSleep: refuse })).toEqual({ created: 1 });
    expect(w.size).toBe(0);
  });

  it('wakes 10,000 waits all, in the order they began, a slice per turn with other work between slices', async () => {
    const w = new IndexWaiters<Answer>();
    const N = 10_000;
    const order: string[] = [];
    const waits = Array.from({ length: N }, (_, i) =>
      w.wait(i + 1, { read: async () => 0, closing: never }).then((a) => void order.push(`wait ${i + 1}: ${'entry' in a ? a.entry : 'none'}`)),
    );
    await new Promise((r) => setImmediate(r)); // every read has returned: all asleep
    expect(w.size).toBe(N);
    // Other work: a callback of each turn of the event loop, noting how many waits were answered by then.
    const seen: number[] = [];
    const tick = () => {
      seen.push(order.length);
      if (order.length < N) setImmediate(tick);
    };
    setImmediate(tick);
    w.wake(N, (n) => ({ created: N, entry: `for ${n}` }));
    expect(w.size).toBe(0); // all taken off at once: a later wake cannot answer one twice
    await Promise.all(waits);
    await vi.waitFor(() => expect(seen.at(-1)).toBe(N), { timeout: 15_000, interval: 5 });
    // One slice per turn, the other work running between slices: the loop was never held for all 10,000.
    expect(seen).toEqual(Array.from({ length: N / WAKE_SLICE }, (_, i) => (i + 1) * WAKE_SLICE));
    expect(order).toEqual(Array.from({ length: N }, (_, i) => `wait ${i + 1}: for ${i + 1}`));
  });
});
