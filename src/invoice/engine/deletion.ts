/**
 * Deletion: `delinvoice` (the whole invoice, or with `desconly` only its description) and autoclean (the
 * periodic deletion of invoices expired or paid longer than a configured age, counted per subsystem).
 */
import type { AutocleanOnceResult, AutocleanStatusEntry, AutocleanSubsystem } from '../api.js';
import { nowSeconds } from '../../util/clock.js';
import { InvoiceError } from '../errors.js';
import type { Invoice } from '../invoice.js';
import { COUNTER } from '../store/schema.js';
import * as store from '../store/store.js';
import type { WriteTx } from '../store/write-queue.js';
import { AutocleanRunner } from './autoclean.js';
import type { EngineCore } from './core.js';
import { checkDeletable } from '../delete-rules.js';

export interface DeletionJob {
  del(label: string, status: string, desconly: boolean): Promise<Invoice>;
  autocleanOnce(subsystem: AutocleanSubsystem, age: bigint): Promise<AutocleanOnceResult>;
  autocleanStatus(subsystem?: AutocleanSubsystem): Promise<AutocleanStatusEntry[]>;
  /** The periodic autoclean (started and stopped with the engine). */
  readonly autoclean: AutocleanRunner;
}

export function createDeletionJob(core: EngineCore): DeletionJob {
  const { deps, db, clock, logger, queue, bump } = core;
  const autoclean = new AutocleanRunner(
    { clock, logger, config: deps.config?.autoclean },
    (subsystem, age) => autocleanOnce(subsystem, BigInt(age)),
  );

  async function del(label: string, status: string, desconly: boolean): Promise<Invoice> {
    return queue.run(async (tx) => {
      const inv = checkDeletable(await store.findByLabel(tx.db, label), status, desconly);
      if (desconly) {
        const value = await store.nextCounter(tx.db, COUNTER.updated);
        if (!(await store.removeDescription(tx.db, inv.created_index, value))) {
          throw new InvoiceError('NoDescription', 'Invoice description already removed');
        }
        bump(tx, 'updated', 'description_removed', inv, { value });
        // As CLN: the invoice without its description, with the updated_index it had before.
        const { description: _removed, ...rest } = inv;
        tx.event('invoice_description_removed', { ...rest, updated_index: value }); // event feed
        return Object.freeze(rest);
      }
      await deleteInvoice(tx, inv);
      return inv;
    });
  }

  /** Deletes `inv` (as it is now) inside `tx` with its `deleted` bump. */
  async function deleteInvoice(tx: WriteTx, inv: Invoice): Promise<void> {
    if (!(await store.deleteRow(tx.db, inv.created_index, inv.status))) {
      throw new InvoiceError('Failed', 'Invoice changed while being deleted');
    }
    const value = await store.nextCounter(tx.db, COUNTER.deleted);
    bump(tx, 'deleted', 'deleted', inv, { value, status: inv.status });
  }

  async function autocleanOnce(subsystem: AutocleanSubsystem, age: bigint): Promise<AutocleanOnceResult> {
    if (age === 0n) throw new InvoiceError('InvalidParams', 'age: Must be non-zero', { param: 'age' });
    if (subsystem !== 'expiredinvoices' && subsystem !== 'paidinvoices') return { subsystem, cleaned: 0, uncleaned: 0 };
    const status = subsystem === 'expiredinvoices' ? 'expired' : 'paid';
    const totalName = subsystem === 'expiredinvoices' ? COUNTER.cleanedExpired : COUNTER.cleanedPaid;
    const now = nowSeconds(clock);
    const cutoff = age > BigInt(now) ? -1 : now - Number(age);
    let cleaned = 0;
    for (;;) {
      const n = await queue.run(async (tx) => {
        const rows = await store.cleanable(tx.db, status, cutoff, 100);
        for (const inv of rows) await deleteInvoice(tx, inv);
        if (rows.length > 0) await store.nextCounter(tx.db, totalName, rows.length);
        return rows.length;
      });
      cleaned += n;
      if (n < 100) break;
    }
    const uncleaned = await store.countUncleaned(db, status, cutoff);
    if (cleaned > 0) logger?.info({ subsystem, cleaned }, 'autoclean');
    return { subsystem, cleaned, uncleaned };
  }

  async function autocleanStatus(subsystem?: AutocleanSubsystem): Promise<AutocleanStatusEntry[]> {
    const counters = await store.readCounters(db);
    return autoclean.status(subsystem, {
      expiredinvoices: counters[COUNTER.cleanedExpired],
      paidinvoices: counters[COUNTER.cleanedPaid],
    });
  }

  return { del, autocleanOnce, autocleanStatus, autoclean };
}
