/**
 * The payment processor's public types (processor.ts builds it; processor.ts re-exports them): the engine
 * methods it calls, its logger, its options and its interface.
 */
import type { Clock } from '../../util/clock.js';
import type { Msat } from '../../util/msat.js';
import type { Invoice } from '../invoice.js';
import type { HtlcAccepted, HtlcAcceptedResult } from './htlc-payload.js';
import type { BlockHeight } from '../block-height.js';
import type { HoldPayments } from '../hold/hold-engine.js';

/** One HTLC of the set that paid an invoice, as the engine records it. */
export interface PaidHtlcPart {
  readonly short_channel_id: string;
  readonly id: bigint;
  readonly amount_msat: Msat;
}

/** What the engine reports when an invoice leaves `unpaid` (or is deleted). */
export interface InvoiceChange {
  readonly payment_hash: Uint8Array;
  readonly status: string;
}

/** The four engine methods payments need (src/invoice/engine.ts provides them). */
export interface PaymentEngine {
  /** The invoice with this payment hash, with its preimage; undefined if none. */
  getByPaymentHash(payment_hash: Uint8Array): Promise<Invoice | undefined>;
  /**
   * One transaction: unpaid → paid if `expires_at > now`, next pay_index, amount_received_msat, paid_at,
   * `updated` bump, waiters released, and the parts recorded. Throws InvoiceError('Failed') if the invoice
   * is no longer unpaid.
   */
  markPaid(payment_hash: Uint8Array, amount_received_msat: Msat, parts: readonly PaidHtlcPart[]): Promise<unknown>;
  /** The invoice an HTLC helped pay, if it did. */
  findPaidHtlc(
    short_channel_id: string,
    id: bigint,
  ): Promise<{ readonly payment_hash: Uint8Array; readonly preimage: Uint8Array } | undefined>;
  /** Subscribes to invoice state changes; may return an unsubscribe function. */
  onInvoiceChange(listener: (change: InvoiceChange) => void): (() => void) | void;
  /**
   * Told each new highest block height (not waited for), to keep it across restarts; see
   * `initialBlockheight`.
   */
  noteBlockheight?(height: number): void;
  /** Stores a height as is, also a lower one (`setblockheight … force`). */
  writeBlockheight?(height: number): Promise<void>;
}

/** The logger calls used (pino's signature). Never given preimages or secrets. */
export interface PaymentLogger {
  debug(obj: Record<string, unknown>, msg: string): void;
  info(obj: Record<string, unknown>, msg: string): void;
  warn(obj: Record<string, unknown>, msg: string): void;
}

export interface PaymentProcessorOptions {
  readonly engine: PaymentEngine;
  readonly clock: Clock;
  /** `--cltv-final` (CLN's default 18). */
  readonly cltvFinal: number;
  /** `--mpp-timeout` in milliseconds (default 70 s, as CLN). */
  readonly mppTimeoutMs?: number;
  readonly logger: PaymentLogger;
  /** makesecret("bolt12-invoice-base"): checks BOLT12 payments' path_id. */
  readonly bolt12InvoiceBase?: Uint8Array;
  /** Height to start from (e.g. remembered across restarts); the highest seen wins. */
  readonly initialBlockheight?: number;
  /**
   * The daemon's shared block height (block-height.ts: the bridge's `setblockheight` and the heights our
   * HTLCs report). When given, HTLC heights go to it; `initialBlockheight` and `noteBlockheight` are then
   * unused.
   */
  readonly blockHeight?: Pick<BlockHeight, 'current' | 'fromHtlc'>;
  /**
   * Developer hook (tests): runs after a payment is committed and before any part is answered, e.g. to
   * kill the process there and prove that replays after a restart still resolve.
   */
  readonly afterCommit?: (payment_hash: Uint8Array) => void | Promise<void>;
  /** Hold invoices (src/invoice/hold/): their sets are held until settled or cancelled. Late-bound. */
  readonly hold?: () => HoldPayments | undefined;
}

export interface PaymentProcessor {
  /** Decides one HTLC; the promise settles when the answer is final (for MPP parts: when the set does). */
  htlcAccepted(p: HtlcAccepted): Promise<HtlcAcceptedResult>;
  /** The node's block height as last known (`getinfo.blockheight`; block-height.ts says from where). */
  blockheight(): number;
  /** Number of sets waiting for more parts (for tests and getinfo-style reporting). */
  pendingSets(): number;
  /** Stops timers; pending parts are rejected with ShuttingDown so the bridge replays them later. */
  close(): void;
}
