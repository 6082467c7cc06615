/**
 * The outbox commands a node bridge uses to deliver what the daemon cannot send itself (docs/bridge.md
 * §6): `listoutbox [status] [start] [limit]`, `outbox-sent created_index`, `outbox-failed created_index
 * [error]`. New entries are awaited with `wait outbox created N`.
 */
import { blindedPathsCodec, formatShortChannelId, type BlindedPath } from '../../offers/bolt12/blinded-path.js';
import type { Merchant } from '../../offers/merchant.js';
import type { OutboxEntry } from '../../offers/outbox.js';
import { toHex } from '../../util/hex.js';
import { defineCommand, opt, req } from '../command.js';
import type { CommandContext } from '../command.js';
import { MEANING } from '../param-meanings.js';
import { CODE, RpcError } from '../errors.js';
import { oneOf, string, u32, u64 } from '../params.js';

/** The merchant flow, or -1 when this server was built without it. */
export function requireMerchant(ctx: CommandContext): Merchant {
  if (!ctx.merchant) throw new RpcError(CODE.LIGHTNINGD, 'offers are not enabled in this daemon');
  return ctx.merchant;
}

/** A blinded path as JSON, with CLN's `decode` names, plus its wire bytes as `hex`. */
export function formatBlindedPath(p: BlindedPath, bytes: Uint8Array): Record<string, unknown> {
  const first =
    'node_id' in p.first_node_id
      ? { first_node_id: toHex(p.first_node_id.node_id) }
      : { first_scid: formatShortChannelId(p.first_node_id.short_channel_id), first_scid_dir: p.first_node_id.direction };
  return {
    ...first,
    first_path_key: toHex(p.first_path_key),
    hops: p.path.map((h) => ({ blinded_node_id: toHex(h.blinded_node_id), encrypted_recipient_data: toHex(h.encrypted_recipient_data) })),
    hex: toHex(bytes),
  };
}

function pathsOf(bytes: Uint8Array): Record<string, unknown>[] {
  const paths = blindedPathsCodec.read(bytes, 'outbox');
  // Each path's own bytes, for bridges that pass them on unparsed.
  let off = 0;
  return paths.map((p) => {
    const len = blindedPathsCodec.write([p]).length;
    const own = bytes.subarray(off, off + len);
    off += len;
    return formatBlindedPath(p, own);
  });
}

/** One outbox entry as JSON (docs/bridge.md §6.2). */
export function formatOutboxEntry(e: OutboxEntry): Record<string, unknown> {
  const [reply] = pathsOf(e.reply_path);
  return {
    created_index: e.created_index,
    status: e.status,
    kind: e.kind,
    label: e.label,
    payment_hash: toHex(e.payment_hash),
    destination:
      e.destination_node_id !== undefined ? { node_id: toHex(e.destination_node_id) } : { blinded_paths: pathsOf(e.destination_paths) },
    [e.kind]: toHex(e.message),
    reply_path: reply,
    created_at: e.created_at,
    ...(e.updated_at !== undefined ? { updated_at: e.updated_at } : {}),
    ...(e.error !== undefined ? { error: e.error } : {}),
  };
}

export const listoutbox = defineCommand({
  name: 'listoutbox',
  bulky: true,
  description: 'Bridges: onion messages the daemon wants sent, by created_index (optionally one status, from start, at most limit).',
  result: 'outbox: created_index, status, kind, label, payment_hash, destination, the message, reply_path and times, of each.',
  params: {
    status: opt(oneOf(['pending', 'sent', 'failed'], 'should be pending, sent or failed'), 'Only pending, sent or failed ones.'),
    start: opt(u64, MEANING.start),
    limit: opt(u32, MEANING.limit),
  },
  check: 'run',
  run: async (p, ctx) => ({
    outbox: (
      await requireMerchant(ctx).outbox.list({
        ...(p.status !== undefined ? { status: p.status } : {}),
        ...(p.start !== undefined ? { start: Number(p.start) } : {}),
        ...(p.limit !== undefined ? { limit: p.limit } : {}),
      })
    ).map(formatOutboxEntry),
  }),
});

export const outboxSent = defineCommand({
  name: 'outbox-sent',
  description: 'Bridges: the outbox message created_index was handed to the network.',
  result: 'The outbox message, now sent.',
  params: { created_index: req(u64, MEANING.created_index) },
  check: async (p, ctx) => requireMerchant(ctx).outbox.checkMark(Number(p.created_index), 'sent'),
  run: async (p, ctx) => formatOutboxEntry(await requireMerchant(ctx).outbox.markSent(Number(p.created_index))),
});

export const outboxFailed = defineCommand({
  name: 'outbox-failed',
  description: 'Bridges: the outbox message created_index could not be delivered (no route, peer unreachable).',
  result: 'The outbox message, now failed.',
  params: { created_index: req(u64, MEANING.created_index), error: opt(string, 'Why it could not be delivered.', 'unknown reason') },
  check: async (p, ctx) => requireMerchant(ctx).outbox.checkMark(Number(p.created_index), 'failed'),
  run: async (p, ctx) => formatOutboxEntry(await requireMerchant(ctx).outbox.markFailed(Number(p.created_index), p.error)),
});
