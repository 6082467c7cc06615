/**
 * `setinvoicemetadata label [metadata]`: replaces an invoice's metadata (without one: removes it), with an
 * `updated` bump; returns the invoice. The rules are in src/invoice/metadata.ts.
 */
import { defineCommand, opt, req } from '../command.js';
import { MEANING } from '../param-meanings.js';
import { CODE, RpcError } from '../errors.js';
import { formatInvoice } from '../format-invoice.js';
import { label } from '../params.js';
import { metadataObject } from '../params-merchant.js';
import { setInvoiceMetadata } from '../../invoice/metadata.js';

export const setinvoicemetadata = defineCommand({
  name: 'setinvoicemetadata',
  check: 'params',
  description: "Replaces (or removes) an invoice's metadata object; returns the invoice.",
  result: 'The invoice with its new metadata (an updated index bump).',
  params: { label: req(label, MEANING.label), metadata: opt(metadataObject, 'The new metadata object; absent removes it.') },
  run: async (p, ctx) => {
    if (!ctx.engineHooks) throw new RpcError(CODE.INTERNAL_ERROR, 'metadata is not enabled');
    return formatInvoice(await setInvoiceMetadata(ctx.engineHooks, p.label, p.metadata));
  },
});
