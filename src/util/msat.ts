/**
 * Money is `bigint` millisatoshi inside the daemon (DESIGN rule 3). `Msat` is branded so that a plain
 * bigint (a count, an index) cannot be passed where an amount is meant; only this module casts to it.
 */

declare const brand: unique symbol;

/** A millisatoshi amount in [0, 2^64). */
export type Msat = bigint & { readonly [brand]: 'Msat' };

/** Largest amount that fits BOLT's u64 fields. */
export const MAX_MSAT = (1n << 64n) - 1n;

/** Millisatoshi in one bitcoin. */
export const MSAT_PER_BTC = 100_000_000_000n;

/**
 * 21 million bitcoin in millisatoshi (2,100,000,000,000,000,000): the most any amount can meaningfully be.
 * Amounts above it are refused wherever they enter or are computed (LDK refuses such offers and invoices).
 */
export const MAX_SUPPLY_MSAT = 21_000_000n * MSAT_PER_BTC;

/**
 * The refusal of an amount above the supply found inside a Lightning message rather than a parameter: an
 * invoice_request being answered, an invoice given to `createinvoice` (BOLT11 or BOLT12).
 */
export function supplyExceeded(amount: bigint): string {
  return `Amount ${amount}msat exceeds the total supply of 21 million bitcoin`;
}

/** Brands `v` as an amount; throws a RangeError outside [0, 2^64). */
export function msat(v: bigint): Msat {
  if (v < 0n || v > MAX_MSAT) throw new RangeError(`msat out of range: ${v}`);
  return v as Msat;
}

/** Sum of two amounts; throws on u64 overflow (as CLN's amount_msat_add). */
export function addMsat(a: Msat, b: Msat): Msat {
  return msat(a + b);
}
