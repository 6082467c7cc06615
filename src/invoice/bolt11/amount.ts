/**
 * The amount in a BOLT 11 human-readable part: a decimal number of bitcoin with an optional multiplier.
 *
 * BOLT 11: "`m` (milli): multiply by 0.001, `u` (micro): multiply by 0.000001, `n` (nano): multiply by
 * 0.000000001, `p` (pico): multiply by 0.000000000001". In millisatoshi one unit is worth m = 10^8, u = 10^5,
 * n = 10^2, p = 0.1 (1 BTC = 10^11 msat). Amounts are bigint throughout: 21M BTC is above 2^53.
 */
import { MAX_MSAT, MSAT_PER_BTC } from '../../util/msat.js';

/** Millisatoshi per unit, times ten (so that `p`, a tenth of a millisatoshi, stays an integer). */
const MULTIPLIER_M10: Readonly<Record<string, bigint>> = {
  m: 10n ** 9n,
  u: 10n ** 6n,
  n: 10n ** 3n,
  p: 1n,
};
const NONE_M10 = MSAT_PER_BTC * 10n;

/** Enough digits for any u64 millisatoshi amount in any multiplier; longer strings cannot be valid. */
const MAX_DIGITS = 24;

/**
 * Millisatoshi of an amount string (the hrp after `ln<currency>`), or the reason it is invalid in Core
 * Lightning's words (common/bolt11.c). Non-shortest forms (`1000u`) are accepted, as BOLT 11 readers must.
 */
export function parseAmount(s: string): bigint | string {
  let digits = s;
  let m10 = NONE_M10;
  const mult = MULTIPLIER_M10[s[s.length - 1] as string];
  if (mult !== undefined) {
    m10 = mult;
    digits = s.slice(0, -1);
  }
  // BOLT 11: "if `amount` contains a non-digit OR is followed by anything except a `multiplier`
  // (see table above): MUST fail the payment."
  let i = 0;
  while (i < digits.length && digits.charCodeAt(i) >= 0x30 && digits.charCodeAt(i) <= 0x39) i++;
  if (i === 0 || i < digits.length) return `Invalid amount postfix '${digits.slice(i)}'`;
  if (digits.length > MAX_DIGITS) return `Invalid amount '${digits}'`;
  const value = BigInt(digits) * m10;
  // BOLT 11: "if the `p` multiplier is used the last decimal of `amount` MUST be `0`" (for the reader:
  // "if multiplier is `p` and the last decimal of `amount` is not 0: MUST fail the payment").
  if (value % 10n !== 0n) return `Invalid sub-millisatoshi amount '${digits}p'`;
  const msat = value / 10n;
  // Zero is refused too: an invoice for nothing is no invoice.
  if (msat === 0n || msat > MAX_MSAT) return `Invalid amount '${digits}'`;
  return msat;
}

/**
 * The shortest amount string for `msat` (> 0). BOLT 11: a writer "SHOULD use the shortest representation
 * possible, by using the largest multiplier or omitting the multiplier".
 */
export function formatAmount(msat: bigint): string {
  if (msat % MSAT_PER_BTC === 0n) return (msat / MSAT_PER_BTC).toString();
  const m10 = msat * 10n;
  for (const letter of ['m', 'u', 'n'] as const) {
    const unit = MULTIPLIER_M10[letter] as bigint;
    if (m10 % unit === 0n) return (m10 / unit).toString() + letter;
  }
  return m10.toString() + 'p';
}
