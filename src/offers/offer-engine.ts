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
 */
import { InvoiceError } from '../invoice/errors.js';
import { WriteQueue } from '../invoice/store/write-queue.js';
import { nowSeconds } from '../util/clock.js';
import { fromHex, toHex } from '../util/hex.js';
import type { Msat } from '../util/msat.js';
import { CHAIN_HASH } from '../util/network.js';
import { decodeBolt12Json, type DecodeJson } from './bolt12/decode-json.js';
import type { InvoiceRequestFields, OfferFields } from './bolt12/fields.js';
import { buildInvoiceRequest, signInvoiceRequest } from './bolt12/invoice-request.js';
import { currencyMinorUnit } from './bolt12/iso4217.js';
import { buildOffer, type Offer } from './bolt12/offer.js';
import { messagePathVia } from './peer-paths.js';
import { derivePathId } from './blinding/route-blinding.js';
import { OfferError } from './offer-errors.js';
import * as store from './offer-store.js';
import type { OfferExtension } from './offer-extras.js';

import type {
  Bolt12Entry,
  CreatedOffer,
  CreateInvoiceRequestParams,
  CreateOfferParams,
  OfferAmount,
  OfferEngine,
  OfferEngineDeps,
} from './offer-api.js';

export type * from './offer-api.js';

const U64_MAX = (1n << 64n) - 1n;

const { active: ACTIVE, single_use: SINGLE } = store.STATUS;

function entry(r: store.Bolt12Record): Bolt12Entry {
  return Object.freeze({
    id: r.id,
    bolt12: r.bolt12,
    active: (r.status & ACTIVE) !== 0,
    single_use: (r.status & SINGLE) !== 0,
    used: (r.status & store.STATUS.used) !== 0,
    ...(r.label !== undefined ? { label: r.label } : {}),
    ...(r.description !== undefined ? { description: r.description } : {}),
    ...(r.metadata !== undefined ? { metadata: r.metadata } : {}),
  });
}

const invalid = (message: string, param?: string): OfferError =>
  new OfferError('InvalidParams', message, param !== undefined ? { param } : {});

/**
 * The offer_amount and offer_currency of a currency amount. CLN's rule (plugins/offers_offer.c): the
 * fraction, when written, must have exactly the currency's ISO 4217 minor units ("10.05USD", "1000JPY").
 */
export function currencyAmount(a: Exclude<OfferAmount, 'any' | Msat>): { offer_currency: string; offer_amount: bigint } {
  const minor = currencyMinorUnit(a.currency);
  if (minor === undefined) throw invalid(`Unknown currency suffix ${a.currency}`);
  if (a.fraction !== undefined && a.fraction.length !== minor) {
    throw invalid(`Currency ${a.currency} requires ${minor} minor units`);
  }
  const amount = BigInt(a.whole) * 10n ** BigInt(minor) + BigInt(a.fraction ?? '0');
  if (amount > U64_MAX) throw invalid('excessively large value', 'amount');
  // BOLT 12: "if `offer_amount` is set and is not greater than zero: MUST NOT respond to the offer."
  if (amount === 0n) throw invalid('must be greater than zero', 'amount');
  return { offer_currency: a.currency, offer_amount: amount };
}

export function createOfferEngine(deps: OfferEngineDeps): OfferEngine {
  const { db: database, nodeKeys, network, clock, random, logger } = deps;
  const db = database.db;
  // Group commit, as the invoice engine: concurrent creations share one transaction (one fsync).
  const queue = WriteQueue.shared(database);
  const chain = fromHex(CHAIN_HASH[network], 32);
  // Reference §4.13: "used" is set when any invoice for the offer is paid; a single-use offer then becomes
  // inactive, which expires all its other unpaid invoices. Run by markPaid inside the payment's
  // transaction, so the payment and the offer's change commit together or not at all.
  deps.invoices.setOfferPaidRule(async (tx, offer_id, wtx) => {
    const before = await store.findOffer(tx, offer_id);
    if (!before) return { expireOthers: false };
    const single = (before.status & SINGLE) !== 0;
    // A second invoice of a used single-use offer (one issued while the first was being paid) is refused:
    // the offer is paid for once. Its siblings were expired when the first payment committed.
    if (single && (before.status & store.STATUS.used) !== 0) throw new InvoiceError('Failed', 'Single-use offer already used');
    const used = await store.markOfferUsed(tx, offer_id);
    if (used) wtx.event('offer_used', entry(used)); // event feed (src/events/)
    return { expireOthers: single };
  });
  const offerBase = nodeKeys.deriveSecret('offer-blinded-path');

  /**
   * Adds a blinded path through a public peer when the node needs one. Its `path_id` is
   * SHA256(makesecret("offer-blinded-path") || offer_id of the offer without paths), as CLN's, so an
   * invoice_request over it is recognised without storing anything. The path's keys are fresh each
   * time, so two such offers with the same terms are two offers.
   */
  function withOfferPath(pathless: Offer, fields: OfferFields): Offer {
    const peer = deps.offerPathPeer?.();
    if (!peer) return pathless;
    const path = messagePathVia(nodeKeys.nodeId, random, peer, derivePathId(offerBase, pathless.offer_id));
    logger?.debug({ introduction_node: toHex(peer.node_id) }, 'offer gets a blinded path through a public peer');
    return buildOffer({ ...fields, offer_paths: [path] });
  }

  const notFound = (what: 'offer' | 'invoice_request') =>
    new OfferError('NotFound', what === 'offer' ? 'Unknown offer' : 'Unknown invoice_request');

  /** The offer's fields, after the rules that need no state (CLN's order and texts). */
  function offerFieldsOf(p: CreateOfferParams): OfferFields {
    const amount =
      p.amount === 'any' ? {} : typeof p.amount === 'bigint' ? { offer_amount: p.amount as bigint } : currencyAmount(p.amount);
    if (amount.offer_amount === 0n) throw invalid('must be greater than zero', 'amount');
    // BOLT 12: "if `offer_amount` is set and `offer_description` is not set: MUST NOT respond to the offer."
    if (amount.offer_amount !== undefined && p.description === undefined) {
      throw invalid('description: description is required for the user to know what it was they paid for');
    }
    // As CLN: a maximum of one is the same as no quantity at all, so it is refused.
    if (p.quantity_max === 1n) throw invalid('must be 0 or > 1', 'quantity_max');
    const fields: OfferFields = {
      // BOLT 12: "if the chain for the invoice is not solely bitcoin: MUST specify `offer_chains`".
      ...(network !== 'bitcoin' ? { offer_chains: [chain] } : {}),
      ...amount,
      ...(p.description !== undefined ? { offer_description: p.description } : {}),
      ...(p.absolute_expiry !== undefined ? { offer_absolute_expiry: p.absolute_expiry } : {}),
      ...(p.issuer !== undefined ? { offer_issuer: p.issuer } : {}),
      ...(p.quantity_max !== undefined ? { offer_quantity_max: p.quantity_max } : {}),
      // BOLT 12: "otherwise (no `offer_paths`): MUST set `offer_issuer_id` to the node's public key".
      offer_issuer_id: nodeKeys.nodeId,
    };
    return fields;
  }

  /**
   * `check offer`: what `createOffer` would refuse, reading only: its rules, the offer's encoding, an
   * idempotency key used with other parameters, and an identical offer that exists but is inactive (only
   * an offer without a blinded path can be identical: a path's keys are fresh each time).
   */
  async function checkOffer(p: CreateOfferParams, ext?: OfferExtension): Promise<void> {
    const fields = offerFieldsOf(p);
    const pathless = buildOffer(fields);
    if (await ext?.before(db)) return; // an idempotent repeat: answered with the first offer
    if (deps.offerPathPeer?.()) return;
    const existing = await store.findOffer(db, pathless.offer_id);
    if (existing && (existing.status & ACTIVE) === 0) throw new OfferError('AlreadyExists', "Already exists, but isn't active");
  }

  async function createOffer(p: CreateOfferParams, ext?: OfferExtension): Promise<CreatedOffer> {
    const fields = offerFieldsOf(p);
    const offer = withOfferPath(buildOffer(fields), fields);
    const row = {
      id: offer.offer_id,
      bolt12: offer.string,
      ...(p.label !== undefined ? { label: p.label } : {}),
      ...(p.description !== undefined ? { description: p.description } : {}),
      status: ACTIVE | (p.single_use ? SINGLE : 0),
      created_at: nowSeconds(clock),
    };
    const out = await queue.run(async (tx): Promise<CreatedOffer> => {
      const repeat = await ext?.before(tx.db);
      if (repeat) return { offer: entry(repeat), created: true };
      const inserted = await store.insertOffer(tx.db, row);
      if (inserted) {
        const offer = entry(ext ? await ext.after(tx.db, inserted) : inserted);
        tx.event('offer_created', offer); // event feed (src/events/)
        return { offer, created: true };
      }
      // The same parameters make the same bytes, hence the same offer_id: CLN hands back the existing one.
      const existing = await store.findOffer(tx.db, offer.offer_id);
      if (!existing) throw new Error('offer insert clashed but no offer has its id');
      if ((existing.status & ACTIVE) === 0) throw new OfferError('AlreadyExists', "Already exists, but isn't active");
      return { offer: entry(existing), created: false };
    });
    if (out.created) logger?.debug({ single_use: p.single_use ?? false }, 'offer created');
    return out;
  }

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

  async function listInvoiceRequests(invreq_id: Uint8Array | undefined, active_only: boolean): Promise<Bolt12Entry[]> {
    return listEntries(store.findInvoiceRequest, store.listInvoiceRequests, invreq_id, active_only);
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

  function decode(invstring: string): DecodeJson {
    const s = invstring.replace(/^lightning:/i, '');
    // Expired offers decode as valid:false with warning_offer_expired; invoices still decode (as CLN's
    // `decode` of expired invoices), so the clock is left out for them.
    const isInvoice = /^lni1/i.test(s);
    return decodeBolt12Json(s, { chain, ...(isInvoice ? {} : { now: nowSeconds(clock) }) });
  }

  return {
    createOffer,
    checkOffer,
    listOffers,
    disableOffer,
    enableOffer,
    markOfferUsed,
    createInvoiceRequest,
    checkInvoiceRequest,
    listInvoiceRequests,
    disableInvoiceRequest,
    decode,
    close: () => queue.idle(),
  };
}
