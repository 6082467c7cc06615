/**
 * A configured webhook: `--webhook=URL` (every event) or `--webhook=TYPES@URL`, TYPES a comma-separated
 * list of event types or `prefix_*` groups (`invoice_paid,offer_*`). A URL always starts with `http://` or
 * `https://`, so the first `@` before its `:` can only be the filter's.
 */
import { EVENT_TYPE_NAMES, type EventType } from '../events/event-types.js';

export interface WebhookTarget {
  readonly url: string;
  /** The event types posted there; undefined = all. */
  readonly types?: ReadonlySet<EventType>;
}

/** Parses one `--webhook` value; throws an Error whose message says what is wrong. */
export function parseWebhookTarget(text: string): WebhookTarget {
  const m = /^([a-z_*,]+)@(.*)$/.exec(text);
  const url = m ? m[2]! : text;
  checkWebhookUrl(url);
  if (!m) return Object.freeze({ url });
  const types = new Set<EventType>();
  for (const item of m[1]!.split(',')) {
    const hits = item.endsWith('*') ? EVENT_TYPE_NAMES.filter((t) => t.startsWith(item.slice(0, -1))) : EVENT_TYPE_NAMES.filter((t) => t === item);
    if (item === '' || hits.length === 0) throw new Error(`unknown event type '${item}' (known: ${EVENT_TYPE_NAMES.join(', ')})`);
    for (const t of hits) types.add(t);
  }
  return Object.freeze({ url, types });
}

/** An absolute http(s) URL without credentials in it; throws otherwise. */
export function checkWebhookUrl(url: string): void {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new Error(`not a valid URL: '${url}'`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error(`should be an http:// or https:// URL, not '${url}'`);
}

/** Whether `target` takes events of `type`. */
export function wants(target: WebhookTarget, type: EventType): boolean {
  return target.types === undefined || target.types.has(type);
}
