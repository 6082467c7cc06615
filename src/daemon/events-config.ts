/**
 * The event feed's, webhooks' and metrics' options (docs/events.md), checked when the daemon starts.
 */
import { parseWebhookTarget, type WebhookTarget } from '../webhooks/webhook-target.js';
import { ConfigError } from './options.js';

export interface EventsConfig {
  /** `--autoclean-events-age`, seconds (0 = off). */
  readonly autocleanAge: bigint;
  readonly webhooks: readonly WebhookTarget[];
  /** `--webhook-retry-for`, seconds. */
  readonly webhookRetryFor: bigint;
  /** `--dev-webhook-timeout`, ms per attempt. */
  readonly webhookTimeoutMs: number;
  /** `--webhook-nice`: the poster thread's nice value (0–19). */
  readonly webhookNice: number;
  /** `--metrics=host:port`. */
  readonly metrics?: { readonly host: string; readonly port: number };
}

/** Reads the options through `get` (the resolved value of one option by name). */
export function eventsConfig(get: (name: string) => unknown, developer: boolean): EventsConfig {
  const webhooks = ((get('webhook') as string[] | undefined) ?? []).map((text) => {
    try {
      return parseWebhookTarget(text);
    } catch (err) {
      throw new ConfigError(`--webhook: ${(err as Error).message}`);
    }
  });
  const timeout = get('dev-webhook-timeout') as number | undefined;
  if (timeout !== undefined && !developer) throw new ConfigError('--dev-webhook-timeout: requires --developer');
  const nice = (get('webhook-nice') as number | undefined) ?? 19;
  if (nice > 19) throw new ConfigError(`--webhook-nice: should be 0 to 19, not ${nice}`);
  const metricsText = get('metrics') as string | undefined;
  return {
    autocleanAge: (get('autoclean-events-age') as bigint | undefined) ?? 0n,
    webhooks,
    webhookRetryFor: (get('webhook-retry-for') as bigint | undefined) ?? 86_400n,
    webhookTimeoutMs: timeout ?? 10_000,
    webhookNice: nice,
    ...(metricsText !== undefined ? { metrics: parseHostPort(metricsText) } : {}),
  };
}

/** `127.0.0.1:9464`, `[::1]:9464`: an address and a port, both required (nothing is bound by default). */
export function parseHostPort(text: string): { host: string; port: number } {
  const m = /^(\[[0-9a-fA-F:.]+\]|[^:\s]+):([0-9]{1,5})$/.exec(text);
  const port = m ? Number(m[2]) : NaN;
  if (!m || port > 65535) throw new ConfigError(`--metrics: should be host:port such as 127.0.0.1:9464, not '${text}'`);
  return { host: m[1]!.replace(/^\[(.*)\]$/, '$1'), port };
}
