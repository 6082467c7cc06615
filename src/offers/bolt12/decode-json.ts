/**
 * The BOLT 12 half of CLN's `decode` result (reference §4.10): a plain object with CLN's field names,
 * order and `warning_*` fields, `valid`, and `unknown_*_tlvs`. Amounts and other u64 values are
 * `bigint` (the RPC layer writes them as JSON numbers). Wire errors still throw Bolt12ParseError;
 * structurally sound objects that break a rule decode with `valid: false` and a warning per problem.
 */
import { bech32, bech32m } from 'bech32';
import { toHex } from '../../util/hex.js';
import { CHAIN_HASH, NETWORKS, SEGWIT_HRP } from '../../util/network.js';
import { decodeBolt12String } from './string.js';
import { formatShortChannelId, type BlindedPath, type BlindedPayInfo } from './blinded-path.js';
import { DEFAULT_INVOICE_RELATIVE_EXPIRY, type InvoiceFields } from './fields.js';
import { inspectInvoice } from './invoice.js';
import { inspectInvoiceRequest } from './invoice-request.js';
import { inspectOffer } from './offer.js';
import { fail } from './errors.js';
import type { Problem, ReadOptions } from './problems.js';
import type { TlvRecord } from './tlv-stream.js';
import { currencyMinorUnit } from './iso4217.js';

/** A `decode` result: JSON-ready except that numbers may be bigints. */
export type DecodeJson = { [key: string]: unknown };

function pathsJson(paths: readonly BlindedPath[], payinfo?: readonly BlindedPayInfo[]): DecodeJson[] {
  return paths.map((p, i) => {
    const o: DecodeJson = {};
    if ('node_id' in p.first_node_id) o.first_node_id = toHex(p.first_node_id.node_id);
    else {
      o.first_scid = formatShortChannelId(p.first_node_id.short_channel_id);
      o.first_scid_dir = p.first_node_id.direction;
    }
    o.first_path_key = toHex(p.first_path_key);
    const info = payinfo?.[i];
    if (info) {
      o.payinfo = {
        fee_base_msat: BigInt(info.fee_base_msat),
        fee_proportional_millionths: info.fee_proportional_millionths,
        cltv_expiry_delta: info.cltv_expiry_delta,
        htlc_minimum_msat: info.htlc_minimum_msat,
        htlc_maximum_msat: info.htlc_maximum_msat,
        features: toHex(info.features),
      };
    }
    o.path = p.path.map((h) => ({ blinded_node_id: toHex(h.blinded_node_id), encrypted_recipient_data: toHex(h.encrypted_recipient_data) }));
    return o;
  });
}

function addOfferFields(o: DecodeJson, f: InvoiceFields): void {
  if (f.offer_chains) o.offer_chains = f.offer_chains.map(toHex);
  if (f.offer_metadata) o.offer_metadata = toHex(f.offer_metadata);
  if (f.offer_currency !== undefined) {
    o.offer_currency = f.offer_currency;
    if (f.offer_amount !== undefined) o.offer_amount = f.offer_amount;
    const minor = currencyMinorUnit(f.offer_currency);
    if (minor !== undefined) o.currency_minor_unit = minor;
    else o.warning_unknown_offer_currency = 'unknown currency code';
  } else if (f.offer_amount !== undefined) o.offer_amount_msat = f.offer_amount;
  if (f.offer_description !== undefined) o.offer_description = f.offer_description;
  if (f.offer_issuer !== undefined) o.offer_issuer = f.offer_issuer;
  if (f.offer_features) o.offer_features = toHex(f.offer_features);
  if (f.offer_absolute_expiry !== undefined) o.offer_absolute_expiry = f.offer_absolute_expiry;
  if (f.offer_paths) o.offer_paths = pathsJson(f.offer_paths);
  if (f.offer_quantity_max !== undefined) o.offer_quantity_max = f.offer_quantity_max;
  if (f.offer_issuer_id) o.offer_issuer_id = toHex(f.offer_issuer_id);
}

function addInvreqFields(o: DecodeJson, f: InvoiceFields): void {
  if (f.invreq_metadata) o.invreq_metadata = toHex(f.invreq_metadata);
  if (f.invreq_payer_id) o.invreq_payer_id = toHex(f.invreq_payer_id);
  if (f.invreq_chain) o.invreq_chain = toHex(f.invreq_chain);
  if (f.invreq_amount !== undefined) o.invreq_amount_msat = f.invreq_amount;
  if (f.invreq_features) o.invreq_features = toHex(f.invreq_features);
  if (f.invreq_quantity !== undefined) o.invreq_quantity = f.invreq_quantity;
  if (f.invreq_payer_note !== undefined) o.invreq_payer_note = f.invreq_payer_note;
  if (f.invreq_paths) o.invreq_paths = pathsJson(f.invreq_paths);
  if (f.invreq_bip_353_name) {
    const dec = new TextDecoder();
    o.invreq_bip_353_name = { name: dec.decode(f.invreq_bip_353_name.name), domain: dec.decode(f.invreq_bip_353_name.domain) };
  }
}

/** Segwit address of a fallback on the chain of `chainHash` (bitcoin by default), if it is one. */
function fallbackAddress(version: number, program: Uint8Array, chainHash: Uint8Array | undefined): string | undefined {
  const hex = chainHash ? toHex(chainHash) : CHAIN_HASH.bitcoin;
  const network = NETWORKS.find((n) => CHAIN_HASH[n] === hex);
  if (!network || version > 16 || program.length < 2 || program.length > 40) return undefined;
  if (version === 0 && program.length !== 20 && program.length !== 32) return undefined;
  const words = [version, ...bech32.toWords(program)];
  return (version === 0 ? bech32 : bech32m).encode(SEGWIT_HRP[network], words, 1023);
}

function addInvoiceFields(o: DecodeJson, f: InvoiceFields): void {
  if (f.invoice_paths) o.invoice_paths = pathsJson(f.invoice_paths, f.invoice_blindedpay);
  if (f.invoice_created_at !== undefined) o.invoice_created_at = f.invoice_created_at;
  o.invoice_relative_expiry = f.invoice_relative_expiry ?? DEFAULT_INVOICE_RELATIVE_EXPIRY;
  if (f.invoice_payment_hash) o.invoice_payment_hash = toHex(f.invoice_payment_hash);
  if (f.invoice_amount !== undefined) o.invoice_amount_msat = f.invoice_amount;
  if (f.invoice_fallbacks) {
    o.invoice_fallbacks = f.invoice_fallbacks.map((fb) => {
      const address = fallbackAddress(fb.version, fb.address, f.invreq_chain);
      return { version: fb.version, hex: toHex(fb.address), ...(address ? { address } : {}) };
    });
  }
  if (f.invoice_features) o.invoice_features = toHex(f.invoice_features);
  if (f.invoice_node_id) o.invoice_node_id = toHex(f.invoice_node_id);
}

/** The signature, unless it failed to verify (the warning then says so instead). */
function addSignature(o: DecodeJson, signature: Uint8Array | undefined, problems: readonly Problem[]): void {
  if (signature && !problems.some((p) => p.kind === 'InvalidSignature')) o.signature = toHex(signature);
}

function finish(o: DecodeJson, problems: readonly Problem[], unknownName: string, unknown: readonly TlvRecord[]): DecodeJson {
  for (const p of problems) if (!(p.warning in o)) o[p.warning] = p.message;
  if (unknown.length > 0) {
    o[unknownName] = unknown.map((r) => ({ type: r.type, length: BigInt(r.value.length), value: toHex(r.value) }));
  }
  o.valid = problems.length === 0;
  return o;
}

/** `decode` of an offer's TLV bytes or `lno` string. */
export function offerDecodeJson(input: string | Uint8Array, opts: ReadOptions = {}): DecodeJson {
  const { offer, problems } = inspectOffer(input, opts);
  const o: DecodeJson = { type: 'bolt12 offer', offer_id: toHex(offer.offer_id) };
  addOfferFields(o, offer.fields);
  return finish(o, problems, 'unknown_offer_tlvs', offer.unknown);
}

/** `decode` of an invoice_request's TLV bytes or `lnr` string. */
export function invoiceRequestDecodeJson(input: string | Uint8Array, opts: ReadOptions = {}): DecodeJson {
  const { invreq, problems } = inspectInvoiceRequest(input, opts);
  const o: DecodeJson = { type: 'bolt12 invoice_request' };
  if (invreq.offer_id) o.offer_id = toHex(invreq.offer_id);
  addOfferFields(o, invreq.fields);
  addInvreqFields(o, invreq.fields);
  addSignature(o, invreq.fields.signature, problems);
  return finish(o, problems, 'unknown_invoice_request_tlvs', invreq.unknown);
}

/** `decode` of an invoice's TLV bytes or `lni` string. */
export function invoiceDecodeJson(input: string | Uint8Array, opts: ReadOptions = {}): DecodeJson {
  const { invoice, problems } = inspectInvoice(input, opts);
  const o: DecodeJson = { type: 'bolt12 invoice' };
  if (invoice.offer_id) o.offer_id = toHex(invoice.offer_id);
  addOfferFields(o, invoice.fields);
  addInvreqFields(o, invoice.fields);
  addInvoiceFields(o, invoice.fields);
  addSignature(o, invoice.fields.signature, problems);
  return finish(o, problems, 'unknown_invoice_tlvs', invoice.unknown);
}

/** True when `s` (after an optional `lightning:` in any case) starts with a BOLT 12 prefix. */
export function looksLikeBolt12(s: string): boolean {
  return /^(lightning:)?ln[ori]1/i.test(s.trim());
}

/**
 * `decode` of any BOLT 12 string (`lno`, `lnr`, `lni`), with an optional `lightning:` prefix in any case.
 * Throws a Bolt12ParseError for strings that do not parse at all.
 *
 * @example decodeBolt12Json('lno1zcss9mk8y3wkklfvevcrszlmu23kfrxh49px20665dqwmn4p72pksese').type // 'bolt12 offer'
 */
export function decodeBolt12Json(input: string, opts: ReadOptions = {}): DecodeJson {
  const s = input.replace(/^lightning:/i, '');
  const { prefix, bytes } = decodeBolt12String(s);
  if (prefix === 'lno') return offerDecodeJson(bytes, opts);
  if (prefix === 'lnr') return invoiceRequestDecodeJson(bytes, opts);
  if (prefix === 'lni') return invoiceDecodeJson(bytes, opts);
  return fail('InvalidPrefix', `bolt12: unexpected prefix ${prefix}`);
}
