/** `listoffers` and `listinvoicerequests`: the one with the id given (if active, when asked), or all. */
import * as store from '../offer-store.js';
import type { Bolt12Entry } from '../offer-api.js';
import { ACTIVE, entry, type OfferEngineCore } from './core.js';

export interface OfferListingJob {
  listOffers(offer_id: Uint8Array | undefined, active_only: boolean): Promise<Bolt12Entry[]>;
  listInvoiceRequests(invreq_id: Uint8Array | undefined, active_only: boolean): Promise<Bolt12Entry[]>;
}

export function createOfferListingJob(core: Pick<OfferEngineCore, 'db'>): OfferListingJob {
  const { db } = core;

  /** `listoffers` / `listinvoicerequests`: the one with `id` (if active, when asked), or all in creation order. */
  async function listEntries(
    find: (db: store.AnyKysely, id: Uint8Array) => Promise<store.Bolt12Record | undefined>,
    list: (db: store.AnyKysely, activeOnly: boolean) => Promise<store.Bolt12Record[]>,
    id: Uint8Array | undefined,
    active_only: boolean,
  ): Promise<Bolt12Entry[]> {
    if (id !== undefined) {
      const r = await find(db, id);
      return r && (!active_only || (r.status & ACTIVE) !== 0) ? [entry(r)] : [];
    }
    return (await list(db, active_only)).map(entry);
  }

  async function listOffers(offer_id: Uint8Array | undefined, active_only: boolean): Promise<Bolt12Entry[]> {
    return listEntries(store.findOffer, store.listOffers, offer_id, active_only);
  }

  async function listInvoiceRequests(invreq_id: Uint8Array | undefined, active_only: boolean): Promise<Bolt12Entry[]> {
    return listEntries(store.findInvoiceRequest, store.listInvoiceRequests, invreq_id, active_only);
  }

  return { listOffers, listInvoiceRequests };
}
