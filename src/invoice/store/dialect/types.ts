/**
 * The few places where SQLite and PostgreSQL really differ for the invoice store (STYLE 6): how a write
 * transaction takes ownership of index assignment, how a uniqueness violation is recognised, and how
 * daemons sharing one database tell each other about changes.
 */
import type { Kysely } from 'kysely';
import type { InvoiceDb } from '../schema.js';

/** Which unique constraint a failed insert hit. */
export type UniqueViolation = 'label' | 'payment_hash' | 'htlc' | 'other';

export interface StoreDialect {
  readonly name: 'sqlite' | 'postgres';
  /**
   * Opens a write transaction on `conn` that holds the right to hand out index values until it commits,
   * so that commit order equals index order (a reader paging by index never misses a later commit).
   */
  beginWrite(conn: Kysely<InvoiceDb>): Promise<void>;
  /** The driver runs several `;`-separated statements without parameters in one round trip. */
  readonly multiStatement?: boolean;
  /**
   * The write queue starts a batch's atomic operations together instead of one after another, so that
   * statements they issue in the same turn can travel together (PostgreSQL: one round trip for a batch's
   * new invoices, store/pg-invoice-batch.ts). SQLite runs each statement at once and gains nothing.
   */
  readonly concurrentAtomic?: boolean;
  /**
   * Whether a statement's failure `err` left the transaction unusable, so nothing more may run in it: on
   * PostgreSQL every failed statement aborts the transaction; SQLite undoes just the statement, except after
   * the errors it may answer with a rollback of its own (disk full, I/O, busy, out of memory). The write
   * queue asks for operations that run without a savepoint (`WriteQueue.run`'s `atomic`).
   */
  transactionLost(err: unknown): boolean;
  /** Classifies a driver error as a uniqueness violation, or undefined when it is something else. */
  uniqueViolation(err: unknown): UniqueViolation | undefined;
  /** Queues a cross-daemon notification, delivered when the current transaction commits (PostgreSQL). */
  notify?(conn: Kysely<InvoiceDb>, payload: string): Promise<void>;
  /**
   * Subscribes to other daemons' notifications; resolves to an unsubscribe function. `onRelisten` is told
   * each time listening resumed after its connection was lost (notifications sent meanwhile were missed).
   */
  listen?(onPayload: (payload: string) => void, onRelisten?: () => void): Promise<() => Promise<void>>;
}
