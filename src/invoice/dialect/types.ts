/**
 * The few places where SQLite and PostgreSQL really differ for the invoice store (STYLE 6): how a write
 * transaction takes ownership of index assignment, how a uniqueness violation is recognised, and how
 * daemons sharing one database tell each other about changes.
 */
import type { Kysely } from 'kysely';
import type { InvoiceDb } from '../db-schema.js';

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
   * The database runs data-modifying statements inside WITH (PostgreSQL): a new invoice's counter bump and
   * insert then go in one statement (`store.insertInvoiceNext`), one round trip instead of three.
   */
  readonly writableCte?: boolean;
  /** Classifies a driver error as a uniqueness violation, or undefined when it is something else. */
  uniqueViolation(err: unknown): UniqueViolation | undefined;
  /** Queues a cross-daemon notification, delivered when the current transaction commits (PostgreSQL). */
  notify?(conn: Kysely<InvoiceDb>, payload: string): Promise<void>;
  /** Subscribes to other daemons' notifications; resolves to an unsubscribe function. */
  listen?(onPayload: (payload: string) => void): Promise<() => Promise<void>>;
}
