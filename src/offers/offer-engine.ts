/**
 * The offer engine (issue 6, commands): the rules between the RPC handlers and the offer store. It builds
 * our offers (`lno`) and our invoice_requests (`lnr`, "offers to pay"), keeps them with CLN's status bits
 * (reference §4.13), and disables / enables them. Disabling an offer expires its unpaid invoices through
 * the invoice engine, in the same transaction and — unlike CLN — with `updated` bumps and waiter wake-ups.
 *
 * Choices (see docs/offers.md): every offer carries `offer_issuer_id` = our node id and no `offer_paths`
 * (this daemon is not a peer on the network, so it cannot build paths from its peers); non-bitcoin
 * networks get `offer_chains` / `invreq_chain`; an invoice_request's `invreq_payer_id` is the node id,
 * as CLN's `invoicerequest` sets it (plugins/offers_offer.c: "FIXME: Allow invoicerequests using aliases").
 */
import type { Logger } from 'pino';
import type { NodeKeys } from '../crypto/node-keys.js';
import type { InvoiceDatabase } from '../invoice/db.js';
import type { InvoiceEngineImpl } from '../invoice/engine.js';
import { InvoiceError } from '../invoice/errors.js';
import { WriteQueue } from '../invoice/write-queue.js';
import { nowSeconds, type Clock, type RandomSource } from '../util/clock.js';
import { fromHex } from '../util/hex.js';
import type { Msat } from '../util/msat.js';
import { CHAIN_HASH, type Network } from '../util/network.js';
import { decodeBolt12Json, type DecodeJson } from './decode-json.js';
import type { InvoiceRequestFields, OfferFields } from './fields.js';
import { buildInvoiceRequest, signInvoiceRequest } from './invoice-request.js';
import { currencyMinorUnit } from './iso4217.js';
import { buildOffer } from './offer.js';
import { OfferError } from './offer-errors.js';
import * as store from './offer-store.js';

const U64_MAX = (1n << 64n) - 1n;

/** `offer`'s amount after type binding: "any", msat, or a currency amount as written ("10.05USD"). */
export type OfferAmount =
  | 'any'
  | Msat
  | {
      /** The three letters as given (ISO 4217 codes are upper case). */
      readonly currency: string;
      /** Digits before the point. */
      readonly whole: string;
      /** Digits after the point, if there was one. */
      readonly fraction?: string;
    };

/** `offer` (reference §4.12), recurrence already refused by the handler. */
export interface CreateOfferParams {
  readonly amount: OfferAmount;
  readonly description?: string;
  readonly issuer?: string;
  readonly label?: string;
  readonly quantity_max?: bigint;
  readonly absolute_expiry?: bigint;
  readonly single_use?: boolean;
}

/** `invoicerequest` (reference §4.14). */
export interface CreateInvoiceRequestParams {
  readonly amount_msat: Msat;
  readonly description: string;
  readonly issuer?: string;
  readonly label?: string;
  readonly absolute_expiry?: bigint;
  readonly single_use?: boolean;
}

/** A stored offer or invoice_request with its status bits spelt out. */
export interface Bolt12Entry {
  /** offer_id or invreq_id. */
  readonly id: Uint8Array;
  readonly bolt12: string;
  readonly active: boolean;
  readonly single_use: boolean;
  readonly used: boolean;
  readonly label?: string;
  readonly description?: string;
}

export interface CreatedOffer {
  readonly offer: Bolt12Entry;
  /** False when an identical active offer existed: that one is returned. */
  readonly created: boolean;
}

/** The offers contract with the RPC layer (and `decode` of BOLT 12 strings). */
export interface OfferEngine {
  createOffer(p: CreateOfferParams): Promise<CreatedOffer>;
  listOffers(offer_id: Uint8Array | undefined, active_only: boolean): Promise<Bolt12Entry[]>;
  /** Disables an active offer and expires its unpaid invoices (one transaction). */
  disableOffer(offer_id: Uint8Array): Promise<Bolt12Entry>;
  enableOffer(offer_id: Uint8Array): Promise<Bolt12Entry>;
  /**
   * Records that an invoice of the offer was paid: the offer becomes used, and a single-use one inactive,
   * which expires its other unpaid invoices. Unknown offers are ignored. Payments do not call this: the
   * engine applies the same rule inside the payment's transaction (see `createOfferEngine`).
   */
  markOfferUsed(offer_id: Uint8Array): Promise<Bolt12Entry | undefined>;
  createInvoiceRequest(p: CreateInvoiceRequestParams): Promise<Bolt12Entry>;
  listInvoiceRequests(invreq_id: Uint8Array | undefined, active_only: boolean): Promise<Bolt12Entry[]>;
  disableInvoiceRequest(invreq_id: Uint8Array): Promise<Bolt12Entry>;
  /** CLN's `decode` object of an `lno`/`lnr`/`lni` string, judged for our chain and (offers) the current time. */
  decode(invstring: string): DecodeJson;
  /** Finishes in-flight writes (before the database closes). */
  close(): Promise<void>;
}

export interface OfferEngineDeps {
  readonly db: InvoiceDatabase;
  /**
   * For expiring an offer's invoices with index bumps, and for the rule every payment of an offer's
   * invoice runs in its own transaction (the offer engine sets it when created).
   */
  readonly invoices: Pick<InvoiceEngineImpl, 'expireOfferInvoices' | 'setOfferPaidRule'>;
  readonly nodeKeys: NodeKeys;
  readonly network: Network;
  readonly clock: Clock;
  readonly random: RandomSource;
  readonly logger?: Logger;
}

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
  const queue = new WriteQueue(database);
  const chain = fromHex(CHAIN_HASH[network], 32);
  // Reference §4.13: "used" is set when any invoice for the offer is paid; a single-use offer then becomes
  // inactive, which expires all its other unpaid invoices. Run by markPaid inside the payment's
  // transaction, so the payment and the offer's change commit together or not at all.
  deps.invoices.setOfferPaidRule(async (tx, offer_id) => {
    const before = await store.findOffer(tx, offer_id);
    if (!before) return { expireOthers: false };
    const single = (before.status & SINGLE) !== 0;
    // A second invoice of a used single-use offer (one issued while the first was being paid) is refused:
    // the offer is paid for once. Its siblings were expired when the first payment committed.
    if (single && (before.status & store.STATUS.used) !== 0) throw new InvoiceError('Failed', 'Single-use offer already used');
    await store.markOfferUsed(tx, offer_id);
    return { expireOthers: single };
  });
  const notFound = (what: 'offer' | 'invoice_request') =>
    new OfferError('NotFound', what === 'offer' ? 'Unknown offer' : 'Unknown invoice_request');

  async function createOffer(p: CreateOfferParams): Promise<CreatedOffer> {
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
    const offer = buildOffer(fields);
    const row = {
      id: offer.offer_id,
      bolt12: offer.string,
      ...(p.label !== undefined ? { label: p.label } : {}),
      ...(p.description !== undefined ? { description: p.description } : {}),
      status: ACTIVE | (p.single_use ? SINGLE : 0),
      created_at: nowSeconds(clock),
    };
    const out = await queue.run(async (tx): Promise<CreatedOffer> => {
      const inserted = await store.insertOffer(tx.db, row);
      if (inserted) return { offer: entry(inserted), created: true };
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
    const { result } = await deps.invoices.expireOfferInvoices(offer_id, async (tx) => {
      const done = await store.disableOffer(tx, offer_id);
      if (done) return done;
      if (!(await store.findOffer(tx, offer_id))) throw notFound('offer');
      throw new OfferError('AlreadyDisabled', 'offer is not active');
    });
    return entry(result!);
  }

  async function enableOffer(offer_id: Uint8Array): Promise<Bolt12Entry> {
    return queue.run(async (tx) => {
      const done = await store.enableOffer(tx.db, offer_id);
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
      const r = await queue.run((tx) => store.markOfferUsed(tx.db, offer_id));
      return r && entry(r);
    }
    // A used single-use offer is inactive, so its other unpaid invoices expire with it (reference §4.13).
    const { result } = await deps.invoices.expireOfferInvoices(offer_id, (tx) => store.markOfferUsed(tx, offer_id));
    return result && entry(result);
  }

  async function createInvoiceRequest(p: CreateInvoiceRequestParams): Promise<Bolt12Entry> {
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
    const row = {
      id: signed.invreq_id,
      bolt12: signed.string,
      ...(p.label !== undefined ? { label: p.label } : {}),
      description: p.description,
      status: ACTIVE | ((p.single_use ?? true) ? SINGLE : 0),
      created_at: nowSeconds(clock),
    };
    const r = await queue.run((tx) => store.insertInvoiceRequest(tx.db, row));
    logger?.debug('invoice_request created');
    return entry(r);
  }

  async function listInvoiceRequests(invreq_id: Uint8Array | undefined, active_only: boolean): Promise<Bolt12Entry[]> {
    return listEntries(store.findInvoiceRequest, store.listInvoiceRequests, invreq_id, active_only);
  }

  async function disableInvoiceRequest(invreq_id: Uint8Array): Promise<Bolt12Entry> {
    return queue.run(async (tx) => {
      const done = await store.disableInvoiceRequest(tx.db, invreq_id);
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
    listOffers,
    disableOffer,
    enableOffer,
    markOfferUsed,
    createInvoiceRequest,
    listInvoiceRequests,
    disableInvoiceRequest,
    decode,
    close: () => queue.idle(),
  };
}
