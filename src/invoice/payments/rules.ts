/**
 * The checks one incoming HTLC must pass before it joins a payment set, in Core Lightning's order
 * (reference §6.4; lightningd/peer_htlcs.c handle_localpay, then lightningd/invoice.c
 * invoice_check_payment), with the timer race closed: an invoice is payable only while `now < expires_at`.
 * Pure: the caller passes the invoice, the time and the height. Each failure comes with the words that
 * explain it, for the debug log (never the preimage or the expected secret).
 */
import { timingSafeEqual } from 'node:crypto';
import type { Invoice } from '../invoice.js';
import type { HtlcAccepted } from './htlc-payload.js';
import {
  finalIncorrectCltvExpiry,
  finalIncorrectHtlcAmount,
  incorrectOrUnknownPaymentDetails,
  invalidOnionPayload,
  TLV_PAYLOAD_PAYMENT_METADATA,
  type HtlcFailure,
} from './htlc-failure.js';
import { bolt12PathSecret, paymentSecretFromPreimage } from './secret.js';

/** A refusal: the message to send and the reason in words. */
export interface HtlcRefusal {
  readonly failure: HtlcFailure;
  readonly reason: string;
}

export interface HtlcCheckContext {
  /** The node's current block height. */
  readonly height: number;
  /** Unix seconds now. */
  readonly now: number;
  /** `--cltv-final`: blocks the HTLC must still have left at the current height. */
  readonly cltvFinal: number;
  /** makesecret("bolt12-invoice-base"), to check BOLT12 path_ids; without it BOLT12 payments fail. */
  readonly bolt12InvoiceBase?: Uint8Array;
}

/** The amount the whole payment carries: BOLT 4 "MUST treat `total_msat` as if it were equal to `amt_to_forward` if it is not present." */
export function totalMsatOf(p: HtlcAccepted): bigint {
  return p.onion.total_msat ?? p.onion.forward_msat;
}

/**
 * Checks that concern the HTLC and its onion alone (handle_localpay, steps 1–4).
 * @returns the refusal, or undefined when the HTLC may go on to the invoice checks.
 */
export function checkHtlcOnion(p: HtlcAccepted, ctx: HtlcCheckContext): HtlcRefusal | undefined {
  const { htlc, onion } = p;
  // BOLT 4: the final node "MUST return an error if: incoming `amount_msat` < `amt_to_forward`."
  if (htlc.amount_msat < onion.forward_msat) {
    return {
      failure: finalIncorrectHtlcAmount(htlc.amount_msat),
      reason: `final incorrect amount: ${htlc.amount_msat}msat in, ${onion.forward_msat}msat expected`,
    };
  }
  // BOLT 4: "... incoming `cltv_expiry` < `outgoing_cltv_value`."
  if (htlc.cltv_expiry < onion.outgoing_cltv_value) {
    return {
      failure: finalIncorrectCltvExpiry(htlc.cltv_expiry),
      reason: `final incorrect cltv: ${htlc.cltv_expiry} in, ${onion.outgoing_cltv_value} expected`,
    };
  }
  // BOLT 4: "... incoming `cltv_expiry` < `current_block_height` + `min_final_cltv_expiry_delta`."
  // As CLN, the node's --cltv-final is the delta, not the invoice's `c`.
  if (ctx.height + ctx.cltvFinal > htlc.cltv_expiry) {
    return {
      failure: incorrectOrUnknownPaymentDetails(htlc.amount_msat, ctx.height),
      reason: `expiry cltv too soon: ${htlc.cltv_expiry} < ${ctx.height} + ${ctx.cltvFinal}`,
    };
  }
  // Our invoices never carry payment_metadata, so a payer sending it has misread something.
  if (onion.payment_metadata !== undefined) {
    return {
      failure: invalidOnionPayload(TLV_PAYLOAD_PAYMENT_METADATA, 0),
      reason: `unexpected payment_metadata (${onion.payment_metadata.length} bytes)`,
    };
  }
  return undefined;
}

/**
 * Checks against the invoice (invoice_check_payment): payable now, the secret, the amount bounds.
 * Every refusal is `incorrect_or_unknown_payment_details` with this HTLC's amount and the height.
 */
export function checkHtlcInvoice(p: HtlcAccepted, invoice: Invoice, ctx: HtlcCheckContext): HtlcRefusal | undefined {
  const refuse = (reason: string): HtlcRefusal => ({
    failure: incorrectOrUnknownPaymentDetails(p.htlc.amount_msat, ctx.height),
    reason,
  });
  if (invoice.status === 'paid') return refuse('already paid invoice');
  if (invoice.status !== 'unpaid') return refuse(`${invoice.status} invoice`);
  if (ctx.now >= invoice.expires_at) return refuse(`expired invoice (expires_at ${invoice.expires_at}, now ${ctx.now})`);

  // BOLT 4: "if the `payment_secret` doesn't match the expected value for that `payment_hash`, or the
  // `payment_secret` is required and is not present: MUST fail the HTLC." Our BOLT11 invoices always
  // require it; a BOLT12 payment presents its blinded path's path_id instead. Core Lightning's hook
  // shows a 32-byte path_id as `payment_secret` (common/onion_decode.c stashes it there), so a bridge
  // forwarding the hook unchanged works; a bridge that can tell them apart sends `path_id`.
  const bolt12 = invoice.kind === 'bolt12';
  const presented = bolt12 ? (p.onion.path_id ?? p.onion.payment_secret) : p.onion.payment_secret;
  const what = bolt12 ? 'path_id' : 'payment_secret';
  if (presented === undefined) return refuse(`attempt to pay without ${what}`);
  let expected: Uint8Array | undefined;
  if (!bolt12) expected = paymentSecretFromPreimage(invoice.payment_preimage);
  else if (ctx.bolt12InvoiceBase) expected = bolt12PathSecret(ctx.bolt12InvoiceBase, invoice.payment_hash);
  if (expected === undefined) return refuse('no bolt12 invoice base secret to check the path_id');
  if (presented.length !== expected.length || !timingSafeEqual(presented, expected)) {
    return refuse(`attempt to pay with wrong ${what}`);
  }

  // BOLT 4: "if the amount paid is less than the amount expected: MUST fail the HTLC." "if the amount
  // paid is more than twice the amount expected: SHOULD fail the HTLC." The amount paid is total_msat.
  if (invoice.amount_msat !== undefined) {
    const total = totalMsatOf(p);
    if (total < invoice.amount_msat) return refuse(`amount ${total}msat < ${invoice.amount_msat}msat`);
    if (total > 2n * invoice.amount_msat) return refuse(`amount ${total}msat > ${2n * invoice.amount_msat}msat`);
  }
  return undefined;
}
