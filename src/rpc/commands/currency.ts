/**
 * `setcurrencyrate currency msat_per_unit` and `listcurrencyrates [currency]`: the exchange rates that
 * price offers in a currency (docs/offers.md). A rate is msat per whole unit (1 USD, 1 JPY); it is
 * usable for an hour after it was set.
 */
import type { CurrencyRate } from '../../offers/currency-rates.js';
import { defineCommand, opt, req } from '../command.js';
import { MEANING } from '../param-meanings.js';
import { string, u63 } from '../params.js';
import { requireMerchant } from './outbox.js';

function formatRate(r: CurrencyRate, fresh: boolean): Record<string, unknown> {
  return { currency: r.currency, msat_per_unit: r.msat_per_unit, set_at: r.set_at, fresh };
}

export const setcurrencyrate = defineCommand({
  name: 'setcurrencyrate',
  description: 'Sets the msat value of one whole unit of an ISO 4217 currency, for offers priced in it.',
  result: 'currency, msat_per_unit, set_at and fresh.',
  params: { currency: req(string, MEANING.currency), msat_per_unit: req(u63, 'What one whole unit of the currency is worth, in millisatoshi.') },
  check: async (p, ctx) => requireMerchant(ctx).rates.checkSet(p.currency, p.msat_per_unit),
  run: async (p, ctx) => {
    const rates = requireMerchant(ctx).rates;
    return formatRate(await rates.set(p.currency, p.msat_per_unit), true);
  },
});

export const listcurrencyrates = defineCommand({
  name: 'listcurrencyrates',
  description: 'Lists the currency rates (or the one of currency), with when each was set and whether it is still fresh.',
  result: 'currencyrates: currency, msat_per_unit, set_at and whether it is still fresh, of each.',
  params: { currency: opt(string, MEANING.currency) },
  check: 'run',
  run: async (p, ctx) => {
    const rates = requireMerchant(ctx).rates;
    return { currencyrates: (await rates.list(p.currency)).map((r) => formatRate(r, rates.isFresh(r))) };
  },
});
