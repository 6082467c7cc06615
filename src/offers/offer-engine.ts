/**
 * The offer engine (issue 6, commands): the rules between the RPC handlers and the offer store. It builds
 * our offers (`lno`) and our invoice_requests (`lnr`, "offers to pay"), keeps them with CLN's status bits
 * (reference §4.13), and disables / enables them. Disabling an offer expires its unpaid invoices through
 * the invoice engine, in the same transaction and — unlike CLN — with `updated` bumps and waiter wake-ups.
 *
 * Choices (see docs/offers.md): every offer carries `offer_issuer_id` = our node id, and `offer_paths` only
 * when the bridge's node facts say the node needs a blinded path (only private channels: peer-paths.ts);
 * non-bitcoin networks get `offer_chains` / `invreq_chain`; an invoice_request's `invreq_payer_id` is the node id,
 * as CLN's `invoicerequest` sets it (plugins/offers_offer.c: "FIXME: Allow invoicerequests using aliases").
 *
 * This file composes the jobs of src/offers/engine/: creating offers, their status (disable, enable, used),
 * listing, and our invoice_requests, over the state they share (engine/core.ts).
 */
import { nowSeconds } from '../util/clock.js';
import { decodeBolt12Json, type DecodeJson } from './bolt12/decode-json.js';
import { createOfferEngineCore } from './engine/core.js';
import { createOfferCreationJob } from './engine/creation.js';
import { createInvoiceRequestJob } from './engine/invoice-requests.js';
import { createOfferListingJob } from './engine/listing.js';
import { createOfferStatusJob } from './engine/status.js';
import type { OfferEngine, OfferEngineDeps } from './offer-api.js';

export type * from './offer-api.js';
export { currencyAmount } from './engine/creation.js';

export function createOfferEngine(deps: OfferEngineDeps): OfferEngine {
  const core = createOfferEngineCore(deps);
  const { clock, queue, chain } = core;
  const status = createOfferStatusJob(core);
  // Every payment of an offer's invoice marks the offer used, inside the payment's transaction.
  deps.invoices.setOfferPaidRule(status.offerPaidRule);
  const creation = createOfferCreationJob(core);
  const listing = createOfferListingJob(core);
  const requests = createInvoiceRequestJob(core);

  function decode(invstring: string): DecodeJson {
    const s = invstring.replace(/^lightning:/i, '');
    // Expired offers decode as valid:false with warning_offer_expired; invoices still decode (as CLN's
    // `decode` of expired invoices), so the clock is left out for them.
    const isInvoice = /^lni1/i.test(s);
    return decodeBolt12Json(s, { chain, ...(isInvoice ? {} : { now: nowSeconds(clock) }) });
  }

  return {
    createOffer: creation.createOffer,
    checkOffer: creation.checkOffer,
    listOffers: listing.listOffers,
    disableOffer: status.disableOffer,
    enableOffer: status.enableOffer,
    markOfferUsed: status.markOfferUsed,
    createInvoiceRequest: requests.createInvoiceRequest,
    checkInvoiceRequest: requests.checkInvoiceRequest,
    listInvoiceRequests: listing.listInvoiceRequests,
    disableInvoiceRequest: requests.disableInvoiceRequest,
    decode,
    close: () => queue.idle(),
  };
}
