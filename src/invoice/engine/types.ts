/**
 * The invoice engine's public types: its configuration, its dependencies, and the interface the daemon,
 * the RPC handlers and the offers module use (src/invoice/engine.ts re-exports them all).
 */
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { NodeKeys } from '../../crypto/node-keys.js';
import type { Clock, RandomSource } from '../../util/clock.js';
import type { Msat } from '../../util/msat.js';
import type { Network } from '../../util/network.js';
import type { CreateInvoiceParams, InvoiceEngine } from '../api.js';
import type { Bolt11Codec, Bolt11Draft, BuiltBolt11 } from '../create.js';
import type { Invoice } from '../invoice.js';
import type { InvoiceDatabase } from '../store/db.js';
import type { InvoiceDb } from '../store/schema.js';
import type * as store from '../store/store.js';
import type { WriteTx } from '../store/write-queue.js';
import type { AutocleanConfig } from './autoclean.js';
import type { RouteHintChoice } from '../route-hints.js';
import type { CreateExtension, EngineHooks } from '../engine-hooks.js';

/** The engine's configuration (daemon options). */
export interface InvoiceEngineConfig {
  /** `--invoice-expiry`: default expiry of `invoice`, seconds (3600, as lightning-invoice(7) documents). */
  readonly invoiceExpiry?: number;
  /** `--cltv-final`: default `c` of new invoices (CLN's per-network default). */
  readonly cltvFinal?: number;
  readonly autoclean?: Partial<AutocleanConfig>;
}

export interface InvoiceEngineDeps {
  readonly db: InvoiceDatabase;
  readonly nodeKeys: NodeKeys;
  readonly network: Network;
  readonly clock: Clock;
  readonly random: RandomSource;
  readonly logger?: Logger;
  readonly config?: InvoiceEngineConfig;
  /** The BOLT 11 codec (default: src/invoice/bolt11/). */
  readonly codec?: Bolt11Codec;
  /** Most operations per write transaction (default 256). */
  readonly maxBatch?: number;
  /**
   * Builds and signs new invoices off the main thread (invoice-build-pool.ts). Default: `buildBolt11`
   * inline with `nodeKeys.signEcdsa` and `codec`. It must sign with the same node key.
   */
  readonly bolt11Builder?: { build(draft: Bolt11Draft): Promise<BuiltBolt11> };
  /**
   * Route hints and their warnings for a new invoice, from the node's channels (route-hints.ts); answers
   * undefined while the bridge has reported none. May throw InvoiceError('HintsGaveNoRoutes').
   */
  readonly routeHints?: (p: Pick<CreateInvoiceParams, 'amount_msat' | 'exposeprivatechannels'>) => RouteHintChoice | undefined;
}

/** An invoice built elsewhere (BOLT 12 invoices for our offers) to be stored as `createinvoice` stores. */
export interface StoreInvoiceParams {
  readonly label: string;
  readonly kind: 'bolt11' | 'bolt12';
  readonly invstring: string;
  readonly preimage: Uint8Array;
  readonly amount_msat?: Msat;
  readonly description?: string;
  readonly expires_at: number;
  readonly local_offer_id?: Uint8Array;
  readonly invreq_payer_note?: string;
}

/** One HTLC of a payment (see markPaid). */
export type PaidHtlc = store.HtlcPart;

/**
 * The offers module's part of a payment (see `setOfferPaidRule`): run inside the payment's transaction,
 * on its connection, for an invoice issued for one of our offers. It marks the offer used and answers
 * whether the offer's other unpaid invoices must expire now (a single-use offer, now inactive). Throwing
 * refuses the payment: nothing of it is kept (an InvoiceError('Failed') reaches markPaid's caller).
 */
export type OfferPaidRule = (
  db: Kysely<InvoiceDb>,
  offer_id: Uint8Array,
  tx: WriteTx,
) => Promise<{ readonly expireOthers: boolean }>;

export type InvoiceChangeListener = (ev: { payment_hash: Uint8Array; status: 'paid' | 'expired' | 'deleted' | 'canceled' }) => void;

/** The engine: the RPC contract plus what the daemon and the payment path need. */
export interface InvoiceEngineImpl extends InvoiceEngine {
  /** The engine's write path for hold invoices and metadata (engine-hooks.ts). */
  readonly hooks: EngineHooks;
  /** Expires what expired while the daemon was down (with bumps), arms the timers, listens to other daemons. */
  start(): Promise<void>;
  /** `create`'s checks through the uniqueness of label and hash (901, then 900), by reads only (`check holdinvoice`). */
  checkCreateStored(p: CreateInvoiceParams, ext?: CreateExtension): Promise<void>;
  /**
   * Stores an externally built invoice (BOLT 12 invoices); 900 with the existing invoice on a duplicate
   * label, 901 on a duplicate hash. `within`, when given, runs after the insert in that same transaction
   * (e.g. `sendinvoice` queueing the invoice in the outbox), so both commit or neither: an error it throws
   * rolls the invoice back and is what the call rejects with.
   */
  storeInvoice(p: StoreInvoiceParams, within?: (tx: WriteTx, invoice: Invoice) => Promise<void>): Promise<Invoice>;
  /** The invoice (with preimage) for a payment hash. */
  getByPaymentHash(hash: Uint8Array): Promise<Invoice | undefined>;
  /**
   * Marks an unpaid, unexpired invoice paid and records its HTLCs, in one transaction; wakes waiters after
   * commit. Throws InvoiceError('Failed') if it is not unpaid any more. For an invoice of one of our offers
   * the offer rule runs in that same transaction (see setOfferPaidRule).
   */
  markPaid(payment_hash: Uint8Array, amount_received_msat: Msat, parts: readonly PaidHtlc[]): Promise<Invoice>;
  /** The invoice an already-accepted HTLC paid, so a replay after restart is fulfilled again. */
  findPaidHtlc(short_channel_id: string, id: bigint): Promise<{ payment_hash: Uint8Array; preimage: Uint8Array } | undefined>;
  /**
   * Sets the rule markPaid runs, in the payment's own transaction, when the paid invoice has a
   * `local_offer_id` (the offers module marks the offer used). When the rule answers `expireOthers`, the
   * offer's other unpaid invoices expire in that transaction too, each with its `updated` bump. So a
   * crash cannot leave a paid invoice with its offer unmarked, and of two payments of one single-use
   * offer's invoices the one that commits second finds its invoice expired and is refused.
   */
  setOfferPaidRule(rule: OfferPaidRule | undefined): void;
  /**
   * Remembers a block height seen in an HTLC so `getinfo.blockheight` survives a restart. Only a height
   * above every one noted before is written, in a write of its own that joins whatever group commit is
   * next (so at most one write per new block, never one per HTLC); it is not waited for.
   */
  noteBlockheight(height: number): void;
  /** The highest block height stored by noteBlockheight (any daemon on this database), if any. */
  storedBlockheight(): Promise<number | undefined>;
  /** Stores `height` as is, also lower than before (`setblockheight … force`); later notes raise from it. */
  writeBlockheight(height: number): Promise<void>;
  /** Subscribes to paid / expired / deleted changes; returns the unsubscribe function. */
  onInvoiceChange(listener: InvoiceChangeListener): () => void;
  /** Resolves when no write or sweep is in flight (tests). */
  idle(): Promise<void>;
  /** Number of waits asleep until an event (past their read of the current state): tests and metrics. */
  sleepingWaits(): number;
  /** Runs the expiry sweep now (also what the timer does). */
  sweepExpired(): Promise<number>;
  /**
   * Expires every unpaid invoice of our offer `offer_id` (disableoffer; a single-use offer used up), each
   * with its own `updated` bump (details {status:"expired", label}) and waiter wake-up, in one
   * transaction. Unlike CLN, which neither bumps nor wakes (reference §6.2). `first`, when given, runs
   * at the start of that same transaction (the offer's own status change), so both commit or neither;
   * its result is returned with the expired invoices, and an error it throws rolls everything back.
   */
  expireOfferInvoices<T = undefined>(
    offer_id: Uint8Array,
    first?: (db: Kysely<InvoiceDb>, tx: WriteTx) => Promise<T>,
  ): Promise<{ readonly result: T | undefined; readonly expired: readonly Invoice[] }>;
}
