/**
 * Developer-only commands, registered only with `--developer` (CLN keeps its dev-* commands behind the
 * same switch). `dev-clock` moves the daemon's clock forward so end-to-end tests of expiry and
 * multi-part timeouts run without sleeping.
 */
import { defineCommand, opt, params, type Command } from '../rpc/index.js';
import type { AdjustableClock } from './dev-clock.js';

/** `dev-clock [advance]`: advances the clock by `advance` seconds (default 0) and returns the new time. */
export function devClockCommand(clock: AdjustableClock): Command {
  return defineCommand({
    name: 'dev-clock',
    description: 'Developer only: move the clock forward by `advance` seconds; returns the time in seconds',
    result: 'now: the clock, in Unix seconds; offset: how far it runs ahead of real time, in seconds.',
    params: { advance: opt(params.u64, 'Seconds to move the clock forward by.', 0n) },
    check: 'params',
    run: async (p) => {
      clock.advance(Number(p.advance) * 1000);
      return { now: Math.floor(clock.now() / 1000), offset: Math.floor(clock.offset / 1000) };
    },
  });
}
