/**
 * Retry timing of webhook deliveries: exponential backoff with "equal jitter" (half the delay fixed, half
 * random), from 1 s doubling up to 1 h. Pure: the random value in [0, 1) is passed in.
 */

export const BACKOFF_BASE_MS = 1000;
export const BACKOFF_MAX_MS = 3_600_000;

/** Milliseconds to wait after failed attempt number `attempts` (1 = the first). */
export function retryDelay(attempts: number, random01: number): number {
  const full = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** Math.min(Math.max(attempts - 1, 0), 32));
  return Math.round(full / 2 + (full / 2) * random01);
}

/** A uniform value in [0, 1) from a byte source. */
export function unitRandom(random: (n: number) => Uint8Array): number {
  const b = random(4);
  return (((b[0]! << 24) >>> 0) + (b[1]! << 16) + (b[2]! << 8) + b[3]!) / 2 ** 32;
}
