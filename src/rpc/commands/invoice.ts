/**
 * `invoice` (reference §4.1): bind → engine.create → CLN's result fields. The engine enforces every rule
 * (label and description lengths, fallbacks, 901 before 900); the binder only checks types.
 * Ours: `idempotency_key` and `metadata` (src/invoice/idempotency.ts, metadata.ts). Result: format-created.ts.
 */
import { defineCommand, opt, optSecret, req } from '../command.js';
import { CODE, RpcError } from '../errors.js';
import {
  anyJson,
  bool,
  escapedString,
  exposePrivateChannels,
  label,
  msatOrAny,
  preimage,
  stringArray,
  u32,
  u64,
} from '../params.js';
import type { Bound } from '../command.js';
import { MEANING } from '../param-meanings.js';
import { webhookUrl } from './webhooks.js';
import { createExtras } from '../../invoice/create-extras.js';
import { createParamsOf, formatCreatedInvoice } from '../format-created.js';
import { idempotencyKey, metadataObject } from '../params-merchant.js';

/**
 * The first six parameters of `invoice`, CLN's; `holdinvoice` takes the same ones in the same positions
 * (the holdinvoice plugin's order), so both bind them with this one table. Each command says in its own
 * words what its amount and description are; the other four mean the same in both.
 */
export function invoiceHeadParams(words: { readonly amount_msat: string; readonly description: string }) {
  return {
    amount_msat: req(msatOrAny, words.amount_msat),
    label: req(label, MEANING.label),
    description: req(escapedString, words.description),
    expiry: opt(u64, 'Seconds until the invoice expires (default --invoice-expiry).'),
    fallbacks: opt(stringArray, 'On-chain addresses the payer may use instead.'),
    preimage: optSecret(preimage, 'Use this preimage instead of a random one.'),
  };
}

const params = {
  ...invoiceHeadParams({
    amount_msat: 'Amount to be paid, in millisatoshi, or "any" to let the payer choose.',
    description: 'Text shown to the payer (committed to by hash only with deschashonly).',
  }),
  exposeprivatechannels: opt(
    exposePrivateChannels,
    "Which private channels may appear as route hints: true, false, or short channel ids (needs the node's channels from the bridge; without them the result carries warning_exposeprivatechannels).",
  ),
  cltv: opt(u32, 'min_final_cltv_expiry of the invoice, in blocks (default --cltv-final).'),
  deschashonly: opt(bool, 'Put only the SHA256 of the description in the invoice.', false),
  'dev-routes': opt(anyJson, 'Refused: CLN\'s developer-only route hints ("dev-routes requires --developer").'),
  webhook: opt(webhookUrl, MEANING.webhook),
  idempotency_key: opt(idempotencyKey, MEANING.idempotency_key),
  metadata: opt(metadataObject, MEANING.metadata),
};

/**
 * What CLN's `invoice` checks before it creates anything (lightningd/invoice.c, up to `command_check_only`):
 * `dev-routes`, the label's and the description's lengths; then everything else the engine checks of its
 * inputs before signing (expiry range, fallback addresses, preimage), so a check never passes where the
 * call would fail on them.
 */
function refuseDevRoutes(p: Bound<typeof params>): void {
  if (p['dev-routes'] !== undefined) throw new RpcError(CODE.INVALID_PARAMS, 'dev-routes requires --developer');
}

export const invoice = defineCommand({
  name: 'invoice',
  description: 'Creates and signs a BOLT11 invoice.',
  result: 'payment_hash, expires_at, bolt11, payment_secret, created_index and expiry_time (= expires_at) of the new unpaid invoice, then any warning_* fields.',
  params,
  check: async (p, ctx) => {
    refuseDevRoutes(p);
    ctx.engine.checkCreate(createParamsOf(p));
  },
  run: async (p, ctx) => {
    refuseDevRoutes(p); // the engine's create makes the rest of the checks
    const { 'dev-routes': _routes, ...fields } = p;
    const created = await ctx.engine.create(createParamsOf(p), createExtras('invoice', fields));
    return formatCreatedInvoice(created);
  },
});
