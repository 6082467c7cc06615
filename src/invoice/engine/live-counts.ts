/**
 * `getinfo`'s invoice counts, kept in memory (issue 18 item 8: a frozen database must not hang `getinfo`).
 * They are read once from the database when the engine starts, then moved by every committed event the
 * engine delivers: this daemon's own, after their COMMIT, and, with PostgreSQL, the other daemons' as
 * their NOTIFY arrives (docs/storage.md "Events, waits and several daemons"). A re-read replaces them
 * when the listening connection was lost and is back, since events sent meanwhile were missed.
 *
 * A read and the events racing it: an event that arrives while a read is in flight is held, and applied
 * after the read unless the read already saw it. It saw it exactly when the event's index value is at
 * most the counter the read returned: each counter is taken under the write lock and commits in value
 * order (docs/storage.md), and the read is one statement, so one snapshot.
 */
import type { InvoiceCounts } from '../api.js';
import type { InvoiceEvent } from '../events.js';
import type { InvoiceIndexName } from '../invoice.js';

/** What a read of the database gives: the invoices by status and the three index counters. */
export type CountsSnapshot = InvoiceCounts;

export interface LiveCounts {
  /** The counts now, from memory. */
  current(): InvoiceCounts;
  /** A committed event, this daemon's or another's. */
  apply(ev: InvoiceEvent): void;
  /**
   * Replaces the counts with `read()`'s (events arriving meanwhile are applied after it, unless it saw
   * them). Reloads run one after another. A failed read keeps the counts as they were, events included,
   * and rejects.
   */
  reload(read: () => Promise<CountsSnapshot>): Promise<void>;
}

const INDEX_FIELD = {
  created: 'created_index',
  updated: 'updated_index',
  deleted: 'deleted_index',
} as const satisfies Record<InvoiceIndexName, keyof InvoiceCounts>;

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

export function createLiveCounts(): LiveCounts {
  let counts: Mutable<InvoiceCounts> = { unpaid: 0, paid: 0, expired: 0, created_index: 0, updated_index: 0, deleted_index: 0 };
  /** Events held while a read is in flight. */
  let held: InvoiceEvent[] | undefined;
  let reloads: Promise<void> = Promise.resolve();

  const down = (n: number): number => Math.max(0, n - 1);

  function applyNow(ev: InvoiceEvent): void {
    const field = INDEX_FIELD[ev.index];
    if (field) counts[field] = Math.max(counts[field], ev.value);
    switch (ev.change) {
      case 'created':
        counts.unpaid++;
        break;
      // Both leave unpaid only (guarded `… WHERE status = 'unpaid'` updates).
      case 'paid':
        counts.unpaid = down(counts.unpaid);
        counts.paid++;
        break;
      case 'expired':
        counts.unpaid = down(counts.unpaid);
        counts.expired++;
        break;
      case 'deleted': {
        // The status it had when deleted (the event's details carry it, also from another daemon).
        const status = ev.details.status;
        if (status !== undefined) counts[status] = down(counts[status]);
        break;
      }
      default:
        // description_removed, hold_accepted, hold_canceled, metadata_set: the status stays.
        break;
    }
  }

  async function readOnce(read: () => Promise<CountsSnapshot>): Promise<void> {
    const during: InvoiceEvent[] = [];
    held = during;
    let snapshot: CountsSnapshot | undefined;
    try {
      snapshot = await read();
    } finally {
      held = undefined;
      if (snapshot) {
        const seen = snapshot;
        counts = { ...seen };
        for (const ev of during) if (ev.value > seen[INDEX_FIELD[ev.index]]) applyNow(ev);
      } else {
        for (const ev of during) applyNow(ev);
      }
    }
  }

  return {
    current: () => Object.freeze({ ...counts }),
    apply(ev) {
      if (held) held.push(ev);
      else applyNow(ev);
    },
    reload(read) {
      const next = reloads.then(() => readOnce(read));
      reloads = next.catch(() => undefined);
      return next;
    },
  };
}
