/**
 * Routes appended events to webhook URLs, inside a write transaction (a FeedRouter): every
 * configured URL whose filter takes the event's type, plus, for an invoice's events, the invoice's own
 * `webhook` URL. A delivery row per (url, event) makes delivery survive restarts. On SQLite it runs after the
 * events' commit, for many at a time (deferred-routing.ts); on PostgreSQL inside their transaction.
 */
import type { Clock } from '../util/clock.js';
import type { FeedEvent, FeedRouter } from '../events/feed.js';
import { dropInvoiceWebhooks, invoiceWebhooks } from '../events/invoice-webhooks.js';
import { insertDeliveries } from './delivery-store.js';
import { wants, type WebhookTarget } from './webhook-target.js';

/**
 * The invoice's created_index: from the record it was made from, or, for an event read back from its row
 * (routed after a restart), from the body, whose object is the invoice as `listinvoices` shows it.
 */
function createdIndexOf(e: FeedEvent): number | undefined {
  const subject = e.subject ?? (JSON.parse(e.body) as Record<string, unknown>)[e.kind];
  const index = (subject as { created_index?: unknown } | undefined)?.created_index;
  return typeof index === 'number' ? index : undefined;
}

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
    const indexes = events.map((e) => (e.kind === 'invoice' ? createdIndexOf(e) : undefined));
    const own = await invoiceWebhooks(db, indexes.filter((x) => x !== undefined));
    const rows: Array<{ url: string; seq: number }> = [];
    const deleted: number[] = [];
    for (const [i, e] of events.entries()) {
      const urls = new Set(targets.filter((t) => wants(t, e.type)).map((t) => t.url));
      const index = indexes[i];
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
