/**
 * The offer engine's public types: the parameters of `offer` and `invoicerequest`, the entries the list
 * commands return, the engine's interface and its dependencies (src/offers/offer-engine.ts re-exports them).
 */
import type { Logger } from 'pino';
import type { NodeKeys } from '../crypto/node-keys.js';
import type { InvoiceEngineImpl } from '../invoice/engine.js';
import type { InvoiceDatabase } from '../invoice/store/db.js';
import type { Clock, RandomSource } from '../util/clock.js';
import type { Msat } from '../util/msat.js';
import type { Network } from '../util/network.js';
import type { DecodeJson } from './bolt12/decode-json.js';
import type { IntroPeer } from './peer-paths.js';
import type { OfferExtension } from './offer-extras.js';

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
  /** Offers: the client's metadata object as stored JSON text. */
  readonly metadata?: string;
}

export interface CreatedOffer {
  readonly offer: Bolt12Entry;
  /** False when an identical active offer existed: that one is returned. */
  readonly created: boolean;
}

/** The offers contract with the RPC layer (and `decode` of BOLT 12 strings). */
export interface OfferEngine {
  /** `ext`: extra steps in the creating transaction (offer-extras.ts: idempotency key, metadata). */
  createOffer(p: CreateOfferParams, ext?: OfferExtension): Promise<CreatedOffer>;
  /** `check offer`: the error `createOffer` would give (its rules and what it reads), writing nothing. */
  checkOffer(p: CreateOfferParams, ext?: OfferExtension): Promise<void>;
  listOffers(offer_id: Uint8Array | undefined, active_only: boolean): Promise<Bolt12Entry[]>;
  /** Disables an active offer and expires its unpaid invoices (one transaction). */
  disableOffer(offer_id: Uint8Array): Promise<Bolt12Entry>;
  enableOffer(offer_id: Uint8Array): Promise<Bolt12Entry>;
  /**
   * Records that an invoice of the offer was paid: the offer becomes used, and a single-use one inactive,
   * which expires its other unpaid invoices. Unknown offers are ignored. Payments do not call this: the
   * engine applies the same rule inside the payment's transaction (engine/status.ts `offerPaidRule`).
   */
  markOfferUsed(offer_id: Uint8Array): Promise<Bolt12Entry | undefined>;
  createInvoiceRequest(p: CreateInvoiceRequestParams): Promise<Bolt12Entry>;
  /** `check invoicerequest`: builds and signs the request as `createInvoiceRequest` would, writing nothing. */
  checkInvoiceRequest(p: CreateInvoiceRequestParams): void;
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
  /**
   * The peer new offers' `offer_paths` go through, when the node needs them (peer-paths.ts: only
   * private channels); undefined: no path (the offer names the node with `offer_issuer_id` alone).
   */
  readonly offerPathPeer?: () => IntroPeer | undefined;
}
