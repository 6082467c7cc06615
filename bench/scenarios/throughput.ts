/**
 * Helper of the codec scenarios (bolt11, bolt12), not a scenario itself (bench/run.ts lists those by name).
 */
import { performance } from 'node:perf_hooks';

/**
 * Calls per second of `fn(i)` (i = 0, 1, 2…), run for about `ms` milliseconds after 50 warm-up calls. The clock is
 * read every 20 calls, so its own cost stays out of the figure.
 */
export function opsPerSecond(fn: (i: number) => void, ms = 1000): number {
  for (let i = 0; i < 50; i++) fn(i);
  let n = 0;
  const t0 = performance.now();
  let t = t0;
  while (t - t0 < ms) {
    for (let k = 0; k < 20; k++) fn(n++);
    t = performance.now();
  }
  return Math.round((n * 1000) / (t - t0));
}
