/**
 * The hold invoice commands, as the holdinvoice plugin names them (its README and proto/hold.proto), so
 * its users' scripts work unchanged: `holdinvoice`, `holdinvoicesettle`, `holdinvoicecancel`,
 * `holdinvoicelookup`. Ours besides: `holdinvoice` may take `payment_hash` instead of a preimage (lnd's
 * model), and `holdinvoicesettle` then takes `payment_preimage`; `idempotency_key`, `metadata` and
 * `webhook` as on `invoice`. The rules are in src/invoice/hold/.
 */
import { defineCommand, opt, optSecret, req } from '../command.js';
import type { CommandContext } from '../command.js';
import { MEANING } from '../param-meanings.js';
import { CODE, RpcError } from '../errors.js';
import { createParamsOf, formatCreatedInvoice } from '../format-created.js';
import { bool, exposePrivateChannels, preimage, sha256, u32 } from '../params.js';
import { idempotencyKey, metadataObject } from '../params-merchant.js';
import { createExtras } from '../../invoice/create-extras.js';
import type { CreateHoldParams, HoldInvoiceEngine } from '../../invoice/hold/hold-engine.js';
import { invoiceHeadParams } from './invoice.js';
import { webhookUrl } from './webhooks.js';

function hold(ctx: CommandContext): HoldInvoiceEngine {
  if (!ctx.hold) throw new RpcError(CODE.INTERNAL_ERROR, 'hold invoices are not enabled');
  return ctx.hold;
}

function holdParamsOf(p: Parameters<typeof createParamsOf>[0] & { readonly payment_hash?: Uint8Array | undefined }): CreateHoldParams {
  return { ...createParamsOf(p), ...(p.payment_hash ? { payment_hash: p.payment_hash } : {}) };
}

export const holdinvoice = defineCommand({
  name: 'holdinvoice',
  // The real run's refusals up to its insert, 901 and 900 included, from reads (nothing is signed or stored).
  check: async (p, ctx) => hold(ctx).checkCreate(holdParamsOf(p), createExtras('holdinvoice', p)),
  description: 'Creates a BOLT11 invoice whose HTLCs are held until holdinvoicesettle or holdinvoicecancel.',
  result: 'As invoice: payment_hash, expires_at, bolt11, payment_secret, created_index, expiry_time; its HTLCs are held until settled or cancelled.',
  params: {
    // amount_msat label description [expiry] [fallbacks] [preimage], as on invoice
    ...invoiceHeadParams({
      amount_msat: 'Amount to be paid, in millisatoshi, or "any".',
      description: 'Text shown to the payer.',
    }),
    cltv: req(u32, 'min_final_cltv_expiry of the invoice, in blocks (required, as the holdinvoice plugin requires it).'),
    deschashonly: opt(bool, 'Put only the SHA256 of the description in the invoice.', false),
    exposeprivatechannels: opt(exposePrivateChannels, 'Which private channels may appear as route hints, as for invoice.'),
    payment_hash: opt(sha256, 'Make the invoice for this hash; the daemon learns the preimage only at holdinvoicesettle.'),
    idempotency_key: opt(idempotencyKey, MEANING.idempotency_key),
    metadata: opt(metadataObject, MEANING.metadata),
    webhook: opt(webhookUrl, MEANING.webhook),
  },
  run: async (p, ctx) => {
    const created = await hold(ctx).create(holdParamsOf(p), createExtras('holdinvoice', p));
    return formatCreatedInvoice(created);
  },
});

export const holdinvoicesettle = defineCommand({
  name: 'holdinvoicesettle',
  check: async (p, ctx) => hold(ctx).checkSettle(p.payment_hash, p.payment_preimage),
  description: 'Settles an ACCEPTED hold invoice: its held HTLCs are fulfilled. Returns {state}.',
  result: 'state: SETTLED once the held HTLCs are being fulfilled.',
  params: {
    payment_hash: opt(sha256, MEANING.payment_hash),
    payment_preimage: optSecret(preimage, 'The preimage, when the invoice was made from its payment_hash alone.'),
  },
  run: async (p, ctx) => ({ state: await hold(ctx).settle(p.payment_hash, p.payment_preimage) }),
});

export const holdinvoicecancel = defineCommand({
  name: 'holdinvoicecancel',
  check: async (p, ctx) => hold(ctx).checkCancel(p.payment_hash),
  description: 'Cancels an OPEN or ACCEPTED hold invoice: its held HTLCs fail. Returns {state}.',
  result: 'state: CANCELED once the held HTLCs are being failed.',
  params: { payment_hash: req(sha256, MEANING.payment_hash) },
  run: async (p, ctx) => ({ state: await hold(ctx).cancel(p.payment_hash) }),
});

export const holdinvoicelookup = defineCommand({
  name: 'holdinvoicelookup',
  // The lookup's refusal; the check does not wait for held answers to go out.
  check: async (p, ctx) => hold(ctx).checkLookup(p.payment_hash),
  description: "A hold invoice's state (and htlc_expiry when ACCEPTED); waits until settled or cancelled HTLCs were answered.",
  result: 'state (OPEN, ACCEPTED, SETTLED, CANCELED) and, when ACCEPTED, htlc_expiry; waits for settlement or return of the HTLCs.',
  params: { payment_hash: req(sha256, MEANING.payment_hash) },
  run: async (p, ctx) => {
    const r = await hold(ctx).lookup(p.payment_hash, ctx.signal);
    return r.htlc_expiry !== undefined ? { state: r.state, htlc_expiry: r.htlc_expiry } : { state: r.state };
  },
});
