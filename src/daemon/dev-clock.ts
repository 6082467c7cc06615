/**
 * A real-time clock that developer-mode tests can move forward (`--dev-clock-offset` at start, the
 * `dev-clock` command while running). It exists so end-to-end tests of expiry and multi-part timeouts
 * never sleep (DESIGN rule 2); without `--developer` the daemon uses `systemClock`.
 */
import type { CancelTimer, Clock } from '../util/clock.js';

interface Pending {
  due: number;
  fn: () => void;
  handle?: NodeJS.Timeout;
}

/** Largest delay setTimeout accepts. */
const MAX_DELAY = 2 ** 31 - 1;

export class AdjustableClock implements Clock {
  private offsetMs: number;
  private seq = 0;
  private readonly timers = new Map<number, Pending>();

  constructor(offsetMs = 0, private readonly realNow: () => number = Date.now) {
    this.offsetMs = offsetMs;
  }

  now(): number {
    return this.realNow() + this.offsetMs;
  }

  /** How far ahead of real time this clock runs, in milliseconds. */
  get offset(): number {
    return this.offsetMs;
  }

  setTimer(ms: number, fn: () => void): CancelTimer {
    const id = ++this.seq;
    const t: Pending = { due: this.now() + Math.max(ms, 0), fn };
    this.timers.set(id, t);
    this.arm(id, t);
    return () => {
      clearTimeout(t.handle);
      this.timers.delete(id);
    };
  }

  /** Jumps forward by `ms`, firing (asynchronously, in due order) every timer that falls due. */
  advance(ms: number): void {
    if (!(ms >= 0)) throw new RangeError('the clock only moves forward');
    this.offsetMs += ms;
    const due = [...this.timers].filter(([, t]) => t.due <= this.now()).sort((a, b) => a[1].due - b[1].due);
    for (const [id, t] of due) {
      clearTimeout(t.handle);
      this.timers.delete(id);
    }
    // Never call back synchronously: callers hold no locks while timers run.
    if (due.length > 0) setImmediate(() => due.forEach(([, t]) => t.fn()));
  }

  private arm(id: number, t: Pending): void {
    const left = t.due - this.now();
    t.handle = setTimeout(
      () => {
        if (!this.timers.has(id)) return;
        if (t.due > this.now()) return this.arm(id, t);
        this.timers.delete(id);
        t.fn();
      },
      Math.min(Math.max(left, 0), MAX_DELAY),
    );
    t.handle.unref();
  }
}
