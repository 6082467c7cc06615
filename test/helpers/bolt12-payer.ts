/**
 * The BOLT 12 test payer: builds signed invoice_requests for an offer with its own payer key (as
 * fetchinvoice does), offers-to-pay (`lnr`) for sendinvoice, and the hook payloads a bridge hands in.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { nodeKeysFromSeed, deriveNodeSecret, type NodeKeys } from '../../src/crypto/node-keys.js';
import { buildInvoiceRequest, encodeRecord, parseOffer, signInvoiceRequest, type InvoiceRequest } from '../../src/offers/index.js';
import { concatBytes } from '../../src/util/bytes.js';
import type { InvoiceRequestFields } from '../../src/offers/bolt12/fields.js';
import { fromHex, toHex } from '../../src/util/hex.js';
import { CHAIN_HASH } from '../../src/util/network.js';

export const REGTEST_CHAIN = fromHex(CHAIN_HASH.regtest, 32);

/** The daemon's node secret for a test seed (for decrypting its blinded paths in tests). */
export function nodeSecretOf(seed: Uint8Array): Uint8Array {
  return deriveNodeSecret(seed);
}

/** A payer with a key of its own (seed `n`). */
export class Bolt12Payer {
  readonly keys: NodeKeys;
  private n = 0;
  constructor(readonly seedByte: number) {
    this.keys = nodeKeysFromSeed(new Uint8Array(32).fill(seedByte), { auxRand: () => new Uint8Array(32) });
  }

  get payerId(): Uint8Array {
    return this.keys.nodeId;
  }

  /** A signed invoice_request for `offer` (an `lno` string). `metadata` fixed per payer unless given. */
  request(
    offer: string,
    opts: { amount?: bigint; quantity?: bigint; note?: string; metadata?: Uint8Array; chain?: Uint8Array | null } = {},
  ): InvoiceRequest {
    const o = parseOffer(offer);
    const fields: InvoiceRequestFields = {
      invreq_metadata: opts.metadata ?? sha256(new TextEncoder().encode(`payer-${this.seedByte}-${this.n++}`)).subarray(0, 16),
      ...(opts.chain === null ? {} : { invreq_chain: opts.chain ?? REGTEST_CHAIN }),
      ...(opts.amount !== undefined ? { invreq_amount: opts.amount } : {}),
      ...(opts.quantity !== undefined ? { invreq_quantity: opts.quantity } : {}),
      invreq_payer_id: this.keys.nodeId,
      ...(opts.note !== undefined ? { invreq_payer_note: opts.note } : {}),
    };
    return signInvoiceRequest(buildInvoiceRequest(fields, { offer: o }), this.keys.signSchnorr);
  }

  /**
   * The bytes of a signed invoice_request built without the codec's reader checks, so tests can send
   * what a careless payer would (a quantity the offer forbids, an amount below the offer's). `offer` may
   * be undefined for an "offer to pay" whose fields are all in `fields`.
   */
  raw(offer: string | undefined, fields: InvoiceRequestFields): Uint8Array {
    const unsigned = buildInvoiceRequest(
      { invreq_metadata: sha256(new TextEncoder().encode(`raw-${this.seedByte}-${this.n++}`)).subarray(0, 16), invreq_chain: REGTEST_CHAIN, invreq_payer_id: this.keys.nodeId, ...fields },
      offer !== undefined ? { offer: parseOffer(offer) } : {},
    );
    const sig = encodeRecord(240n, this.keys.signSchnorr(unsigned.sighash));
    return concatBytes(...unsigned.records.map((r) => r.bytes), sig.bytes);
  }

  /** The same request with its signature's last byte flipped. */
  static badSignature(r: InvoiceRequest): Uint8Array {
    const b = r.bytes.slice();
    b[b.length - 1] = (b[b.length - 1] as number) ^ 1;
    return b;
  }
}

/** A reply path placeholder, as CLN's hook gives it (the daemon only checks one is there). */
export const REPLY_PATH = {
  first_node_id: '02' + '11'.repeat(32),
  first_path_key: '03' + '22'.repeat(32),
  hops: [{ blinded_node_id: '02' + '33'.repeat(32), encrypted_recipient_data: '00'.repeat(20) }],
};

/** `onion_message_recv`'s params for an invoice_request. */
export function invreqMessage(bytes: Uint8Array, extra: Record<string, unknown> = {}): { onion_message: Record<string, unknown> } {
  return { onion_message: { reply_blindedpath: REPLY_PATH, invoice_request: toHex(bytes), ...extra } };
}
