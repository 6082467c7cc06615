/**
 * Our invoice_requests (`lnr`, "offers to pay"): `invoicerequest` (build, sign and store one),
 * `check invoicerequest` (the same, writing nothing) and `disableinvoicerequest`. The request's
 * `invreq_payer_id` is the node id, as CLN's `invoicerequest` sets it (plugins/offers_offer.c: "FIXME:
 * Allow invoicerequests using aliases").
 */
import { nowSeconds } from '../../util/clock.js';
import type { InvoiceRequestFields } from '../bolt12/fields.js';
import { buildInvoiceRequest, signInvoiceRequest } from '../bolt12/invoice-request.js';
import { OfferError } from '../offer-errors.js';
import * as store from '../offer-store.js';
import type { Bolt12Entry, CreateInvoiceRequestParams } from '../offer-api.js';
import { ACTIVE, entry, notFound, SINGLE, type OfferEngineCore } from './core.js';

export interface InvoiceRequestJob {
  createInvoiceRequest(p: CreateInvoiceRequestParams): Promise<Bolt12Entry>;
  checkInvoiceRequest(p: CreateInvoiceRequestParams): void;
  disableInvoiceRequest(invreq_id: Uint8Array): Promise<Bolt12Entry>;
}

export function createInvoiceRequestJob(core: OfferEngineCore): InvoiceRequestJob {
  const { nodeKeys, network, clock, random, logger, queue, chain } = core;

  /** The signed invoice_request and its row: everything `createInvoiceRequest` does before it writes. */
  function invoiceRequestRowOf(p: CreateInvoiceRequestParams): store.NewBolt12Row {
    // BOLT 12 (not responding to an offer): "MUST set `offer_description`", "MUST set `invreq_payer_id`",
    // "if the chain for the invoice is not solely bitcoin: MUST specify `invreq_chain`", and
    // "MUST set `invreq_metadata` to an unpredictable series of bytes" (16, as CLN).
    const fields: InvoiceRequestFields = {
      invreq_metadata: random(16),
      offer_description: p.description,
      ...(p.absolute_expiry !== undefined ? { offer_absolute_expiry: p.absolute_expiry } : {}),
      ...(p.issuer !== undefined ? { offer_issuer: p.issuer } : {}),
      ...(network !== 'bitcoin' ? { invreq_chain: chain } : {}),
      invreq_amount: p.amount_msat,
      invreq_payer_id: nodeKeys.nodeId,
    };
    const signed = signInvoiceRequest(buildInvoiceRequest(fields), nodeKeys.signSchnorr, { chain });
    return {
      id: signed.invreq_id,
      bolt12: signed.string,
      ...(p.label !== undefined ? { label: p.label } : {}),
      description: p.description,
      status: ACTIVE | ((p.single_use ?? true) ? SINGLE : 0),
      created_at: nowSeconds(clock),
    };
  }

  /**
   * `check invoicerequest`: the request built and signed as `createInvoiceRequest` builds it, so whatever
   * would refuse it refuses it here, and nothing written. The insert itself cannot clash (the id covers
   * fresh random metadata; labels need not be unique).
   */
  function checkInvoiceRequest(p: CreateInvoiceRequestParams): void {
    invoiceRequestRowOf(p);
  }

  async function createInvoiceRequest(p: CreateInvoiceRequestParams): Promise<Bolt12Entry> {
    const row = invoiceRequestRowOf(p);
    const r = await queue.run(async (tx) => {
      const inserted = await store.insertInvoiceRequest(tx.db, row);
      tx.event('invoicerequest_created', entry(inserted)); // event feed (src/events/)
      return inserted;
    });
    logger?.debug('invoice_request created');
    return entry(r);
  }

  async function disableInvoiceRequest(invreq_id: Uint8Array): Promise<Bolt12Entry> {
    return queue.run(async (tx) => {
      const done = await store.disableInvoiceRequest(tx.db, invreq_id);
      if (done) tx.event('invoicerequest_disabled', entry(done)); // event feed (src/events/)
      if (done) return entry(done);
      if (!(await store.findInvoiceRequest(tx.db, invreq_id))) throw notFound('invoice_request');
      throw new OfferError('AlreadyDisabled', 'invoice_request is not active');
    });
  }

  return { createInvoiceRequest, checkInvoiceRequest, disableInvoiceRequest };
}
