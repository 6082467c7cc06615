/**
 * Answering an invoice_request for one of our offers (reference §8, CLN plugins/offers_invreq_hook.c):
 * every reader check of BOLT 12 in CLN's order, each refusal an invoice_error carrying CLN's text, and
 * otherwise the invoice the spec's writer rules describe (bolt-notes §2.5–2.6), signed by the node key
 * and stored like `createinvoice` stores it, under the label `<offer_id>-<payer_id>-0`.
 *
 * What is decidable from the bytes alone lives in the codec (invoice-request.ts); this module adds what
 * needs our database: the offer and its status, exchange rates, the invoice already written for a payer.
 */
import type { Logger } from 'pino';
import type { NodeKeys } from '../crypto/node-keys.js';
import type { InvoiceDatabase } from '../invoice/store/db.js';
import type { InvoiceEngineImpl } from '../invoice/engine.js';
import { InvoiceError } from '../invoice/errors.js';
import type { Invoice } from '../invoice/invoice.js';
import { equalBytes } from '../util/bytes.js';
import { nowSeconds, type Clock, type RandomSource } from '../util/clock.js';
import { fromHex, toHex } from '../util/hex.js';
import { MAX_SUPPLY_MSAT, msat, supplyExceeded } from '../util/msat.js';
import { CHAIN_HASH, type Network } from '../util/network.js';
import { decodeBolt12String, encodeBolt12String } from './bolt12/string.js';
import { Bolt12ParseError } from './bolt12/errors.js';
import { DEFAULT_INVOICE_RELATIVE_EXPIRY, KNOWN_INVREQ_FEATURES } from './bolt12/fields.js';
import { buildInvoiceError } from './bolt12/invoice-error.js';
import { computeInvreqId, inspectInvoiceRequest, isOfferResponse, type InvoiceRequest } from './bolt12/invoice-request.js';
import { inspectInvoice } from './bolt12/invoice.js';
import { BITCOIN_CHAIN, computeOfferId } from './bolt12/offer.js';
import type { CurrencyRates } from './currency-rates.js';
import * as offerStore from './offer-store.js';
import { ourInvoiceWriter } from './our-invoice.js';
import type { IntroPeer } from './peer-paths.js';
import { derivePathId } from './blinding/route-blinding.js';
import { isValidBip353Part, unknownEvenFeature } from './bolt12/wire-types.js';

/** CLN's `dev-currency-expiry` default: a quote in a currency holds at most 10 minutes. */
export const CURRENCY_INVOICE_EXPIRY = 600;
const U64_MAX = (1n << 64n) - 1n;
/** The TLV type of `offer_paths`. */
const OFFER_PATHS_TYPE = 16n;

/** The reply to an invoice_request: the invoice, or an invoice_error with the reason. */
export type InvreqAnswer =
  | { readonly kind: 'invoice'; readonly bytes: Uint8Array; readonly invoice: Invoice }
  | { readonly kind: 'invoice_error'; readonly bytes: Uint8Array; readonly error: string };

export interface InvreqAnswerDeps {
  readonly db: InvoiceDatabase;
  readonly invoices: Pick<InvoiceEngineImpl, 'storeInvoice' | 'list' | 'delete'>;
  readonly rates: CurrencyRates;
  readonly nodeKeys: NodeKeys;
  readonly network: Network;
  readonly clock: Clock;
  readonly random: RandomSource;
  /** `--cltv-final`: the payinfo's cltv_expiry_delta of our one-hop path. */
  readonly cltvFinal: number;
  readonly logger?: Logger;
  /**
   * The public peer an invoice's payment path goes through, for this amount, when the node needs one
   * (peer-paths.ts); undefined: a one-hop path to ourselves.
   */
  readonly paymentPathPeer?: (amount_msat: bigint) => IntroPeer | undefined;
  /** The node's current block height (payment constraints of a path through a peer). */
  readonly blockheight?: () => number;
}

/** A refusal: the invoice_error text. */
class Refusal extends Error {}
const refuse = (text: string): never => {
  throw new Refusal(text);
};

/** The label of the invoice for a payer of an offer (CLN: "%s-%s-%u", offer_id, payer key, counter). */
export function offerInvoiceLabel(offer_id: Uint8Array, payer_id: Uint8Array): string {
  return `${toHex(offer_id)}-${toHex(payer_id)}-0`;
}

/** A bolt12 invoice string's TLV bytes. */
function invoiceBytes(inv: Invoice): Uint8Array {
  return decodeBolt12String(inv.invstring).bytes;
}

export function createInvreqAnswerer(deps: InvreqAnswerDeps): {
  answer(bytes: Uint8Array, opts?: { readonly pathSecret?: Uint8Array }): Promise<InvreqAnswer>;
} {
  const { clock, rates, invoices, logger } = deps;
  const chain = fromHex(CHAIN_HASH[deps.network], 32);
  const writeInvoice = ourInvoiceWriter(deps);
  const offerBase = deps.nodeKeys.deriveSecret('offer-blinded-path');

  /** Checks in CLN's order; returns the valid request, its offer id and the current time. */
  async function check(bytes: Uint8Array, pathSecret: Uint8Array | undefined): Promise<{ invreq: InvoiceRequest; offer_id: Uint8Array }> {
    let view, problems;
    try {
      ({ invreq: view, problems } = inspectInvoiceRequest(bytes, { chain }));
    } catch (err) {
      // BOLT 12: "MUST reject the invoice request if any non-signature TLV fields are outside the
      // inclusive ranges: 0 to 159 and 1000000000 to 2999999999".
      if (err instanceof Bolt12ParseError && err.kind === 'OutOfRange') return refuse('Invalid high fields');
      return refuse('Invalid invreq');
    }
    const f = view.fields;
    // BOLT 12: "MUST reject the invoice request if `invreq_payer_id` or `invreq_metadata` are not present."
    if (f.invreq_payer_id === undefined) refuse('Missing invreq_payer_id');
    if (f.invreq_metadata === undefined) refuse('Missing invreq_metadata');
    // BOLT 12: "if `invreq_features` contains unknown _even_ bits that are non-zero: MUST reject".
    const bit = unknownEvenFeature(f.invreq_features, KNOWN_INVREQ_FEATURES);
    if (bit !== undefined) refuse(`Unsupported invreq feature ${bit}`);
    const bip353 = f.invreq_bip_353_name;
    if (bip353 && !(isValidBip353Part(bip353.name) && isValidBip353Part(bip353.domain))) refuse('invalid bip353 name fields');
    // BOLT 12: "MUST reject the invoice request if `invreq_chain`.`chain` is not a supported chain."
    if (!equalBytes(f.invreq_chain ?? BITCOIN_CHAIN, chain)) refuse(`Wrong chain ${f.invreq_chain ? toHex(f.invreq_chain) : ''}`);
    // Requests without an offer ("offers to pay") reach us through `sendinvoice`, not here.
    if (!isOfferResponse(f) || view.offer_id === undefined) return refuse('Not based on an offer');
    const offer_id = view.offer_id;
    // BOLT 12: "MUST reject the invoice request if the offer fields do not exactly match a valid,
    // unexpired offer": the id is a hash of those fields, so a lookup by id is an exact match.
    const offer = await offerStore.findOffer(deps.db.db, offer_id);
    if (!offer) refuse('Unknown offer');
    // BOLT 4: "MUST ignore the message if the `path_id` does not match the blinded route it created for
    // this purpose". An offer with paths is answered only over its own path (its path_id comes from the
    // offer's id without the paths), one without only directly; otherwise, as CLN, "Unknown offer" rather
    // than reveal that the offer exists.
    if (f.offer_paths !== undefined) {
      const pathless = computeOfferId(view.records.filter((r) => r.type !== OFFER_PATHS_TYPE));
      if (pathSecret === undefined || !equalBytes(pathSecret, derivePathId(offerBase, pathless))) refuse('Unknown offer');
    } else if (pathSecret !== undefined) {
      refuse('Unknown offer');
    }
    if ((offer!.status & offerStore.STATUS.active) === 0) refuse('Offer no longer available');
    const now = nowSeconds(clock);
    if (f.offer_absolute_expiry !== undefined && BigInt(now) >= f.offer_absolute_expiry) refuse('Offer expired');
    // BOLT 12: "if `offer_quantity_max` is present: MUST reject the invoice request if there is no
    // `invreq_quantity` field. if `offer_quantity_max` is non-zero: MUST reject the invoice request if
    // `invreq_quantity` is zero, OR greater than `offer_quantity_max`. otherwise: MUST reject the invoice
    // request if there is an `invreq_quantity` field."
    if (f.offer_quantity_max !== undefined) {
      if (f.invreq_quantity === undefined) refuse('missing invreq_quantity');
      if (f.invreq_quantity === 0n) refuse('quantity zero invalid');
      if (f.offer_quantity_max !== 0n && f.invreq_quantity! > f.offer_quantity_max) {
        refuse(`quantity ${f.invreq_quantity} > ${f.offer_quantity_max}`);
      }
    } else if (f.invreq_quantity !== undefined) {
      refuse('unexpected invreq_quantity');
    }
    // BOLT 12: "MUST reject the invoice request if `signature` is not correct ... using the `invreq_payer_id`."
    if (f.signature === undefined) refuse('missing signature');
    if (problems.some((p) => p.kind === 'InvalidSignature')) refuse('bad signature');
    // What is left besides the amount (checked below, with CLN's words): e.g. a blinded path with 0 hops.
    const other = problems.find((p) => p.kind !== 'InvalidAmount' && p.kind !== 'InvalidQuantity');
    if (other) refuse(other.message);
    return { invreq: Object.freeze({ ...view, string: encodeBolt12String('lnr', bytes) }) as InvoiceRequest, offer_id };
  }

  /** An amount no invoice can carry: above all bitcoin there will ever be (LDK refuses such invoices). */
  function belowSupply(amount: bigint): bigint {
    return amount > MAX_SUPPLY_MSAT ? refuse(supplyExceeded(amount)) : amount;
  }

  /** The amount rules (reference §8 step 8), for an offer in msat or in a currency. */
  async function amountFor(invreq: InvoiceRequest): Promise<bigint> {
    const f = invreq.fields;
    let expected: bigint;
    if (f.offer_amount !== undefined) {
      // BOLT 12: "MUST calculate the *expected amount* using the `offer_amount`: ... if `invreq_quantity`
      // is present, multiply by `invreq_quantity`.`quantity`" (before converting, for precision).
      const raw = f.offer_amount * (f.invreq_quantity ?? 1n);
      if (raw > U64_MAX) refuse(`quantity ${f.invreq_quantity} causes overflow`);
      if (f.offer_currency === undefined && f.invreq_quantity !== undefined && raw > MAX_SUPPLY_MSAT) {
        refuse(`quantity ${f.invreq_quantity} makes the amount exceed the total supply of 21 million bitcoin`);
      }
      if (f.offer_currency !== undefined) {
        const c = await rates.convert(f.offer_currency, raw);
        expected = 'msat' in c ? c.msat : refuse(c.error);
      } else {
        expected = raw;
      }
    } else {
      // BOLT 12: "otherwise (no `offer_amount`): MUST reject the invoice request if it does not contain `invreq_amount`."
      if (f.invreq_amount === undefined) refuse('missing invreq_amount');
      return belowSupply(f.invreq_amount!);
    }
    belowSupply(expected);
    if (f.invreq_amount !== undefined) {
      // BOLT 12: "MUST reject the invoice request if `invreq_amount`.`msat` is less than the *expected amount*."
      if (f.invreq_amount < expected) refuse(`Amount must be at least ${expected}msat`);
      // BOLT 12: "MAY reject the invoice request if `invreq_amount`.`msat` greatly exceeds the *expected
      // amount*": as CLN, more than five times.
      if (f.invreq_amount / 5n > expected) refuse(`Amount vastly exceeds ${expected}msat`);
      // BOLT 12: "if `invreq_amount` is present: MUST set `invoice_amount` to `invreq_amount`".
      return belowSupply(f.invreq_amount);
    }
    return expected;
  }

  /**
   * The invoice already written for this very request, to send again (reference §8 step 11), and the label a
   * new invoice gets. BOLT 12: the writer "MUST NOT reply with a previous invoice" unless the request is the
   * same: only a retransmission (the same invoice_request fields, which the invoice mirrors) gets the stored
   * invoice back. The first request of a payer key takes CLN's label `<offer_id>-<payer_id>-0`; another
   * request of the same key (new `invreq_metadata`, quantity or amount) takes `<offer_id>-<payer_id>-<invreq_id>`.
   */
  async function previous(offer_id: Uint8Array, invreq: InvoiceRequest): Promise<{ again?: Invoice; label: string }> {
    const first = offerInvoiceLabel(offer_id, invreq.fields.invreq_payer_id!);
    const [inv] = await invoices.list({ label: first });
    if (!inv) return { label: first };
    if (equalBytes(computeInvreqId(inspectInvoice(invoiceBytes(inv)).invoice.records), invreq.invreq_id)) {
      const again = await existing(first);
      return again ? { again, label: first } : { label: first };
    }
    const own = `${toHex(offer_id)}-${toHex(invreq.fields.invreq_payer_id!)}-${toHex(invreq.invreq_id)}`;
    const again = await existing(own);
    return again ? { again, label: own } : { label: own };
  }

  /** The invoice under `label`, if it can be sent again; an expired one is forgotten, a paid one refused. */
  async function existing(label: string): Promise<Invoice | undefined> {
    const [inv] = await invoices.list({ label });
    if (!inv) return undefined;
    if (inv.status === 'unpaid') return inv;
    if (inv.status === 'expired') {
      // A stale quote (currency offers) or a plain timeout: forget it and write a fresh one.
      await invoices.delete(label, 'expired', false).catch(() => undefined);
      return undefined;
    }
    logger?.warn({ label }, 'invoice_request for an offer invoice already paid by the same payer key');
    return refuse('Internal error');
  }

  function viaPeer(amount: bigint): { via?: { peer: IntroPeer; blockheight: number } } {
    const peer = deps.paymentPathPeer?.(amount);
    return peer ? { via: { peer, blockheight: deps.blockheight?.() ?? 0 } } : {};
  }

  async function build(invreq: InvoiceRequest, offer_id: Uint8Array): Promise<InvreqAnswer> {
    const f = invreq.fields;
    const amount = await amountFor(invreq);
    const { again, label } = await previous(offer_id, invreq);
    if (again) return { kind: 'invoice', bytes: invoiceBytes(again), invoice: again };

    const now = nowSeconds(clock);
    // BOLT 12: "if the expiry for accepting payment is not 7200 seconds after `invoice_created_at`: MUST
    // set `invoice_relative_expiry`". Shortened for currency quotes, and never past the offer's end.
    let relative = DEFAULT_INVOICE_RELATIVE_EXPIRY;
    if (f.offer_currency !== undefined) relative = Math.min(relative, CURRENCY_INVOICE_EXPIRY);
    if (f.offer_absolute_expiry !== undefined) relative = Math.min(relative, Number(f.offer_absolute_expiry - BigInt(now)));
    const { invoice: signed, preimage } = writeInvoice(invreq, {
      now,
      relativeExpiry: relative,
      amount,
      // BOLT 12: "if `offer_issuer_id` is present: MUST set `invoice_node_id` to the `offer_issuer_id`".
      invoice_node_id: f.offer_issuer_id!,
      ...viaPeer(amount),
    });
    let stored: Invoice;
    try {
      stored = await invoices.storeInvoice({
        label,
        kind: 'bolt12',
        invstring: signed.string,
        preimage,
        amount_msat: msat(amount),
        ...(f.offer_description !== undefined ? { description: f.offer_description } : {}),
        expires_at: now + relative,
        local_offer_id: offer_id,
        ...(f.invreq_payer_note !== undefined ? { invreq_payer_note: f.invreq_payer_note } : {}),
      });
    } catch (err) {
      // The same payer asked twice at once: the other request's invoice is the answer.
      if (err instanceof InvoiceError && err.kind === 'LabelExists' && err.extra.invoice?.status === 'unpaid') {
        return { kind: 'invoice', bytes: invoiceBytes(err.extra.invoice), invoice: err.extra.invoice };
      }
      throw err;
    }
    logger?.debug({ label, created_index: stored.created_index }, 'invoice_request answered');
    return { kind: 'invoice', bytes: signed.bytes, invoice: stored };
  }

  return {
    async answer(bytes, opts = {}) {
      try {
        const { invreq, offer_id } = await check(bytes, opts.pathSecret);
        return await build(invreq, offer_id);
      } catch (err) {
        let text: string;
        if (err instanceof Refusal) {
          text = err.message;
        } else {
          // Reference §8: "internal errors are sent as 'Internal error'".
          logger?.error({ err: (err as Error).message }, 'answering an invoice_request failed');
          text = 'Internal error';
        }
        return { kind: 'invoice_error', bytes: buildInvoiceError({ error: text }).bytes, error: text };
      }
    },
  };
}
