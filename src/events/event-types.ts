/**
 * The event feed's vocabulary: every event type and the kind of object it carries. A change point records
 * its event inside the change's own write operation with `tx.event(type, subject)` (see WriteTx in
 * src/invoice/write-queue.ts); the feed appends it in that same transaction, so a change and its event
 * commit together or not at all. The subject is the engine's record after the change (`Invoice`,
 * `Bolt12Entry`, `OutboxEntry`); the daemon's formatter turns it into the object `listinvoices`,
 * `listoffers`, `listinvoicerequests` or `listoutbox` shows.
 *
 * Hold invoices and invoice metadata (issue 15): their events are declared here already. Their change
 * points call, inside the write operation that makes the change, with the invoice as it is afterwards:
 *
 *   tx.event('hold_accepted', invoice);          // HTLCs held, waiting for settle / cancel
 *   tx.event('hold_settled', invoice);           // settled: the invoice is paid
 *   tx.event('hold_cancelled', invoice);         // cancelled: the HTLCs are failed
 *   tx.event('invoice_metadata_changed', invoice);
 *
 * Nothing else is needed: the feed, `listevents`, `wait events`, webhooks (including the invoice's own
 * `webhook` URL) and metrics pick them up.
 *
 * This module imports nothing, so every layer may use it.
 */

/** Event type → the member name (and formatter) of the object it carries. */
export const EVENT_TYPES = {
  invoice_created: 'invoice',
  invoice_paid: 'invoice',
  invoice_expired: 'invoice',
  invoice_deleted: 'invoice',
  invoice_description_removed: 'invoice',
  invoice_metadata_changed: 'invoice',
  hold_accepted: 'invoice',
  hold_settled: 'invoice',
  hold_cancelled: 'invoice',
  offer_created: 'offer',
  offer_disabled: 'offer',
  offer_enabled: 'offer',
  offer_used: 'offer',
  invoicerequest_created: 'invoicerequest',
  invoicerequest_disabled: 'invoicerequest',
  outbox_created: 'outbox',
  outbox_sent: 'outbox',
  outbox_failed: 'outbox',
} as const;

export type EventType = keyof typeof EVENT_TYPES;
export type EventKind = (typeof EVENT_TYPES)[EventType];

/** Every event type, in declaration order. */
export const EVENT_TYPE_NAMES: readonly EventType[] = Object.freeze(Object.keys(EVENT_TYPES) as EventType[]);

export function isEventType(s: string): s is EventType {
  return Object.prototype.hasOwnProperty.call(EVENT_TYPES, s);
}

/** An event recorded by a write operation, appended when its transaction commits. */
export interface PendingEvent {
  readonly type: EventType;
  /** The changed record (its kind is `EVENT_TYPES[type]`); formatted by the daemon's formatter. */
  readonly subject: object;
}
