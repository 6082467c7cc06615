/**
 * `createinvoice` for a BOLT 12 invoice built elsewhere (reference §4.9, CLN lightningd/invoice.c
 * json_createinvoice): an unsigned `lni` is given a payment path to us if it has none, signed with the
 * node key, checked against the preimage, and stored; when it answers one of our offers, that offer must
 * be active (907) and the invoice records it as `local_offer_id`.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import type { NodeKeys } from '../crypto/node-keys.js';
import type { InvoiceDatabase } from '../invoice/store/db.js';
import type { InvoiceEngineImpl, StoreInvoiceParams } from '../invoice/engine.js';
import { InvoiceError } from '../invoice/errors.js';
import type { Invoice } from '../invoice/invoice.js';
import { equalBytes } from '../util/bytes.js';
import { nowSeconds, type Clock, type RandomSource } from '../util/clock.js';
import { MAX_SUPPLY_MSAT, msat, supplyExceeded } from '../util/msat.js';
import { decodeBolt12As } from './bolt12/string.js';
import { DEFAULT_INVOICE_RELATIVE_EXPIRY, INVOICE_TABLE } from './bolt12/fields.js';
import { inspectInvoice, signInvoice } from './bolt12/invoice.js';
import { merkleRoot, signatureHash } from './bolt12/merkle.js';
import * as offerStore from './offer-store.js';
import { buildPaymentPathToSelf, derivePathId } from './blinding/route-blinding.js';
import { encodeFields } from './bolt12/tlv-stream.js';

const MAX_HTLC_MSAT = MAX_SUPPLY_MSAT;

export interface CreateBolt12Deps {
  readonly db: InvoiceDatabase;
  readonly invoices: Pick<InvoiceEngineImpl, 'storeInvoice'>;
  readonly nodeKeys: NodeKeys;
  readonly clock: Clock;
  readonly random: RandomSource;
  readonly cltvFinal: number;
}

const invalid = (message: string) => new InvoiceError('InvalidParams', message);

/** `createinvoice`'s parameters. */
export interface CreateBolt12Params {
  readonly invstring: string;
  readonly label: string;
  readonly preimage: Uint8Array;
}

/** Stores and signs an unsigned BOLT 12 invoice string under `label` (CLN's texts for every refusal). */
export async function createBolt12Invoice(deps: CreateBolt12Deps, p: CreateBolt12Params): Promise<Invoice> {
  return deps.invoices.storeInvoice(await prepareBolt12Invoice(deps, p));
}

/**
 * Everything `createBolt12Invoice` does before the write: every check (CLN's texts), the path to us, the
 * signature. `check createinvoice` runs this alone, so it answers the real run's error and writes nothing.
 */
export async function prepareBolt12Invoice(deps: CreateBolt12Deps, p: CreateBolt12Params): Promise<StoreInvoiceParams> {
  const { nodeKeys } = deps;
  let view;
  try {
    view = inspectInvoice(decodeBolt12As(p.invstring, 'lni')).invoice;
  } catch (err) {
    throw invalid(`Unparsable invoice '${p.invstring}': ${err instanceof Error ? err.message : String(err)}`);
  }
  const f = view.fields;
  if (f.signature !== undefined) throw invalid('invoice already signed');
  if (f.invoice_amount === undefined) throw invalid('Missing invoice_amount in invoice');
  // Issue 12: no amount above all bitcoin is stored (CLN takes up to 2^64 - 1 msat).
  if (f.invoice_amount > MAX_SUPPLY_MSAT) throw invalid(supplyExceeded(f.invoice_amount));
  if (f.invoice_payment_hash === undefined) throw invalid('Missing payment_hash in invoice');
  if (!equalBytes(sha256(p.preimage), f.invoice_payment_hash)) throw invalid('Incorrect preimage');
  if (f.invoice_node_id !== undefined && !equalBytes(f.invoice_node_id, nodeKeys.nodeId)) {
    throw invalid('invoice_node_id is not our node id');
  }
  // An offer of ours must still be active (CLN: 907 "offer not active").
  let local_offer_id: Uint8Array | undefined;
  if (view.offer_id !== undefined) {
    const offer = await offerStore.findOffer(deps.db.db, view.offer_id);
    if (offer) {
      if ((offer.status & offerStore.STATUS.active) === 0) throw new InvoiceError('OfferInactive', 'offer not active');
      local_offer_id = offer.id;
    }
  }
  // Reference §4.9: "if it has no `invoice_paths`, a stub one-hop blinded path to ourselves is added
  // (path_id = bolt12 path secret, payinfo fees 0, cltv delta = cltv-final, htlc_min 0, htlc_max 21M BTC)".
  const add: Record<string, unknown> = {};
  if (f.invoice_paths === undefined || f.invoice_paths.length === 0) {
    const { path, payinfo } = buildPaymentPathToSelf({ nodeId: nodeKeys.nodeId, ecdh: nodeKeys.ecdh }, deps.random, {
      path_id: derivePathId(nodeKeys.deriveSecret('bolt12-invoice-base'), f.invoice_payment_hash),
      min_final_cltv_expiry_delta: deps.cltvFinal,
      htlc_minimum_msat: 0n,
      htlc_maximum_msat: MAX_HTLC_MSAT,
    });
    add.invoice_paths = [path];
    add.invoice_blindedpay = [payinfo];
  }
  if (f.invoice_node_id === undefined) add.invoice_node_id = nodeKeys.nodeId;
  const replaced = new Set(Object.keys(add).map((name) => INVOICE_TABLE.fields.find((x) => x.name === name)!.type));
  const records = encodeFields(INVOICE_TABLE, add, view.records.filter((r) => !replaced.has(r.type)));
  const root = merkleRoot(records);
  let signed;
  try {
    signed = signInvoice({ records, merkle_root: root, sighash: signatureHash('invoice', 'signature', root) }, nodeKeys.signSchnorr);
  } catch (err) {
    // Signed, it must pass every reader rule (e.g. invoice_created_at present): say which it breaks.
    throw invalid(`Unparsable invoice '${p.invstring}': ${err instanceof Error ? err.message : String(err)}`);
  }
  const now = nowSeconds(deps.clock);
  return {
    label: p.label,
    kind: 'bolt12',
    invstring: signed.string,
    preimage: p.preimage,
    amount_msat: msat(f.invoice_amount),
    ...(f.offer_description !== undefined ? { description: f.offer_description } : {}),
    // As CLN: from now, not from invoice_created_at (reference §12).
    expires_at: now + (f.invoice_relative_expiry ?? DEFAULT_INVOICE_RELATIVE_EXPIRY),
    ...(local_offer_id ? { local_offer_id } : {}),
    ...(f.invreq_payer_note !== undefined ? { invreq_payer_note: f.invreq_payer_note } : {}),
  };
}
