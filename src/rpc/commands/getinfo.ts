/**
 * `getinfo` (reference §4.17): every field CLN's getinfo schema has, always, in CLN's order, then our own
 * `invoices` counts. Values only the node knows (alias, color, peers and channel counts, addresses,
 * fees, its lightning-dir, its init/node/channel features) come from the bridge's `setnodefacts`; until
 * it has reported them, neutral values (docs/rpc.md). Nothing here reads the database: the counts and the
 * block height are kept in memory.
 */
import { defineCommand } from '../command.js';
import type { CommandContext } from '../command.js';
import { countChannels } from '../../invoice/node-facts.js';
import { toHex } from '../../util/hex.js';

/** CLN's default color (lightningd/options.c): the first three bytes of the node id. */
function defaultColor(nodeId: Uint8Array): string {
  return toHex(nodeId.subarray(0, 3));
}

/** Peers and channel counts: the channel list when reported (it is refreshed more often), else getinfo's. */
function peerCounts(ctx: CommandContext): Record<string, number> {
  const info = ctx.nodeFacts?.info();
  const channels = ctx.nodeFacts?.channels();
  const counted = channels && countChannels(channels);
  const peersWithChannels = channels ? new Set(channels.map((c) => toHex(c.peer_id))).size : 0;
  return {
    num_peers: Math.max(info?.num_peers ?? 0, peersWithChannels),
    num_pending_channels: counted?.pending ?? info?.num_pending_channels ?? 0,
    num_active_channels: counted?.active ?? info?.num_active_channels ?? 0,
    num_inactive_channels: counted?.inactive ?? info?.num_inactive_channels ?? 0,
  };
}

export const getinfo = defineCommand({
  name: 'getinfo',
  description: "Node id, alias, color, peers and channels (as the node reports them), block height, features, invoice counts.",
  result: "Every field of CLN's getinfo (id, alias, color, peer and channel counts, address, binding, version, blockheight, network, fees_collected_msat, lightning-dir, our_features), the node's values once the bridge reported them, then invoices: counts by status and the current created, updated and deleted indexes.",
  params: {},
  check: 'run',
  run: async (_p, ctx) => {
    // From memory: getinfo answers while the database is frozen or gone (issue 18 item 8).
    const c = ctx.engine.liveCounts();
    const info = ctx.nodeFacts?.info();
    const nodeFeatures = info?.our_features ?? {};
    return {
      id: toHex(ctx.nodeId),
      alias: info?.alias ?? '',
      color: info?.color ?? defaultColor(ctx.nodeId),
      ...peerCounts(ctx),
      address: info?.address ?? [],
      binding: info?.binding ?? [],
      version: ctx.version,
      blockheight: ctx.height?.current() ?? ctx.blockheight() ?? 0,
      network: ctx.network,
      fees_collected_msat: info?.fees_collected_msat ?? 0n,
      'lightning-dir': info?.['lightning-dir'] ?? ctx.lightningDir ?? '',
      our_features: {
        init: nodeFeatures.init ?? '',
        node: nodeFeatures.node ?? '',
        channel: nodeFeatures.channel ?? '',
        ...ctx.features,
      },
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
