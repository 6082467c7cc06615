/**
 * Webhook deliveries (docs/events.md): `listwebhookdeliveries [url] [status]` and `webhook-redeliver seq
 * [url]`, plus the URL parser of `invoice`'s `webhook` parameter.
 */
import type { Delivery } from '../../webhooks/delivery-store.js';
import type { WebhookDispatcher } from '../../webhooks/dispatcher.js';
import { checkWebhookUrl } from '../../webhooks/webhook-target.js';
import { defineCommand, opt, req } from '../command.js';
import type { CommandContext } from '../command.js';
import { CODE, RpcError } from '../errors.js';
import { fail, oneOf, u64, type Parser } from '../params.js';

/** An absolute http:// or https:// URL. */
export const webhookUrl: Parser<string> = Object.defineProperty(
  (node: Parameters<Parser<string>>[0]) => {
    if (node.kind !== 'string') return fail('should be an http:// or https:// URL');
    try {
      checkWebhookUrl(node.value);
    } catch {
      return fail('should be an http:// or https:// URL');
    }
    return node.value;
  },
  'name',
  { value: 'http(s) URL' },
);

function requireWebhooks(ctx: CommandContext): WebhookDispatcher {
  if (!ctx.webhooks) throw new RpcError(CODE.LIGHTNINGD, 'webhooks are not enabled in this daemon');
  return ctx.webhooks;
}

/** One delivery as JSON: url, seq, status, attempts, created_at, next_attempt_at, updated_at?, last_status?, last_error? (times in Unix seconds). */
export function formatDelivery(d: Delivery): Record<string, unknown> {
  const s = (ms: number) => Math.floor(ms / 1000);
  return {
    url: d.url,
    seq: d.seq,
    status: d.status,
    attempts: d.attempts,
    created_at: s(d.created_at),
    ...(d.status === 'pending' ? { next_attempt_at: s(d.next_attempt_at) } : {}),
    ...(d.updated_at !== undefined ? { updated_at: s(d.updated_at) } : {}),
    ...(d.last_status !== undefined ? { last_status: d.last_status } : {}),
    ...(d.last_error !== undefined ? { last_error: d.last_error } : {}),
  };
}

export const listwebhookdeliveries = defineCommand({
  name: 'listwebhookdeliveries',
  bulky: true,
  check: 'run',
  description: 'Lists webhook deliveries by seq (optionally of one url, in one status).',
  result: 'deliveries: url, seq, status, attempts, next attempt and last error, of each.',
  params: {
    url: opt(webhookUrl, 'Only deliveries to this URL.'),
    status: opt(oneOf(['pending', 'delivered', 'failed'], 'should be pending, delivered or failed'), 'Only pending, delivered or failed ones.'),
  },
  run: async (p, ctx) => ({
    deliveries: (
      await requireWebhooks(ctx).list({ ...(p.url !== undefined ? { url: p.url } : {}), ...(p.status !== undefined ? { status: p.status } : {}) })
    ).map(formatDelivery),
  }),
});

const nothingToRedeliver = (url: string | undefined) =>
  new RpcError(CODE.LIGHTNINGD, url !== undefined ? 'Unknown event' : 'No delivery of this event');

export const webhookRedeliver = defineCommand({
  name: 'webhook-redeliver',
  check: async (p, ctx) => {
    if (!(await requireWebhooks(ctx).wouldRedeliver(Number(p.seq), p.url))) throw nothingToRedeliver(p.url);
  },
  description: 'Delivers event seq again, to url or to every URL it was for (pending again, attempts from zero).',
  result: 'The deliveries queued again.',
  params: { seq: req(u64, 'The event to deliver again.'), url: opt(webhookUrl, 'Only to this URL (default: every URL that had it).') },
  run: async (p, ctx) => {
    const reset = await requireWebhooks(ctx).redeliver(Number(p.seq), p.url);
    if (reset.length === 0) throw nothingToRedeliver(p.url);
    return { deliveries: reset.map(formatDelivery) };
  },
});
