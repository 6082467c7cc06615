/**
 * What command handlers may use. The daemon builds one `RpcContext`; the server adds per-request
 * members (`CommandContext`, declared in command.ts so that this file needs no command type). Later
 * subsystems extend it with optional members (`offers`, `payments`): handlers that need one check it is there.
 */
import type { Logger } from 'pino';
import type { InvoiceEngine } from '../invoice/api.js';
import type { BlockHeight } from '../invoice/block-height.js';
import type { NodeFacts } from '../invoice/node-facts.js';
import type { EventFeed } from '../events/feed.js';
import type { EngineHooks } from '../invoice/engine-hooks.js';
import type { HoldInvoiceEngine } from '../invoice/hold/hold-engine.js';
import type { Merchant } from '../offers/merchant.js';
import type { OfferEngine } from '../offers/offer-engine.js';
import type { Network } from '../util/network.js';
import type { WebhookDispatcher } from '../webhooks/dispatcher.js';

/** Feature bit fields the daemon advertises, as hex (getinfo's `our_features`). */
export interface OurFeatures {
  /** BOLT 11 invoice features: bits 8 and 14 compulsory, 17 optional = "024100". */
  readonly invoice: string;
  readonly [kind: string]: string;
}

/**
 * The BOLT 12 seam for `decode`: when present, strings starting `lno`, `lnr` or `lni` go to it.
 * It returns CLN's decode object (bigint amounts allowed) or throws an Error whose message is the reason.
 */
export interface OffersDecoder {
  decode(invstring: string): Record<string, unknown>;
}

export interface RpcContext {
  readonly engine: InvoiceEngine;
  /** 33-byte compressed node id. */
  readonly nodeId: Uint8Array;
  readonly network: Network;
  readonly version: string;
  /** `--developer`: refused parameter tokens are echoed in errors (CLN's `command_fail_badparam`). */
  readonly developer?: boolean;
  /** Highest block height seen (from HTLCs), if any. */
  blockheight(): number | undefined;
  readonly logger: Logger;
  /** Asks the daemon to shut down (after `stop` has answered). */
  requestStop(): void;
  readonly cltvFinal: number;
  readonly features: OurFeatures;
  /**
   * BOLT 12 (offers work): decode of lno/lnr/lni strings; when it is the full offer engine (the daemon's
   * case) also the offer and invoice_request commands, which check with `hasOfferEngine`.
   */
  readonly offers?: OffersDecoder | OfferEngine;
  /** Payments (issue 5) hang their processor here. */
  readonly payments?: unknown;
  /** The BOLT 12 merchant flow (issue 7): onion messages, sendinvoice, the outbox, currency rates. */
  readonly merchant?: Merchant;
  /** The node's block height as the bridge reports it (`setblockheight`). */
  readonly height?: BlockHeight;
  /** What the bridge reported about its node (`setnodefacts`): getinfo's values, route hints. */
  readonly nodeFacts?: NodeFacts;
  /** The daemon's own directory (`<datadir>/<network>`): getinfo's `lightning-dir` until the node reports its own. */
  readonly lightningDir?: string;
  /** The event feed (issue 16): `listevents`, `wait events`. */
  readonly events?: EventFeed;
  /** Webhook deliveries (issue 16): `listwebhookdeliveries`, `webhook-redeliver`. */
  readonly webhooks?: WebhookDispatcher;
  /** Hold invoices (issue 15). */
  readonly hold?: HoldInvoiceEngine;
  /** The engine's write path, for `setinvoicemetadata` (issue 15). */
  readonly engineHooks?: EngineHooks;
}

/** getinfo's invoice feature bits: var_onion_optin (8), payment_secret (14) compulsory, basic_mpp (17). */
export const INVOICE_FEATURES_HEX = '024100';

/** True when the context's `offers` member is the whole offer engine, not only a decoder. */
export function hasOfferEngine(offers: OffersDecoder | OfferEngine | undefined): offers is OfferEngine {
  return offers !== undefined && 'createOffer' in offers;
}
