/**
 * The BOLT 12 invoices we write, answering an invoice_request for one of our offers or `sendinvoice`:
 * every non-signature field of the request copied, a fresh payment to ourselves, our own fields, and the
 * node's signature.
 *
 * BOLT 12: the writer "MUST include `invoice_paths` containing one or more paths to the node" and "MUST
 * include `invoice_blindedpay` with exactly one `blinded_payinfo` for each `blinded_path`". The path's
 * path_id is CLN's bolt12_path_id(invoice base, payment_hash): payments prove with it, and nothing extra
 * is stored (the payment processor derives the same value from the invoice's hash). The path is one hop
 * to ourselves, or, when the node needs one (only private channels), two hops from a public peer
 * (peer-paths.ts).
 */
import { sha256 } from '@noble/hashes/sha2.js';
import type { NodeKeys } from '../crypto/node-keys.js';
import type { RandomSource } from '../util/clock.js';
import { DEFAULT_INVOICE_RELATIVE_EXPIRY, type InvoiceOwnFields } from './bolt12/fields.js';
import { buildInvoice, signInvoice, type Bolt12Invoice } from './bolt12/invoice.js';
import type { InvoiceRequest } from './bolt12/invoice-request.js';
import { buildPaymentPathToSelf, derivePathId } from './blinding/route-blinding.js';
import { paymentPathVia, type IntroPeer } from './peer-paths.js';

/** invoice_features: `basic_mpp` optional (bit 17), as CLN writes it. BOLT 12: "if it allows multiple parts ... MUST set ... `MPP/optional`". */
export const BOLT12_INVOICE_FEATURES = Uint8Array.of(0x02, 0x00, 0x00);

/** htlc_maximum_msat of our path to ourselves: 21 million BTC (CLN's stub path). */
const MAX_HTLC_MSAT = 21_000_000n * 100_000_000n * 1000n;

/** What a writer needs from the node, bound once per service. */
export interface OurInvoiceWriterDeps {
  readonly nodeKeys: NodeKeys;
  readonly random: RandomSource;
  /** `--cltv-final`: the payinfo's cltv_expiry_delta. */
  readonly cltvFinal: number;
}

/** What differs from one invoice to the next. */
export interface OurInvoiceTerms {
  /** invoice_created_at, Unix seconds. */
  readonly now: number;
  /** Seconds the invoice can be paid for; `invoice_relative_expiry` is written unless it is the default 7200. */
  readonly relativeExpiry: number;
  readonly amount: bigint;
  readonly invoice_node_id: Uint8Array;
  /** The public peer the payment path starts at, and the node's block height now (for its constraints). */
  readonly via?: { readonly peer: IntroPeer; readonly blockheight: number };
}

export interface OurInvoice {
  readonly invoice: Bolt12Invoice;
  readonly preimage: Uint8Array;
  readonly payment_hash: Uint8Array;
}

/** Writes and signs our invoice answering an invoice_request. */
export type OurInvoiceWriter = (invreq: InvoiceRequest, terms: OurInvoiceTerms) => OurInvoice;

/** A writer for the node's invoices; the "bolt12-invoice-base" secret is derived once, here. */
export function ourInvoiceWriter(deps: OurInvoiceWriterDeps): OurInvoiceWriter {
  const { nodeKeys, random, cltvFinal } = deps;
  const invoiceBase = nodeKeys.deriveSecret('bolt12-invoice-base');
  return (invreq, t) => {
    const preimage = random(32);
    const payment_hash = sha256(preimage);
    const path_id = derivePathId(invoiceBase, payment_hash);
    const { path, payinfo } = t.via
      ? paymentPathVia(nodeKeys.nodeId, random, t.via.peer, {
          path_id,
          cltvFinal,
          // CLN: the block by which the invoice expires, at ten minutes a block.
          lastBlock: t.via.blockheight + Math.floor(t.relativeExpiry / 600),
        })
      : buildPaymentPathToSelf(nodeKeys, random, {
          path_id,
          min_final_cltv_expiry_delta: cltvFinal,
          htlc_minimum_msat: 0n,
          htlc_maximum_msat: MAX_HTLC_MSAT,
        });
    const own: InvoiceOwnFields = {
      invoice_paths: [path],
      invoice_blindedpay: [payinfo],
      invoice_created_at: BigInt(t.now),
      ...(t.relativeExpiry !== DEFAULT_INVOICE_RELATIVE_EXPIRY ? { invoice_relative_expiry: t.relativeExpiry } : {}),
      invoice_payment_hash: payment_hash,
      invoice_amount: t.amount,
      invoice_features: BOLT12_INVOICE_FEATURES,
      invoice_node_id: t.invoice_node_id,
    };
    return { invoice: signInvoice(buildInvoice(invreq, own), nodeKeys.signSchnorr), preimage, payment_hash };
  };
}
