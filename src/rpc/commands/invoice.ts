/**
 * `invoice` (reference §4.1): bind → engine.create → CLN's result fields. The engine enforces every rule
 * (label and description lengths, fallbacks, 901 before 900); the binder only checks types.
 *
 * Result order: payment_hash, expires_at, bolt11, payment_secret, created_index, then `expiry_time`
 * (= expires_at: the name lightning-invoice(7), the seed page, documents), then the `warning_*` fields.
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
import { toHex } from '../../util/hex.js';

export const invoice = defineCommand({
  name: 'invoice',
  description: 'Creates and signs a BOLT11 invoice.',
  params: {
    amount_msat: req(msatOrAny),
    label: req(label),
    description: req(escapedString),
    expiry: opt(u64),
    fallbacks: opt(stringArray),
    preimage: optSecret(preimage),
    exposeprivatechannels: opt(exposePrivateChannels),
    cltv: opt(u32),
    deschashonly: opt(bool, false),
    'dev-routes': opt(anyJson),
  },
  run: async (p, ctx) => {
    if (p['dev-routes'] !== undefined) throw new RpcError(CODE.INVALID_PARAMS, 'dev-routes requires --developer');
    const created = await ctx.engine.create({
      amount_msat: p.amount_msat === 'any' ? undefined : p.amount_msat,
      label: p.label,
      description: p.description,
      expiry: p.expiry,
      fallbacks: p.fallbacks,
      preimage: p.preimage,
      exposeprivatechannels: p.exposeprivatechannels,
      cltv: p.cltv,
      deschashonly: p.deschashonly,
    });
    const inv = created.invoice;
    const out: Record<string, unknown> = {
      payment_hash: toHex(inv.payment_hash),
      expires_at: inv.expires_at,
      bolt11: inv.invstring,
      payment_secret: toHex(created.payment_secret),
      created_index: inv.created_index,
      expiry_time: inv.expires_at,
    };
    for (const [name, text] of created.warnings) out[name] = text;
    return out;
  },
});
