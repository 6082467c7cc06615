/** `getinfo` (reference §4.17): who we are, plus our own `invoices` counts. */
import { defineCommand } from '../command.js';
import { toHex } from '../../util/hex.js';

export const getinfo = defineCommand({
  name: 'getinfo',
  description: 'Node id, network, version, block height if known, invoice feature bits and invoice counts.',
  params: {},
  run: async (_p, ctx) => {
    const c = await ctx.engine.counts();
    return {
      id: toHex(ctx.nodeId),
      version: ctx.version,
      blockheight: ctx.blockheight(),
      network: ctx.network,
      our_features: { ...ctx.features },
      invoices: {
        unpaid: c.unpaid,
        paid: c.paid,
        expired: c.expired,
        created_index: c.created_index,
        updated_index: c.updated_index,
        deleted_index: c.deleted_index,
      },
    };
  },
});
