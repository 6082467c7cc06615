/**
 * Payment marking: an unpaid, unexpired invoice becomes paid with its HTLCs recorded, in one transaction
 * that also runs the offers module's rule for an invoice of one of our offers; and the block height seen
 * in HTLCs, stored so `getinfo.blockheight` survives a restart.
 */
import { nowSeconds } from '../../util/clock.js';
import { MAX_MSAT, type Msat } from '../../util/msat.js';
import { InvoiceError } from '../errors.js';
import type { Invoice } from '../invoice.js';
import { COUNTER } from '../store/schema.js';
import * as store from '../store/store.js';
import type { WriteTx } from '../store/write-queue.js';
import type { EngineCore } from './core.js';
import type { ExpiryJob } from './expiry.js';
import type { OfferPaidRule, PaidHtlc } from './types.js';

export interface PaymentJob {
  markPaid(payment_hash: Uint8Array, amount_received_msat: Msat, parts: readonly PaidHtlc[]): Promise<Invoice>;
  /** markPaid's steps inside `tx` (hold invoices settle with them). */
  markPaidIn(tx: WriteTx, payment_hash: Uint8Array, amount_received_msat: Msat, parts: readonly PaidHtlc[]): Promise<Invoice>;
  setOfferPaidRule(rule: OfferPaidRule | undefined): void;
  noteBlockheight(height: number): void;
  /** Stores `height` as is, also lower than before (`setblockheight … force`); later notes raise from it. */
  writeBlockheight(height: number): Promise<void>;
}

export function createPaymentJob(core: EngineCore, expiry: Pick<ExpiryJob, 'expireUnpaidOfOffer'>): PaymentJob {
  const { database, clock, logger, queue, state, bump } = core;
  const { expireUnpaidOfOffer } = expiry;
  let offerPaidRule: OfferPaidRule | undefined;
  /** The highest height queued for storing; the one a queued write will store when it runs. */
  let heightNoted = 0;
  let heightToWrite: number | undefined;

  async function markPaid(payment_hash: Uint8Array, amount_received_msat: Msat, parts: readonly PaidHtlc[]): Promise<Invoice> {
    if (amount_received_msat > MAX_MSAT) throw new InvoiceError('Failed', 'amount_received_msat above u64');
    return queue.run((tx) => markPaidIn(tx, payment_hash, amount_received_msat, parts));
  }

  async function markPaidIn(tx: WriteTx, payment_hash: Uint8Array, amount_received_msat: Msat, parts: readonly PaidHtlc[]): Promise<Invoice> {
    const now = nowSeconds(clock);
    const current = await store.findByPaymentHash(tx.db, payment_hash);
    if (!current) throw new InvoiceError('Failed', 'Unknown invoice');
    if (current.status !== 'unpaid') throw new InvoiceError('Failed', `Invoice is ${current.status}, not unpaid`);
    if (current.expires_at <= now) throw new InvoiceError('Failed', 'Invoice expired');
    const pay_index = await store.nextCounter(tx.db, COUNTER.pay);
    const updated_index = await store.nextCounter(tx.db, COUNTER.updated);
    const paid = await store.markPaidRow(tx.db, { payment_hash, now, pay_index, updated_index, amount_received_msat });
    // Guarded statement: under the write lock it cannot miss, but if it does, roll the counters back.
    if (!paid) throw new InvoiceError('Failed', 'Invoice is not unpaid');
    try {
      await store.insertHtlcs(tx.db, payment_hash, paid.payment_preimage, parts);
    } catch (err) {
      if (database.dialect.uniqueViolation(err) === 'htlc') {
        throw new InvoiceError('Failed', 'HTLC already recorded for a payment');
      }
      throw err;
    }
    bump(tx, 'updated', 'paid', paid, { value: updated_index });
    // Reference §6.4 step 9: "mark offer used (possibly expiring siblings)" — here in the payment's own
    // transaction, so both commit or neither; a sibling paid concurrently then meets its own unpaid guard.
    if (paid.local_offer_id && offerPaidRule) {
      const { expireOthers } = await offerPaidRule(tx.db, paid.local_offer_id, tx);
      if (expireOthers) await expireUnpaidOfOffer(tx, paid.local_offer_id);
    }
    return paid;
  }

  function noteBlockheight(height: number): void {
    if (state.closed || !Number.isSafeInteger(height) || height <= heightNoted) return;
    heightNoted = height;
    // A write already queued but not yet run takes the newer height with it.
    if (heightToWrite !== undefined) {
      heightToWrite = height;
      return;
    }
    heightToWrite = height;
    core.track(
      queue.run(async (tx) => {
        const h = heightToWrite ?? height;
        heightToWrite = undefined;
        await store.raiseBlockheight(tx.db, h);
      }),
    ).catch((err: unknown) => {
      // Not stored: let the next HTLC try again. Losing it only costs getinfo a height until then.
      heightNoted = 0;
      heightToWrite = undefined;
      logger?.warn({ err: (err as Error).message }, 'storing the block height failed');
    });
  }

  return {
    markPaid,
    markPaidIn,
    setOfferPaidRule(rule) {
      offerPaidRule = rule;
    },
    noteBlockheight,
    writeBlockheight: (height) =>
      core.track(queue.run((tx) => store.writeBlockheight(tx.db, height))).then(() => void (heightNoted = height)),
  };
}
