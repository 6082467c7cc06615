/**
 * Building the invoice `invoice` creates (reference §4.1): the BOLT 11 fields our node writes, the payment
 * secret, fallbacks parsed for the network, and the checks CLN makes before it signs. Pure: the caller
 * passes time, randomness and the signer.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { AddressError, parseAddress, type AddressProgram } from '../util/address.js';
import { MAX_SUPPLY_MSAT, supplyExceeded, type Msat } from '../util/msat.js';
import { BOLT11_CURRENCY, type Network } from '../util/network.js';
import type { Bolt11Fields, Bolt11RouteHop, Bolt11Signer, DecodedBolt11 } from './bolt11/types.js';
import { InvoiceError } from './errors.js';
import { paymentSecretFromPreimage } from './payments/secret.js';

/** The BOLT 11 codec functions the engine uses (injectable so tests can count or fail them). */
export interface Bolt11Codec {
  encode(fields: Bolt11Fields, sign: Bolt11Signer): string;
  decode(invoice: string): DecodedBolt11;
}

/**
 * Invoice features our node sets: var_onion_optin (8) and payment_secret (14) compulsory, basic_mpp (17)
 * optional — `9` field 0x024100, as CLN writes it.
 */
export const INVOICE_FEATURES = Uint8Array.of(0x02, 0x41, 0x00);

/** Reader default for a missing `x` field (BOLT 11), so the writer leaves `x` out for it. */
export const DEFAULT_BOLT11_EXPIRY = 3600;

/** The fallback addresses, parsed for `network`, in order; CLN's -1 errors for bad ones. */
export function parseFallbacks(addrs: readonly string[], network: Network): AddressProgram[] {
  return addrs.map((addr) => {
    try {
      return parseAddress(addr, network);
    } catch (err) {
      if (err instanceof AddressError && err.kind === 'WrongNetwork') {
        throw new InvoiceError('Failed', `Fallback address does not match our network ${network}`);
      }
      throw new InvoiceError('Failed', 'Fallback address not valid');
    }
  });
}

export interface Bolt11Draft {
  readonly network: Network;
  readonly amount_msat?: Msat;
  readonly timestamp: number;
  readonly preimage: Uint8Array;
  /** Hold invoices made from a payment hash alone: this hash is signed and `preimage` only seeds the secret. */
  readonly payment_hash?: Uint8Array;
  readonly description: string;
  readonly deschashonly: boolean;
  readonly expiry: number;
  readonly cltv: number;
  readonly fallbacks: readonly AddressProgram[];
  /** `r` fields (route hints), one single-hop route per channel. */
  readonly routes?: readonly Bolt11RouteHop[][];
}

export interface BuiltBolt11 {
  readonly invstring: string;
  readonly payment_hash: Uint8Array;
  readonly payment_secret: Uint8Array;
}

const enc = new TextEncoder();

/**
 * Signs a new invoice: payee = our node (but no `n` field), `s`, `p`, `d` or `h`, `x` unless 3600, `c`
 * always, fallbacks, features 0x024100.
 */
export function buildBolt11(d: Bolt11Draft, sign: Bolt11Signer, codec: Bolt11Codec): BuiltBolt11 {
  const payment_hash = d.payment_hash ?? sha256(d.preimage);
  const payment_secret = paymentSecretFromPreimage(d.preimage);
  const fields: Bolt11Fields = {
    network: d.network,
    ...(d.amount_msat !== undefined ? { amount_msat: d.amount_msat } : {}),
    timestamp: d.timestamp,
    payment_hash,
    payment_secret,
    ...(d.deschashonly ? { description_hash: sha256(enc.encode(d.description)) } : { description: d.description }),
    ...(d.expiry !== DEFAULT_BOLT11_EXPIRY ? { expiry: d.expiry } : {}),
    min_final_cltv_expiry: d.cltv,
    ...(d.fallbacks.length > 0 ? { fallbacks: d.fallbacks.map((f) => ({ version: f.version, program: f.program })) } : {}),
    ...(d.routes && d.routes.length > 0 ? { routes: d.routes.map((r) => [...r]) } : {}),
    features: INVOICE_FEATURES,
  };
  return { invstring: codec.encode(fields, sign), payment_hash, payment_secret };
}

/**
 * `createinvoice`'s checks of a BOLT 11 invstring, in CLN's order (lightningd/invoice.c), before anything is
 * signed or stored: it decodes, is for our network, has a description and an expiry, and `preimage` is the
 * preimage of its payment hash. Returns the decoded invoice. `check createinvoice` runs exactly this.
 */
export function checkCreateFromInvstring(
  invstring: string,
  preimage: Uint8Array,
  network: Network,
  codec: Pick<Bolt11Codec, 'decode'>,
): DecodedBolt11 {
  const s = invstring.trim();
  if (s.toLowerCase().startsWith('lni')) {
    throw new InvoiceError('InvalidParams', `Unparsable invoice '${s}': BOLT12 invoices are stored by the offers module`);
  }
  let decoded;
  try {
    decoded = codec.decode(s);
  } catch (err) {
    throw new InvoiceError('InvalidParams', `Unparsable invoice '${s}': ${(err as Error).message}`);
  }
  if (BOLT11_CURRENCY[decoded.network] !== BOLT11_CURRENCY[network]) {
    throw new InvoiceError('InvalidParams', `Unparsable invoice '${s}': invoice is for another network`);
  }
  // Issue 12: no amount above all bitcoin is stored (CLN takes up to 2^64 - 1 msat).
  if (decoded.amount_msat !== undefined && decoded.amount_msat > MAX_SUPPLY_MSAT) {
    throw new InvoiceError('InvalidParams', supplyExceeded(decoded.amount_msat));
  }
  if (decoded.description === undefined) {
    throw new InvoiceError('InvalidParams', 'Missing description in invoice');
  }
  if (!decoded.expiry) throw new InvoiceError('InvalidParams', 'Missing expiry in invoice');
  const hash = sha256(preimage);
  if (hash.length !== decoded.payment_hash.length || hash.some((b, i) => b !== decoded.payment_hash[i])) {
    throw new InvoiceError('InvalidParams', 'Incorrect preimage');
  }
  return decoded;
}

/**
 * `createinvoice` for BOLT 11 (reference §4.9): re-signs an invoice that passed `checkCreateFromInvstring`
 * with our key (no `n` field, so the payee is recovered as our node).
 */
export function resignBolt11(decoded: DecodedBolt11, sign: Bolt11Signer, codec: Bolt11Codec): string {
  if (decoded.description === undefined) throw new InvoiceError('InvalidParams', 'Missing description in invoice');
  const fields: Bolt11Fields = {
    network: decoded.network,
    ...(decoded.amount_msat !== undefined ? { amount_msat: decoded.amount_msat } : {}),
    timestamp: decoded.timestamp,
    payment_hash: decoded.payment_hash,
    ...(decoded.payment_secret ? { payment_secret: decoded.payment_secret } : {}),
    description: decoded.description,
    ...(decoded.expiry !== DEFAULT_BOLT11_EXPIRY ? { expiry: decoded.expiry } : {}),
    min_final_cltv_expiry: decoded.min_final_cltv_expiry,
    ...(decoded.payment_metadata ? { payment_metadata: decoded.payment_metadata } : {}),
    ...(decoded.fallbacks ? { fallbacks: decoded.fallbacks } : {}),
    ...(decoded.routes ? { routes: decoded.routes } : {}),
    ...(decoded.features ? { features: decoded.features } : {}),
    ...(decoded.extra ? { extra: decoded.extra } : {}),
  };
  return codec.encode(fields, sign);
}
