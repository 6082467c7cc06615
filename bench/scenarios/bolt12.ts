/**
 * `npm run bench -- bolt12`: throughput of the BOLT 12 codec — offer encode/decode, invoice_request
 * sign/verify, invoice build+sign and parse+verify (BIP-340 with the default secp256k1 backend).
 * Each figure runs for about a second; the whole scenario stays well under 30 s.
 */
import { secp256k1 } from '../../src/crypto/secp256k1.js';
import {
  buildInvoice,
  buildInvoiceRequest,
  buildOffer,
  buildPaymentPathToSelf,
  parseInvoice,
  parseInvoiceRequest,
  parseOffer,
  signInvoice,
  signInvoiceRequest,
} from '../../src/offers/index.js';
import type { BenchOptions, ScenarioResult } from '../run.js';
import { opsPerSecond } from './throughput.js';

export async function run(_opts: BenchOptions): Promise<ScenarioResult> {
  const issuer = new Uint8Array(32).fill(0x41);
  const payer = new Uint8Array(32).fill(0x42);
  const issuerId = secp256k1.getPublicKey(issuer);
  const payerId = secp256k1.getPublicKey(payer);
  const aux = new Uint8Array(32);
  const signIssuer = (d: Uint8Array) => secp256k1.signSchnorr(d, issuer, aux);
  const signPayer = (d: Uint8Array) => secp256k1.signSchnorr(d, payer, aux);

  const offer = buildOffer({ offer_description: 'bench widget', offer_amount: 100_000n, offer_issuer_id: issuerId });
  const invreq = signInvoiceRequest(
    buildInvoiceRequest({ invreq_metadata: new Uint8Array(16).fill(7), invreq_payer_id: payerId }, { offer }),
    signPayer,
  );
  const { path, payinfo } = buildPaymentPathToSelf({ nodeId: issuerId, ecdh: () => new Uint8Array(32) }, (n) => new Uint8Array(n).fill(3), {
    path_id: new Uint8Array(32).fill(9),
    min_final_cltv_expiry_delta: 18,
    htlc_minimum_msat: 1n,
    htlc_maximum_msat: 100_000n,
  });
  const invoiceFields = (i: number) => ({
    invoice_paths: [path],
    invoice_blindedpay: [payinfo],
    invoice_created_at: 1_700_000_000n + BigInt(i),
    invoice_payment_hash: new Uint8Array(32).fill(i & 0xff),
    invoice_amount: 100_000n,
    invoice_node_id: issuerId,
  });
  const invoice = signInvoice(buildInvoice(invreq, invoiceFields(0)), signIssuer);

  return {
    backend: secp256k1.name,
    offer_encode_per_s: opsPerSecond((i) => buildOffer({ offer_description: 'bench widget', offer_amount: 100_000n + BigInt(i), offer_issuer_id: issuerId })),
    offer_decode_per_s: opsPerSecond(() => parseOffer(offer.string)),
    invreq_sign_per_s: opsPerSecond((i) =>
      signInvoiceRequest(buildInvoiceRequest({ invreq_metadata: Uint8Array.of(i & 0xff, i >> 8), invreq_payer_id: payerId }, { offer }), signPayer),
    ),
    invreq_verify_per_s: opsPerSecond(() => parseInvoiceRequest(invreq.string)),
    invoice_sign_per_s: opsPerSecond((i) => signInvoice(buildInvoice(invreq, invoiceFields(i)), signIssuer)),
    invoice_verify_per_s: opsPerSecond(() => parseInvoice(invoice.string)),
    invoice_string_chars: invoice.string.length,
  };
}
