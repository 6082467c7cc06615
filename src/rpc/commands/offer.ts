/**
 * `offer amount [description] [issuer] [label] [quantity_max] [absolute_expiry] … [single_use]`
 * (reference §4.12): bind → offers.createOffer → CLN's result. The engine enforces the rules (description
 * with an amount, ISO 4217 minor units, quantity_max, identical offers).
 *
 * Recurrence is not in the merged BOLT 12 specification (bolt-notes §2.10), so the `recurrence*`
 * parameters, `proportional_amount` and `optional_recurrence` keep CLN's positions but are refused.
 */
import type { CreateOfferParams, OfferAmount } from '../../offers/offer-engine.js';
import { defineCommand, opt, req } from '../command.js';
import { MEANING } from '../param-meanings.js';
import type { JsonNode } from '../json-reader.js';
import { CODE, ParamError, RpcError } from '../errors.js';
import { amountMsat, anyJson, bool, escapedString, fail, isFail, SUPPLY_REASON, u64, type Parser } from '../params.js';
import { fingerprint } from '../../invoice/idempotency.js';
import type { Metadata } from '../../invoice/metadata.js';
import { offerExtension } from '../../offers/offer-extras.js';
import { idempotencyKey, metadataObject } from '../params-merchant.js';
import { requireOffers } from './offer-context.js';
import { formatCreatedOffer } from './offer-format.js';

const AMOUNT_REASON = "should be 'any', msatoshis or <amount>[.<amount>]<ISO-4217>";
const CURRENCY_RE = /^([0-9]+)(?:\.([0-9]+))?([A-Za-z]{3})$/;

/** `offer`'s amount: "any", an msat amount (CLN's forms), or a currency amount such as "10.05USD". */
export const offerAmount: Parser<OfferAmount> = (node) => {
  if (node.kind === 'string' && node.value === 'any') return 'any';
  const m = amountMsat(node);
  if (!isFail(m)) return m > 0n ? m : fail('must be greater than zero');
  if (m.reason === SUPPLY_REASON) return m;
  const c = node.kind === 'string' ? CURRENCY_RE.exec(node.value) : null;
  if (!c) return fail(AMOUNT_REASON);
  return { currency: c[3]!, whole: c[1]!, ...(c[2] !== undefined ? { fraction: c[2] } : {}) };
};

const RECURRENCE_PARAMS = [
  'recurrence',
  'recurrence_base',
  'recurrence_paywindow',
  'recurrence_limit',
  'proportional_amount',
  'optional_recurrence',
] as const;

/** Refusals of `offer` that need no state: recurrence, fronting nodes. */
function checkOffer(p: { readonly [K in (typeof RECURRENCE_PARAMS)[number] | 'fronting_nodes']: JsonNode | undefined }): void {
  for (const name of RECURRENCE_PARAMS) {
    if (p[name] !== undefined) {
      throw new RpcError(
        CODE.INVALID_PARAMS,
        `${name}: recurrence is not in the merged BOLT 12 specification, so this daemon does not create recurring offers`,
      );
    }
  }
  // No peers, so no blinded paths through fronting nodes: only "none" ([]) is accepted.
  const fronting = p.fronting_nodes;
  if (fronting !== undefined && !(fronting.kind === 'array' && fronting.items.length === 0)) {
    throw new ParamError('fronting_nodes', 'this daemon is not a node on the network: its offers carry no blinded paths');
  }
}

/** The optional create steps (idempotency_key, metadata); the fingerprint covers every other parameter. */
function offerExtras(p: Readonly<Record<string, unknown>> & { readonly idempotency_key?: string; readonly metadata?: Metadata }) {
  // fronting_nodes is a raw JSON node (only `[]` is accepted): not part of the fingerprint.
  const { idempotency_key, metadata, fronting_nodes: _fronting, ...rest } = p;
  return offerExtension({
    ...(idempotency_key !== undefined
      ? { idempotency_key, fingerprint: fingerprint('offer', { ...rest, metadata: metadata?.text }) }
      : {}),
    ...(metadata ? { metadata } : {}),
  });
}

/**
 * The offer engine's parameters from the bound ones: only the engine's members, and only those given (the
 * bound object also carries the refused recurrence parameters and the merchant extras). `single_use` is
 * always there (the binder's default).
 */
function offerParamsOf(p: CreateOfferParams & { readonly single_use: boolean }): CreateOfferParams {
  return {
    amount: p.amount,
    ...(p.description !== undefined ? { description: p.description } : {}),
    ...(p.issuer !== undefined ? { issuer: p.issuer } : {}),
    ...(p.label !== undefined ? { label: p.label } : {}),
    ...(p.quantity_max !== undefined ? { quantity_max: p.quantity_max } : {}),
    ...(p.absolute_expiry !== undefined ? { absolute_expiry: p.absolute_expiry } : {}),
    single_use: p.single_use,
  };
}

export const offer = defineCommand({
  name: 'offer',
  description: 'Creates a BOLT12 offer (lno) payable to this node; an identical active offer is returned with created:false.',
  result: 'offer_id, active, single_use, bolt12, used, created (false when an identical active offer was returned) and label if any.',
  params: {
    amount: req(offerAmount, 'msat amount, "any", or an amount in a currency such as 5.00USD.'),
    description: opt(escapedString, 'Text shown to the payer.'),
    issuer: opt(escapedString, 'Who is being paid, shown to the payer.'),
    label: opt(escapedString, 'A name for the offer, kept locally.'),
    quantity_max: opt(u64, 'Largest quantity the payer may ask for (0: any).'),
    absolute_expiry: opt(u64, 'Unix time after which the offer is no longer paid.'),
    recurrence: opt(anyJson, 'Refused: recurrence is not in the merged BOLT12 specification.'),
    recurrence_base: opt(anyJson, 'Refused (recurrence).'),
    recurrence_paywindow: opt(anyJson, 'Refused (recurrence).'),
    recurrence_limit: opt(anyJson, 'Refused (recurrence).'),
    single_use: opt(bool, 'The offer can be paid once.', false),
    proportional_amount: opt(anyJson, 'Refused (recurrence).'),
    optional_recurrence: opt(anyJson, 'Refused (recurrence).'),
    fronting_nodes: opt(anyJson, 'Refused: the daemon builds no blinded paths through other nodes.'),
    idempotency_key: opt(idempotencyKey, MEANING.idempotency_key),
    metadata: opt(metadataObject, MEANING.metadata),
  },
  // The handler's own refusals, then the offer engine's (amount, description, quantity_max, an idempotency
  // key used otherwise, an identical inactive offer), in the order the real run makes them; nothing is written.
  check: async (p, ctx) => {
    checkOffer(p);
    await requireOffers(ctx).checkOffer(offerParamsOf(p), offerExtras(p));
  },
  run: async (p, ctx) => {
    checkOffer(p);
    const created = await requireOffers(ctx).createOffer(offerParamsOf(p), offerExtras(p));
    return formatCreatedOffer(created.offer, created.created);
  },
});
