/**
 * What the node bridge tells the daemon about its node (docs/bridge.md §11):
 * - `setblockheight blockheight [force]`: the node's current block height (at start, and on every new
 *   block), used for expiry checks and getinfo. Lower than the current height only with `force`.
 * - `setnodefacts [getinfo] [channels] [incoming]`: lightningd's `getinfo` result, `listpeerchannels`'
 *   `channels` and `listincoming`'s `incoming`, each passed through as is; each one given replaces
 *   what was known.
 */
import { defineCommand, opt, req, type CommandContext } from '../command.js';
import { CODE, RpcError } from '../errors.js';
import { toPlain, type JsonNode } from '../json-reader.js';
import { anyJson, bool, fail, isFail, u32, type Parser } from '../params.js';
import { BlockHeightError, MAX_BLOCKHEIGHT, type BlockHeight } from '../../invoice/block-height.js';
import { parseIncoming, parseNodeChannels, parseNodeInfo } from '../../invoice/node-facts.js';

/** A block height: below the locktime threshold (BIP 65), so never a time. */
const blockheight: Parser<number> = (node) => {
  const v = u32(node);
  if (isFail(v)) return v;
  return v <= MAX_BLOCKHEIGHT ? v : fail(`should be a block height, at most ${MAX_BLOCKHEIGHT}`);
};

/** `step` on the daemon's block height, a refused height as -32602. */
async function heightStep<T>(ctx: CommandContext, step: (h: BlockHeight) => T | Promise<T>): Promise<T> {
  if (!ctx.height) throw new RpcError(CODE.INTERNAL_ERROR, 'block height is not enabled');
  try {
    return await step(ctx.height);
  } catch (e) {
    if (e instanceof BlockHeightError) throw new RpcError(CODE.INVALID_PARAMS, e.message);
    throw e;
  }
}

export const setblockheight = defineCommand({
  name: 'setblockheight',
  check: async (p, ctx) => {
    await heightStep(ctx, (h) => h.checkSet(p.blockheight, p.force));
  },
  description: "A node bridge reports the node's block height; a lower one than the current only with force.",
  result: 'blockheight: the height now known.',
  params: {
    blockheight: req(blockheight, "The node's current block height (below 500,000,000)."),
    force: opt(bool, 'Also take a height lower than the known one (an operator undoing a wrong height).', false),
  },
  run: async (p, ctx) => ({ blockheight: await heightStep(ctx, (h) => h.set(p.blockheight, p.force)) }),
});

/** The node facts and each one given, parsed: all of them before any is kept, so a refused call changes nothing. */
function factsOf(p: { readonly getinfo?: JsonNode | undefined; readonly channels?: JsonNode | undefined; readonly incoming?: JsonNode | undefined }, ctx: CommandContext) {
  const facts = ctx.nodeFacts;
  if (!facts) throw new RpcError(CODE.INTERNAL_ERROR, 'node facts are not enabled');
  const info = p.getinfo && parseNodeInfo(toPlain(p.getinfo, 'always'));
  const channels = p.channels && parseNodeChannels(toPlain(p.channels, 'always'));
  const incoming = p.incoming && parseIncoming(toPlain(p.incoming, 'always'));
  return { facts, info, channels, incoming };
}

export const setnodefacts = defineCommand({
  name: 'setnodefacts',
  // The parse of each one given; nothing is kept.
  check: async (p, ctx) => void factsOf(p, ctx),
  description: "A node bridge reports lightningd's getinfo, listpeerchannels channels and listincoming, as they are.",
  result: 'channels: how many channels the daemon now knows of.',
  params: {
    getinfo: opt(anyJson, "lightningd's getinfo result, as it is."),
    channels: opt(anyJson, "lightningd's listpeerchannels channels array, as it is."),
    incoming: opt(anyJson, "lightningd's listincoming incoming array, as it is."),
  },
  run: async (p, ctx) => {
    const { facts, info, channels, incoming } = factsOf(p, ctx);
    facts.update({ ...(info && { info }), ...(channels && { channels }), ...(incoming && { incoming }) });
    return { channels: facts.channels()?.length ?? 0 };
  },
});
