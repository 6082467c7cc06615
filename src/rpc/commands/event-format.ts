/**
 * The object each feed event carries, as its list command shows it (STYLE 10: the same formatters, not
 * new ones), serialised once when the event is appended. The daemon hands this to the feed.
 */
import type { EventKind } from '../../events/event-types.js';
import type { Invoice } from '../../invoice/invoice.js';
import type { Bolt12Entry } from '../../offers/offer-engine.js';
import type { OutboxEntry } from '../../offers/outbox.js';
import { formatInvoice } from '../format-invoice.js';
import { writeJson } from '../json-writer.js';
import { formatInvoiceRequest, formatOffer } from './offer-format.js';
import { formatOutboxEntry } from './outbox.js';

/** JSON text of `subject`, a record of `kind` (the feed records the right one per event type). */
export function formatEventObject(kind: EventKind, subject: object): string {
  switch (kind) {
    case 'invoice':
      return writeJson(formatInvoice(subject as Invoice));
    case 'offer':
      return writeJson(formatOffer(subject as Bolt12Entry));
    case 'invoicerequest':
      return writeJson(formatInvoiceRequest(subject as Bolt12Entry));
    case 'outbox':
      return writeJson(formatOutboxEntry(subject as OutboxEntry));
  }
}
