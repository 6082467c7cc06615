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
import { webhookUrl } from './webhooks.js';
import { createExtras } from '../../invoice/create-extras.js';
import { createParamsOf, formatCreatedInvoice } from '../format-created.js';
import { idempotencyKey, metadataObject } from '../params-merchant.js';

/**
 * The first six parameters of `invoice`, CLN's; `holdinvoice` takes the same ones in the same positions
 * (the holdinvoice plugin's order), so both bind them with this one table.
 */
export const INVOICE_HEAD_PARAMS = {
  amount_msat: req(msatOrAny),
  label: req(label),
  description: req(escapedString),
  expiry: opt(u64),
  fallbacks: opt(stringArray),
  preimage: optSecret(preimage),
};

const params = {
  ...INVOICE_HEAD_PARAMS,
  exposeprivatechannels: opt(exposePrivateChannels),
  cltv: opt(u32),
  deschashonly: opt(bool, false),
  'dev-routes': opt(anyJson),
  webhook: opt(webhookUrl),
  idempotency_key: opt(idempotencyKey),
  metadata: opt(metadataObject),
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
