/**
 * The JSON objects of our offers and invoice_requests (STYLE 10), with CLN's field order (reference
 * §4.12–4.14). `force_paths` is always false: this daemon puts no blinded paths in its offers.
 */
import type { Bolt12Entry } from '../../offers/offer-engine.js';
import { toHex } from '../../util/hex.js';
import { RawJson } from '../json-writer.js';

/**
 * `offer`'s result, as CLN's createoffer (lightningd/offer.c, `json_populate_offer` then `created`): offer_id,
 * active, single_use, bolt12, force_paths, used, label?, created.
 */
export function formatCreatedOffer(e: Bolt12Entry, created: boolean): Record<string, unknown> {
  return {
    offer_id: toHex(e.id),
    active: e.active,
    single_use: e.single_use,
    bolt12: e.bolt12,
    force_paths: false,
    used: e.used,
    ...(e.label !== undefined ? { label: e.label } : {}),
    created,
  };
}

/** listoffers / disableoffer / enableoffer: offer_id, active, single_use, bolt12, force_paths, used, label?, description?. */
export function formatOffer(e: Bolt12Entry): Record<string, unknown> {
  return {
    offer_id: toHex(e.id),
    active: e.active,
    single_use: e.single_use,
    bolt12: e.bolt12,
    force_paths: false,
    used: e.used,
    ...(e.label !== undefined ? { label: e.label } : {}),
    ...(e.description !== undefined ? { description: e.description } : {}),
    // Ours (issue 15): the client's metadata as stored.
    ...(e.metadata !== undefined ? { metadata: new RawJson(e.metadata) } : {}),
  };
}

/** invoicerequest / listinvoicerequests / disableinvoicerequest: invreq_id, active, single_use, bolt12, used, label?. */
export function formatInvoiceRequest(e: Bolt12Entry): Record<string, unknown> {
  return {
    invreq_id: toHex(e.id),
    active: e.active,
    single_use: e.single_use,
    bolt12: e.bolt12,
    used: e.used,
    ...(e.label !== undefined ? { label: e.label } : {}),
  };
}
