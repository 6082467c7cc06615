/**
 * An offer's status bits (reference §4.13): `disableoffer` and `enableoffer`, and "used" — set when any
 * invoice for the offer is paid. A single-use offer then becomes inactive, and disabling an offer or using
 * up a single-use one expires its unpaid invoices through the invoice engine, in the same transaction and —
 * unlike CLN — with `updated` bumps and waiter wake-ups.
 */
import { InvoiceError } from '../../invoice/errors.js';
import type { OfferPaidRule } from '../../invoice/engine.js';
import { OfferError } from '../offer-errors.js';
import * as store from '../offer-store.js';
import type { Bolt12Entry } from '../offer-api.js';
import { ACTIVE, entry, notFound, SINGLE, type OfferEngineCore } from './core.js';

export interface OfferStatusJob {
  disableOffer(offer_id: Uint8Array): Promise<Bolt12Entry>;
  enableOffer(offer_id: Uint8Array): Promise<Bolt12Entry>;
  markOfferUsed(offer_id: Uint8Array): Promise<Bolt12Entry | undefined>;
  /** The rule the invoice engine's markPaid runs for an offer's invoice (set by offer-engine.ts). */
  offerPaidRule: OfferPaidRule;
}

export function createOfferStatusJob(core: OfferEngineCore): OfferStatusJob {
  const { deps, db, queue } = core;

  // Reference §4.13: "used" is set when any invoice for the offer is paid; a single-use offer then becomes
  // inactive, which expires all its other unpaid invoices. Run by markPaid inside the payment's
  // transaction, so the payment and the offer's change commit together or not at all.
  const offerPaidRule: OfferPaidRule = async (tx, offer_id, wtx) => {
    const before = await store.findOffer(tx, offer_id);
    if (!before) return { expireOthers: false };
    const single = (before.status & SINGLE) !== 0;
    // A second invoice of a used single-use offer (one issued while the first was being paid) is refused:
    // the offer is paid for once. Its siblings were expired when the first payment committed.
    if (single && (before.status & store.STATUS.used) !== 0) throw new InvoiceError('Failed', 'Single-use offer already used');
    const used = await store.markOfferUsed(tx, offer_id);
    if (used) wtx.event('offer_used', entry(used)); // event feed (src/events/)
    return { expireOthers: single };
  };

  async function disableOffer(offer_id: Uint8Array): Promise<Bolt12Entry> {
    const { result } = await deps.invoices.expireOfferInvoices(offer_id, async (tx, wtx) => {
      const done = await store.disableOffer(tx, offer_id);
      if (done) wtx.event('offer_disabled', entry(done)); // event feed (src/events/)
      if (done) return done;
      if (!(await store.findOffer(tx, offer_id))) throw notFound('offer');
      throw new OfferError('AlreadyDisabled', 'offer is not active');
    });
    return entry(result!);
  }

  async function enableOffer(offer_id: Uint8Array): Promise<Bolt12Entry> {
    return queue.run(async (tx) => {
      const done = await store.enableOffer(tx.db, offer_id);
      if (done) tx.event('offer_enabled', entry(done)); // event feed (src/events/)
      if (done) return entry(done);
      const current = await store.findOffer(tx.db, offer_id);
      if (!current) throw notFound('offer');
      if ((current.status & ACTIVE) !== 0) throw new OfferError('AlreadyEnabled', 'offer already active');
      throw new OfferError('UsedSingleUse', 'cannot activate an used single use offer');
    });
  }

  async function markOfferUsed(offer_id: Uint8Array): Promise<Bolt12Entry | undefined> {
    const before = await store.findOffer(db, offer_id);
    if (!before) return undefined;
    if ((before.status & SINGLE) === 0) {
      const r = await queue.run(async (tx) => {
        const used = await store.markOfferUsed(tx.db, offer_id);
        if (used) tx.event('offer_used', entry(used)); // event feed (src/events/)
        return used;
      });
      return r && entry(r);
    }
    // A used single-use offer is inactive, so its other unpaid invoices expire with it (reference §4.13).
    const { result } = await deps.invoices.expireOfferInvoices(offer_id, async (tx, wtx) => {
      const used = await store.markOfferUsed(tx, offer_id);
      if (used) wtx.event('offer_used', entry(used)); // event feed (src/events/)
      return used;
    });
    return result && entry(result);
  }

  return { disableOffer, enableOffer, markOfferUsed, offerPaidRule };
}
