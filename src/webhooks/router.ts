/**
 * Routes appended events to webhook URLs, inside the events' own transaction (a FeedRouter): every
 * configured URL whose filter takes the event's type, plus, for an invoice's events, the invoice's own
 * `webhook` URL. A delivery row per (url, event) makes delivery survive restarts.
 */
import type { Clock } from '../util/clock.js';
import type { FeedRouter } from '../events/feed.js';
import { dropInvoiceWebhooks, invoiceWebhooks } from '../events/invoice-webhooks.js';
import { insertDeliveries } from './delivery-store.js';
import { wants, type WebhookTarget } from './webhook-target.js';

const createdIndexOf = (subject: object | undefined): number | undefined =>
  subject && typeof (subject as { created_index?: unknown }).created_index === 'number'
    ? (subject as { created_index: number }).created_index
    : undefined;

/**
 * `onRouted` hears the highest seq of each append that made deliveries, and their URLs (to wake those
 * URLs' workers once it commits).
 */
export function webhookRouter(
  targets: readonly WebhookTarget[],
  clock: Clock,
  onRouted?: (seq: number, urls: ReadonlySet<string>) => void,
): FeedRouter {
  return async (db, events) => {
    const invoiceIndexes = events.flatMap((e) => (e.kind === 'invoice' ? [createdIndexOf(e.subject)].filter((x) => x !== undefined) : []));
    const own = await invoiceWebhooks(db, invoiceIndexes);
    const rows: Array<{ url: string; seq: number }> = [];
    const deleted: number[] = [];
    for (const e of events) {
      const urls = new Set(targets.filter((t) => wants(t, e.type)).map((t) => t.url));
      const index = e.kind === 'invoice' ? createdIndexOf(e.subject) : undefined;
      const mine = index !== undefined ? own.get(index) : undefined;
      if (mine !== undefined) urls.add(mine);
      if (e.type === 'invoice_deleted' && mine !== undefined) deleted.push(index!);
      for (const url of urls) rows.push({ url, seq: e.seq });
    }
    await insertDeliveries(db, rows, clock.now());
    await dropInvoiceWebhooks(db, deleted);
    if (rows.length > 0) onRouted?.(rows[rows.length - 1]!.seq, new Set(rows.map((r) => r.url)));
  };
}
