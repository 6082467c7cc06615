/**
 * What hold invoices (src/invoice/hold/), metadata (metadata.ts) and idempotent creation (idempotency.ts)
 * need of the invoice engine: its write queue, its `updated` bumps and the payment step, so their state
 * changes commit in the engine's own transactions with the same index rules as every other change.
 */
import type { Msat } from '../util/msat.js';
import type { InvoiceChange } from './events.js';
import type { Invoice } from './invoice.js';
import type { HtlcPart } from './store/store.js';
import type { WriteOp, WriteTx } from './store/write-queue.js';

/** A create's `warning_*` fields, name → text, in CLN's order. */
export type CreateWarnings = ReadonlyArray<readonly [string, string]>;

/** What an idempotent repeat answers: the first call's invoice, and its warnings when they were kept. */
export interface CreateRepeat {
  readonly invoice: Invoice;
  /** Undefined for a first call made before they were stored (migration 0011): then recomputed. */
  readonly warnings?: CreateWarnings;
}

/** Extra steps of one `create`, run inside its write transaction. */
export interface CreateExtension {
  /**
   * A hold invoice made from a payment hash alone (the daemon never learns the preimage until settle):
   * this hash is signed, and the create's preimage only seeds the payment secret.
   */
  readonly payment_hash?: Uint8Array;
  /**
   * Runs first: a repeat returned here is the answer, and nothing is created (an idempotent repeat).
   * It only reads, so `check` runs it outside a write transaction too.
   */
  before?(tx: Pick<WriteTx, 'db'>): Promise<CreateRepeat | undefined>;
  /**
   * Runs after the insert, with the warnings the call will answer: returns the invoice as it stands at the
   * end of the transaction.
   */
  after?(tx: WriteTx, inv: Invoice, warnings: CreateWarnings): Promise<Invoice>;
}

export interface EngineHooks {
  /** Queues `op` in the engine's group-commit queue (resolves after COMMIT). */
  write<T>(op: WriteOp<T>): Promise<T>;
  /** Takes the next `updated_index` inside `tx`. */
  nextUpdated(tx: WriteTx): Promise<number>;
  /** Records the `updated` bump `value` of `inv` (its state after the change): waiters, listeners, other daemons. */
  bumpUpdated(tx: WriteTx, change: InvoiceChange, inv: Invoice, value: number): void;
  /** markPaid's steps inside `tx` (guarded unpaid → paid, HTLCs recorded, bump); throws InvoiceError('Failed'). */
  markPaidIn(tx: WriteTx, payment_hash: Uint8Array, amount_received_msat: Msat, parts: readonly HtlcPart[]): Promise<Invoice>;
}

/** Both extensions' steps, `a`'s first (e.g. an idempotency check before a hold invoice's own step). */
export function composeExtensions(a: CreateExtension | undefined, b: CreateExtension | undefined): CreateExtension | undefined {
  if (!a) return b;
  if (!b) return a;
  const payment_hash = a.payment_hash ?? b.payment_hash;
  return {
    ...(payment_hash ? { payment_hash } : {}),
    async before(tx) {
      return (await a.before?.(tx)) ?? (await b.before?.(tx));
    },
    async after(tx, inv, warnings) {
      const mid = a.after ? await a.after(tx, inv, warnings) : inv;
      return b.after ? b.after(tx, mid, warnings) : mid;
    },
  };
}
