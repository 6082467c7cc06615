/**
 * The single expiry timer (reference §6.2): one clock timer, armed for the earliest expires_at among
 * unpaid invoices. A sooner invoice re-arms it; each firing runs the sweep, which re-arms it from the
 * database. Thousands of unpaid invoices cost one timer.
 */
import type { CancelTimer, Clock } from '../../util/clock.js';

export class ExpiryTimer {
  private cancel: CancelTimer | undefined;
  private armedAt: number | undefined;
  private stopped = false;

  /** `fire` runs when the armed time arrives; it is expected to sweep and call `arm` again. */
  constructor(
    private readonly clock: Clock,
    private readonly fire: () => void,
  ) {}

  /** The Unix second the timer is armed for, if any. */
  get armedFor(): number | undefined {
    return this.armedAt;
  }

  /** Arms for `at` (Unix seconds), replacing whatever was armed; undefined disarms. */
  arm(at: number | undefined): void {
    this.cancel?.();
    this.cancel = undefined;
    this.armedAt = undefined;
    if (at === undefined || this.stopped) return;
    this.armedAt = at;
    // An invoice is expired once now >= expires_at, so fire at the start of that second.
    const ms = Math.max(0, at * 1000 - this.clock.now());
    this.cancel = this.clock.setTimer(ms, () => {
      this.cancel = undefined;
      this.armedAt = undefined;
      this.fire();
    });
  }

  /** Arms for `at` only if that is sooner than the current arming (or nothing is armed). */
  armIfSooner(at: number): void {
    if (this.armedAt === undefined || at < this.armedAt) this.arm(at);
  }

  stop(): void {
    this.stopped = true;
    this.arm(undefined);
  }
}
