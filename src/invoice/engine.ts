/**
 * The invoice engine (issue 3): the rules between the RPC handlers and the store. It owns the order of
 * uniqueness checks (901 before 900), the state machine unpaid → paid | expired (and deletion), the index
 * counters (moved in the same transaction as the change they count, through the group-commit queue), the
 * single expiry timer, the waiters, and autoclean. Time and randomness come from the injected clock and
 * random source, so tests move time by hand.
 *
 * This file composes the jobs of src/invoice/engine/: creation, listing, deletion and autoclean, expiry,
 * payment marking and waits, over the state they share (engine/core.ts).
 */
import { decodeEvent } from './events.js';
import { remoteMessages } from './store/remote-messages.js';
import * as store from './store/store.js';
import { createEngineCore } from './engine/core.js';
import { createCreationJob } from './engine/creation.js';
import { createDeletionJob } from './engine/deletion.js';
import { createExpiryJob } from './engine/expiry.js';
import { invoiceCounts, listInvoices, snapshotCounts } from './engine/listing.js';
import { isPagedListing, listInvoicePages } from './engine/list-pages.js';
import { createPaymentJob } from './engine/payment.js';
import type { InvoiceEngineDeps, InvoiceEngineImpl } from './engine/types.js';
import type { EngineHooks } from './engine-hooks.js';
import { COUNTER } from './store/schema.js';
import { wait, waitAnyInvoice, waitInvoice, type WaitContext } from './engine/waits.js';

export type {
  InvoiceChangeListener,
  InvoiceEngineConfig,
  InvoiceEngineDeps,
  InvoiceEngineImpl,
  OfferPaidRule,
  PaidHtlc,
  StoreInvoiceParams,
} from './engine/types.js';

export function createInvoiceEngine(deps: InvoiceEngineDeps): InvoiceEngineImpl {
  const core = createEngineCore(deps);
  const { database, db, codec, clock, queue, waiters, listeners, origin, tasks, state, track } = core;
  const expiry = createExpiryJob(core);
  const creation = createCreationJob(core, expiry);
  const deletion = createDeletionJob(core);
  const payment = createPaymentJob(core, expiry);
  const waitCtx: WaitContext = { db, waiters, clock };
  let unlisten: (() => Promise<void>) | undefined;

  /** Events from another daemon on the same PostgreSQL database: a JSON array per transaction. */
  function onRemote(payload: string): void {
    for (const m of remoteMessages(payload, origin)) {
      const ev = decodeEvent(JSON.stringify(m));
      if (!ev) continue;
      if (ev.change === 'created' && typeof m.x === 'number') expiry.armIfSooner(m.x);
      core.deliver(ev);
    }
  }

  /** getinfo's counts read afresh (after the other daemons' missed events); a failure keeps the old ones. */
  function rereadCounts(): void {
    void track(core.counts.reload(() => snapshotCounts(db))).catch((err: unknown) =>
      core.logger?.warn({ err }, 'invoice counts not re-read after listening resumed: getinfo may be behind'),
    );
  }

  async function start(): Promise<void> {
    if (state.started) return;
    state.started = true;
    if (database.dialect.listen) unlisten = await database.dialect.listen(onRemote, rereadCounts);
    // After LISTEN, so another daemon's change is either in this read or arrives as an event.
    await core.counts.reload(() => snapshotCounts(db));
    await track(expiry.sweepExpired());
    deletion.autoclean.start();
  }

  async function close(): Promise<void> {
    state.closed = true;
    expiry.timer.stop();
    deletion.autoclean.stop();
    waiters.close();
    await Promise.allSettled([...tasks]);
    await queue.idle();
    await unlisten?.();
    unlisten = undefined;
  }

  const hooks: EngineHooks = {
    write: (op) => queue.run(op),
    nextUpdated: (tx) => store.nextCounter(tx.db, COUNTER.updated),
    bumpUpdated: (tx, change, inv, value) => core.bump(tx, 'updated', change, inv, { value }),
    markPaidIn: payment.markPaidIn,
  };

  return {
    hooks,
    create: creation.create,
    checkCreate: creation.checkCreate,
    checkCreateStored: creation.checkCreateStored,
    createFromInvstring: creation.createFromInvstring,
    storeInvoice: creation.storeInvoice,
    list: (p) => listInvoices({ db, codec }, p),
    listPages: (p) => (isPagedListing(p) ? listInvoicePages({ db, codec }, p) : undefined),
    delete: deletion.del,
    waitInvoice: (label, signal) => waitInvoice(waitCtx, label, signal),
    waitAnyInvoice: (last, timeout, signal) => waitAnyInvoice(waitCtx, last, timeout, signal),
    wait: (index, nextvalue, signal) => wait(waitCtx, index, nextvalue, signal),
    autocleanOnce: deletion.autocleanOnce,
    autocleanStatus: deletion.autocleanStatus,
    counts: () => invoiceCounts(db),
    liveCounts: () => core.counts.current(),
    close,
    start,
    getByPaymentHash: (hash) => store.findByPaymentHash(db, hash),
    markPaid: payment.markPaid,
    findPaidHtlc: (scid, id) => store.findPaidHtlc(db, scid, id),
    noteBlockheight: payment.noteBlockheight,
    storedBlockheight: () => store.readBlockheight(db),
    writeBlockheight: payment.writeBlockheight,
    setOfferPaidRule: payment.setOfferPaidRule,
    onInvoiceChange(listener) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
    async idle() {
      while (tasks.size > 0) await Promise.allSettled([...tasks]);
      await queue.idle();
    },
    sleepingWaits: () => waiters.sleeping,
    sweepExpired: () => track(expiry.sweepExpired()),
    expireOfferInvoices: expiry.expireOfferInvoices,
  };
}
