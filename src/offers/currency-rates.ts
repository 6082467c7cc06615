/**
 * Exchange rates for offers priced in a currency (BOLT 12 `offer_currency`). The daemon has no price
 * feed of its own: a user (or a script of theirs) feeds it with `setcurrencyrate`, and the rate is kept
 * in the database with the time it was set. A request for a currency offer converts through the rate
 * only while it is fresh (`maxAgeSeconds`, default one hour); otherwise it is answered with an
 * invoice_error saying so, rather than quoting an old price.
 *
 * A rate is msat per *whole* unit of the currency (1 USD, 1 JPY), so `offer_amount`, which is in minor
 * units (BOLT 12: "the currency unit adjusted by the ISO 4217 exponent (e.g. USD cents)"), converts as
 * `ceil(offer_amount × rate / 10^exponent)` — rounded up, so the merchant never receives less.
 */
import { sql } from 'kysely';
import type { ColumnType, Kysely } from 'kysely';
import type { DbInt } from '../invoice/store/schema.js';
import type { InvoiceDatabase } from '../invoice/store/db.js';
import { WriteQueue } from '../invoice/store/write-queue.js';
import { nowSeconds, type Clock } from '../util/clock.js';
import { currencyMinorUnit } from './bolt12/iso4217.js';
import { MerchantError } from './merchant-errors.js';

/** Default freshness of a rate: one hour. */
export const DEFAULT_RATE_MAX_AGE_SECONDS = 3600;

type Tables = {
  currency_rates: {
    currency: ColumnType<string, string, never>;
    msat_per_unit: ColumnType<DbInt, bigint, bigint>;
    set_at: ColumnType<DbInt, number, number>;
  };
};

// `any`: the handle's own table map does not matter here; withTables adds ours.
const on = (db: Kysely<any>): Kysely<Tables> => db.withTables<Tables>() as unknown as Kysely<Tables>;

/** One stored rate. */
export interface CurrencyRate {
  readonly currency: string;
  readonly msat_per_unit: bigint;
  /** Unix seconds when it was set. */
  readonly set_at: number;
}

/** The result of a conversion: msat, or why there is none (the invoice_error text). */
export type Conversion = { readonly msat: bigint } | { readonly error: string };

export interface CurrencyRates {
  /** Sets (or replaces) the rate of `currency` as of now. */
  set(currency: string, msat_per_unit: bigint): Promise<CurrencyRate>;
  /** `check setcurrencyrate`: what `set` refuses, writing nothing. */
  checkSet(currency: string, msat_per_unit: bigint): void;
  /** Every rate, or the one of `currency`, alphabetically. */
  list(currency?: string): Promise<CurrencyRate[]>;
  /** True when `rate` may still be used now. */
  isFresh(rate: CurrencyRate): boolean;
  /** `minor` units of `currency` in msat through a fresh rate. */
  convert(currency: string, minor: bigint): Promise<Conversion>;
  close(): Promise<void>;
}

export interface CurrencyRatesDeps {
  readonly db: InvoiceDatabase;
  readonly clock: Clock;
  readonly maxAgeSeconds?: number;
}

const U64_MAX = (1n << 64n) - 1n;

/** ceil(minor × rate / 10^exponent): the msat of `minor` units. */
export function convertMinorUnits(minor: bigint, msat_per_unit: bigint, exponent: number): bigint {
  const div = 10n ** BigInt(exponent);
  return (minor * msat_per_unit + div - 1n) / div;
}

/**
 * The columns as read back: the rate as text, because SQLite hands integers above 2^53 to JavaScript as
 * rounded numbers (2^63-1 would come back as 2^63).
 */
const COLUMNS = ['currency', sql<string>`cast(msat_per_unit as text)`.as('msat_per_unit'), 'set_at'] as const;

export function createCurrencyRates(deps: CurrencyRatesDeps): CurrencyRates {
  const { clock } = deps;
  const db = deps.db.db;
  const queue = WriteQueue.shared(deps.db);
  const maxAge = deps.maxAgeSeconds ?? DEFAULT_RATE_MAX_AGE_SECONDS;
  const toRate = (r: { currency: string; msat_per_unit: DbInt; set_at: DbInt }): CurrencyRate =>
    Object.freeze({ currency: r.currency, msat_per_unit: BigInt(r.msat_per_unit), set_at: Number(r.set_at) });

  function checkCurrency(currency: string): number {
    const exponent = currencyMinorUnit(currency);
    if (exponent === undefined) {
      throw new MerchantError('InvalidParams', 'should be an ISO 4217 currency code in upper case', { param: 'currency' });
    }
    return exponent;
  }

  function checkSet(currency: string, msat_per_unit: bigint): void {
    checkCurrency(currency);
    if (msat_per_unit <= 0n || msat_per_unit > U64_MAX) {
      throw new MerchantError('InvalidParams', 'should be a positive number of msat', { param: 'msat_per_unit' });
    }
  }

  async function list(currency?: string): Promise<CurrencyRate[]> {
    let q = on(db).selectFrom('currency_rates').select(COLUMNS);
    if (currency !== undefined) q = q.where('currency', '=', currency);
    return (await q.orderBy('currency', 'asc').execute()).map(toRate);
  }
  const isFresh = (rate: CurrencyRate): boolean => nowSeconds(clock) - rate.set_at <= maxAge;

  return {
    checkSet,
    async set(currency, msat_per_unit) {
      checkSet(currency, msat_per_unit);
      const set_at = nowSeconds(clock);
      const row = await queue.run((tx) =>
        on(tx.db)
          .insertInto('currency_rates')
          .values({ currency, msat_per_unit, set_at })
          .onConflict((oc) => oc.column('currency').doUpdateSet({ msat_per_unit, set_at }))
          .returning(COLUMNS)
          .executeTakeFirstOrThrow(),
      );
      return toRate(row);
    },
    list,
    isFresh,
    async convert(currency, minor) {
      const exponent = currencyMinorUnit(currency);
      if (exponent === undefined) return { error: `Unknown offer currency ${currency}` };
      const [rate] = await list(currency);
      if (!rate) return { error: `Cannot convert currency ${currency}: no exchange rate set` };
      if (!isFresh(rate)) {
        return { error: `Cannot convert currency ${currency}: exchange rate is stale (set at ${rate.set_at})` };
      }
      const msat = convertMinorUnits(minor, rate.msat_per_unit, exponent);
      if (msat > U64_MAX) return { error: `Cannot convert currency ${currency}: amount too large` };
      return { msat };
    },
    close: () => queue.idle(),
  };
}
