/**
 * `setinvoicemetadata label [metadata]`: replaces an invoice's metadata (without one: removes it), with an
 * `updated` bump; returns the invoice. The rules are in src/invoice/metadata.ts.
 */
import { defineCommand, opt, req, type CommandContext } from '../command.js';
import { MEANING } from '../param-meanings.js';
import { CODE, RpcError } from '../errors.js';
import { formatInvoice } from '../format-invoice.js';
import { label } from '../params.js';
import { metadataObject } from '../params-merchant.js';
import { checkSetInvoiceMetadata, setInvoiceMetadata } from '../../invoice/metadata.js';
import type { EngineHooks } from '../../invoice/engine-hooks.js';

function requireHooks(ctx: CommandContext): EngineHooks {
  if (!ctx.engineHooks) throw new RpcError(CODE.INTERNAL_ERROR, 'metadata is not enabled');
  return ctx.engineHooks;
}

export const setinvoicemetadata = defineCommand({
  name: 'setinvoicemetadata',
  check: async (p, ctx) => {
    requireHooks(ctx);
    checkSetInvoiceMetadata((await ctx.engine.list({ label: p.label }))[0]);
  },
  description: "Replaces (or removes) an invoice's metadata object; returns the invoice.",
  result: 'The invoice with its new metadata (an updated index bump).',
  params: { label: req(label, MEANING.label), metadata: opt(metadataObject, 'The new metadata object; absent removes it.') },
  run: async (p, ctx) => {
    return formatInvoice(await setInvoiceMetadata(requireHooks(ctx), p.label, p.metadata));
  },
});
