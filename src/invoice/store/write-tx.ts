/**
 * The types of the write path, apart from the queue itself so the database handle (db.ts) can name its
 * hooks without importing the queue: what a write operation sees (`WriteTx`) and what the daemon plugs
 * into every write transaction (`WriteHooks`: the event feed, metrics).
 */
import type { Kysely } from 'kysely';
import type { EventType, PendingEvent } from '../../events/event-types.js';
import type { InvoiceDb } from './schema.js';

/** What a queued operation sees: the transaction's connection and a way to act after commit. */
export interface WriteTx {
  readonly db: Kysely<InvoiceDb>;
  /** Runs `fn` after the transaction committed (only if this operation's changes were kept). */
  after(fn: () => void): void;
  /**
   * A cross-daemon message sent with the commit if this operation's changes are kept (PostgreSQL; no-op
   * on SQLite). Messages of one transaction travel together as JSON arrays, in order.
   */
  notify(message: unknown): void;
  /**
   * Records a feed event of this operation's change (src/events/event-types.ts). The database's event
   * hook appends the kept operations' events, in order, in this same transaction before COMMIT.
   */
  event(type: EventType, subject: object): void;
}

/** What the daemon plugs into every write transaction of a database (`InvoiceDatabase.hooks`). */
export interface WriteHooks {
  /** Appends a transaction's feed events on its connection, last before COMMIT (src/events/feed.ts). */
  appendEvents?(tx: WriteTx, events: readonly PendingEvent[]): Promise<void>;
  /** Told after each committed transaction: operations it carried, seconds from BEGIN to COMMIT's end. */
  onCommit?(operations: number, seconds: number): void;
}
