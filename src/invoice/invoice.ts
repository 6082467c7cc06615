/**
 * The invoice as the engine hands it out: one immutable record per stored invoice, named exactly as the
 * RPC fields are (DESIGN rule 7). `src/rpc/format-invoice.ts` turns it into CLN's JSON object.
 */
import type { Msat } from '../util/msat.js';

export type InvoiceStatus = 'unpaid' | 'paid' | 'expired';

export interface Invoice {
  /** The label as the client gave it (a JSON number label becomes its decimal string). */
  readonly label: string;
  /** The invoice string; `bolt11` or `bolt12` in the RPC object by its kind. */
  readonly invstring: string;
  readonly kind: 'bolt11' | 'bolt12';
  readonly payment_hash: Uint8Array;
  /** Absent for "any"-amount invoices. */
  readonly amount_msat?: Msat;
  readonly status: InvoiceStatus;
  /** Paid invoices only. */
  readonly pay_index?: number;
  readonly amount_received_msat?: Msat;
  readonly paid_at?: number;
  /** Always stored; the RPC shows it only once paid. Never logged. */
  readonly payment_preimage: Uint8Array;
  /** Absent when removed by `delinvoice desconly`, or a BOLT12 invoice without offer_description. */
  readonly description?: string;
  /** Unix seconds. */
  readonly expires_at: number;
  /** BOLT12 invoices for one of our offers. */
  readonly local_offer_id?: Uint8Array;
  readonly invreq_payer_note?: string;
  readonly created_index: number;
  /** Absent (0) until the invoice changes after creation. */
  readonly updated_index?: number;
  /** Unix seconds of creation (CLN users asked for it: ElementsProject/lightning#7168). */
  readonly created_at: number;
  /** Hold invoices only: the stored hold state (src/invoice/hold/holdstate.ts gives the effective one). */
  readonly holdstate?: 'OPEN' | 'ACCEPTED' | 'SETTLED' | 'CANCELED';
  /** Hold invoices with an accepted HTLC set: the lowest cltv_expiry of the set. */
  readonly htlc_expiry?: number;
  /** The client's metadata object as stored JSON text. Never sent to payers. */
  readonly metadata?: string;
}

/** The three wait indexes of the `invoices` subsystem (reference §5). */
export type InvoiceIndexName = 'created' | 'updated' | 'deleted';

/** What `wait invoices <index>` reports about the event that moved the index (reference §4.8). */
export interface InvoiceWaitDetails {
  readonly status?: InvoiceStatus;
  readonly label?: string;
  readonly invstring?: string;
  readonly kind?: 'bolt11' | 'bolt12';
  readonly description?: string;
  /** Hold invoices: the hold state after the change. */
  readonly holdstate?: 'OPEN' | 'ACCEPTED' | 'SETTLED' | 'CANCELED';
  /** `setinvoicemetadata`: the new metadata (stored JSON text). */
  readonly metadata?: string;
}

export interface InvoiceWaitResult {
  readonly index: InvoiceIndexName;
  readonly value: number;
  /** Absent when the index had already reached `nextvalue` when asked. */
  readonly details?: InvoiceWaitDetails;
}
