/**
 * Time is injected (DESIGN rule 2): the engine, payment sets and waits read `now()` and arm timers only
 * through a Clock, so tests move time by hand instead of sleeping.
 */

/** Cancels a timer armed with `Clock.setTimer`; calling it twice is harmless. */
export type CancelTimer = () => void;

export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
  /** Calls `fn` once, `ms` from now (never synchronously). */
  setTimer(ms: number, fn: () => void): CancelTimer;
}

/** Whole Unix seconds of `clock`'s current time. */
export function nowSeconds(clock: Clock): number {
  return Math.floor(clock.now() / 1000);
}

/** The real clock. Timers do not keep the process alive (the socket does). */
export const systemClock: Clock = Object.freeze({
  now: () => Date.now(),
  setTimer(ms: number, fn: () => void): CancelTimer {
    // setTimeout takes at most 2^31-1 ms; a longer wait re-arms itself.
    const MAX = 2 ** 31 - 1;
    let handle: NodeJS.Timeout;
    const due = Date.now() + ms;
    const arm = (left: number) => {
      handle = setTimeout(() => {
        const rest = due - Date.now();
        if (rest > 0) arm(rest);
        else fn();
      }, Math.min(Math.max(left, 0), MAX));
      handle.unref();
    };
    arm(ms);
    return () => clearTimeout(handle);
  },
});

/** A clock that moves only when told: `advance(ms)` fires every timer that falls due, in order. */
export class ManualClock implements Clock {
  private t: number;
  private seq = 0;
  private timers = new Map<number, { due: number; fn: () => void }>();

  constructor(startMs = 1_700_000_000_000) {
    this.t = startMs;
  }

  now(): number {
    return this.t;
  }

  setTimer(ms: number, fn: () => void): CancelTimer {
    const id = ++this.seq;
    this.timers.set(id, { due: this.t + Math.max(ms, 0), fn });
    return () => {
      this.timers.delete(id);
    };
  }

  /** Moves time forward by `ms`, firing due timers in due order (each sees `now()` at its due time). */
  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      let next: [number, { due: number; fn: () => void }] | undefined;
      for (const e of this.timers) if (e[1].due <= end && (!next || e[1].due < next[1].due)) next = e;
      if (!next) break;
      this.timers.delete(next[0]);
      this.t = Math.max(this.t, next[1].due);
      next[1].fn();
    }
    this.t = end;
  }

  /** Number of armed timers (for tests that check nothing polls). */
  get pendingTimers(): number {
    return this.timers.size;
  }
}

/** Source of randomness, injected like the clock: `randomBytes(n)` returns n fresh bytes. */
export type RandomSource = (n: number) => Uint8Array;
