/**
 * Figures: percentiles of latency samples, medians over rounds, and a closed-loop load driver (N clients,
 * each sending its next request when the previous one is answered).
 */
import { performance } from 'node:perf_hooks';

/** The q-quantile (0..1) of `samples` by nearest rank; NaN when empty. */
export function percentile(samples: readonly number[], q: number): number {
  if (samples.length === 0) return NaN;
  const s = [...samples].sort((a, b) => a - b);
  const rank = Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1));
  return s[rank]!;
}

export const median = (xs: readonly number[]): number => percentile(xs, 0.5);

/** Rounds to 3 significant decimals for milliseconds, whole numbers for rates. */
export const ms = (v: number): number => Math.round(v * 1000) / 1000;
export const rate = (v: number): number => Math.round(v);
/** A ratio to 3 decimals (the rounding of `ms`). */
export const ratio = ms;

export interface LoadResult {
  readonly per_s: number;
  readonly p50_ms: number;
  readonly p99_ms: number;
}

/**
 * Runs `total` operations with `concurrency` workers; worker w runs `op(w, i)` for its share. Rate =
 * total / wall time; latencies per operation.
 */
export async function closedLoop(
  concurrency: number,
  total: number,
  op: (worker: number, i: number) => Promise<void>,
): Promise<LoadResult> {
  const lat: number[] = new Array<number>(total);
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async (_, w) => {
      for (;;) {
        const i = next++;
        if (i >= total) return;
        const s = performance.now();
        await op(w, i);
        lat[i] = performance.now() - s;
      }
    }),
  );
  const wall = (performance.now() - t0) / 1000;
  return { per_s: total / wall, p50_ms: percentile(lat, 0.5), p99_ms: percentile(lat, 0.99) };
}

/** Median of each figure over rounds. */
export function medianOf(rounds: ReadonlyArray<Record<string, number>>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k of Object.keys(rounds[0] ?? {})) out[k] = median(rounds.map((r) => r[k]!));
  return out;
}

/**
 * One client's latency of `op`: a warm-up of a fifth of `count` runs, then `count` timed runs, whose p50 and
 * p99 go into `out` as `<name>_p50_ms` and `<name>_p99_ms`.
 */
export async function measureLatency(
  out: Record<string, number | string>,
  name: string,
  count: number,
  op: () => Promise<void>,
): Promise<void> {
  await closedLoop(1, Math.ceil(count / 5), op); // warm-up
  const x = await closedLoop(1, count, op);
  out[`${name}_p50_ms`] = ms(x.p50_ms);
  out[`${name}_p99_ms`] = ms(x.p99_ms);
}

/**
 * Compares two sides (two daemons started side by side) in `units` units of four rounds, A B B A, then
 * B A A B: each side is measured once first and once second in every unit, so machine load drifting during
 * the run, and whatever the side measured first leaves running (a WAL checkpoint, deliveries still going
 * out), fall on both alike. Returns each unit's two rounds per side, `[A rounds, B rounds]`.
 */
export async function alternatingUnits<T>(units: number, round: (side: 0 | 1) => Promise<T>): Promise<Array<[T[], T[]]>> {
  const out: Array<[T[], T[]]> = [];
  for (let u = 0; u < units; u++) {
    const got: [T[], T[]] = [[], []];
    for (const side of u % 2 === 0 ? ([0, 1, 1, 0] as const) : ([1, 0, 0, 1] as const)) got[side].push(await round(side));
    out.push(got);
  }
  return out;
}
