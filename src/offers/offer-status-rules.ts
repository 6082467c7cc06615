/**
 * Refusals of `disableoffer`, `enableoffer` and `disableinvoicerequest` (CLN's, lightningd/offer.c), read off
 * an entry's status: the offer engine raises them when its guarded update changes nothing, and `check`
 * raises them from what it reads, so both answer alike.
 */
import { OfferError } from './offer-errors.js';

/** The status flags the rules look at. */
export interface OfferStatusView {
  readonly active: boolean;
  readonly single_use: boolean;
  readonly used: boolean;
}

function notFound(what: 'offer' | 'invoice_request'): OfferError {
  return new OfferError('NotFound', what === 'offer' ? 'Unknown offer' : 'Unknown invoice_request');
}

/** -1 "Unknown offer" / "Unknown invoice_request", 1001 "… is not active". */
export function checkCanDisable(e: OfferStatusView | undefined, what: 'offer' | 'invoice_request'): void {
  if (!e) throw notFound(what);
  if (!e.active) throw new OfferError('AlreadyDisabled', `${what} is not active`);
}

/** -1 "Unknown offer", 1006 "offer already active", 1007 "cannot activate an used single use offer". */
export function checkCanEnable(e: OfferStatusView | undefined): void {
  if (!e) throw notFound('offer');
  if (e.active) throw new OfferError('AlreadyEnabled', 'offer already active');
  if (e.single_use && e.used) throw new OfferError('UsedSingleUse', 'cannot activate an used single use offer');
}
