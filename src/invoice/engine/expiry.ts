/**
 * Expiry: the one timer that fires at the soonest unpaid expiry, the sweep it runs (unpaid → expired,
 * each with its own `updated` bump, at most SWEEP_BATCH per transaction), and the expiry of every unpaid
 * invoice of one of our offers (disableoffer; a single-use offer used up).
 */
import type { Kysely } from 'kysely';
import { nowSeconds } from '../../util/clock.js';
import type { Invoice } from '../invoice.js';
import type { InvoiceDb } from '../store/schema.js';
import * as store from '../store/store.js';
import type { WriteTx } from '../store/write-queue.js';
import { COUNTER } from '../store/schema.js';
import type { EngineCore } from './core.js';
import { ExpiryTimer } from './expiry-timer.js';

/** Most invoices one sweep transaction expires. */
const SWEEP_BATCH = 500;

export interface ExpiryJob {
  readonly timer: ExpiryTimer;
  /** Arms the timer for a new invoice expiring at `expires_at` (once the engine has started). */
  armIfSooner(expires_at: number): void;
  sweepExpired(): Promise<number>;
  expireOfferInvoices<T>(
    offer_id: Uint8Array,
    first?: (db: Kysely<InvoiceDb>, tx: WriteTx) => Promise<T>,
  ): Promise<{ readonly result: T | undefined; readonly expired: readonly Invoice[] }>;
  /** Expires every unpaid invoice of our offer `offer_id` inside `tx`, each with its `updated` bump. */
  expireUnpaidOfOffer(tx: WriteTx, offer_id: Uint8Array): Promise<Invoice[]>;
}

export function createExpiryJob(core: EngineCore): ExpiryJob {
  const { db, queue, clock, logger, state, bump } = core;
  const timer = new ExpiryTimer(clock, () => {
    core.track(sweepExpired()).catch((err) => logger?.error({ err }, 'expiry sweep failed'));
  });

  async function sweepExpired(): Promise<number> {
    if (state.closed) return 0;
    let total = 0;
    // At most SWEEP_BATCH expiries per transaction, so a long downtime does not make one huge one.
    for (;;) {
      const n = await queue.run(async (tx) => {
        const now = nowSeconds(clock);
        const due = await store.dueUnpaid(tx.db, now, SWEEP_BATCH);
        for (const inv of due) {
          // Each expiry is its own `updated` bump (reference §6.2).
          const value = await store.nextCounter(tx.db, COUNTER.updated);
          const expired = await store.expireRow(tx.db, inv.created_index, now, value);
          if (!expired) throw new Error('expiry sweep lost a row it had selected under the write lock');
          bump(tx, 'updated', 'expired', expired, { value });
        }
        return due.length;
      });
      total += n;
      if (n < SWEEP_BATCH || state.closed) break;
    }
    if (total > 0) logger?.debug({ expired: total }, 'invoices expired');
    if (!state.closed && state.started) timer.arm(await store.nextExpiry(db));
    return total;
  }

  async function expireOfferInvoices<T>(
    offer_id: Uint8Array,
    first?: (db: Kysely<InvoiceDb>, tx: WriteTx) => Promise<T>,
  ): Promise<{ readonly result: T | undefined; readonly expired: readonly Invoice[] }> {
    return queue.run(async (tx) => {
      const result = first ? await first(tx.db, tx) : undefined;
      return { result, expired: await expireUnpaidOfOffer(tx, offer_id) };
    });
  }

  async function expireUnpaidOfOffer(tx: WriteTx, offer_id: Uint8Array): Promise<Invoice[]> {
    const expired: Invoice[] = [];
    for (const inv of await store.unpaidForOffer(tx.db, offer_id)) {
      const value = await store.nextCounter(tx.db, COUNTER.updated);
      const row = await store.expireUnpaidRow(tx.db, inv.created_index, value);
      if (!row) throw new Error('offer expiry lost a row it had selected under the write lock');
      bump(tx, 'updated', 'expired', row, { value });
      expired.push(row);
    }
    if (expired.length > 0) logger?.debug({ expired: expired.length }, 'offer invoices expired');
    return expired;
  }

  return {
    timer,
    armIfSooner(expires_at) {
      if (state.started) timer.armIfSooner(expires_at);
    },
    sweepExpired,
    expireOfferInvoices,
    expireUnpaidOfOffer,
  };
}
