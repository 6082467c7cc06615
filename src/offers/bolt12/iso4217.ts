/**
 * ISO 4217 minor units, for `offer_currency` (BOLT 12: `offer_amount` is "in the currency unit adjusted
 * by the ISO 4217 exponent (e.g. USD cents)") and `decode`'s `currency_minor_unit`.
 */

const MINOR_0 = 'BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF';
const MINOR_3 = 'BHD IQD JOD KWD LYD OMR TND';
const MINOR_4 = 'CLF UYW';
const MINOR_2 =
  'AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BMD BND BOB BRL BSD BTN BWP BYN BZD CAD CDF CHF CNY COP ' +
  'CRC CUP CVE CZK DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GTQ GYD HKD HNL HTG HUF IDR ILS INR IRR ' +
  'JMD KES KGS KHR KPW KYD KZT LAK LBP LKR LRD LSL MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN ' +
  'NIO NOK NPR NZD PAB PEN PGK PHP PKR PLN QAR RON RSD RUB SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP ' +
  'SZL THB TJS TMT TOP TRY TTD TWD TZS UAH USD UYU UZS VES WST XCD XCG YER ZAR ZMW ZWG';

const TABLE: ReadonlyMap<string, number> = new Map([
  ...MINOR_0.split(' ').map((c) => [c, 0] as const),
  ...MINOR_2.split(' ').map((c) => [c, 2] as const),
  ...MINOR_3.split(' ').map((c) => [c, 3] as const),
  ...MINOR_4.split(' ').map((c) => [c, 4] as const),
]);

/** Number of decimal places of the ISO 4217 currency `code` (upper case), or undefined if unknown. */
export function currencyMinorUnit(code: string): number | undefined {
  return TABLE.get(code);
}
