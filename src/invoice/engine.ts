/**
 * The invoice engine (issue 3): the rules between the RPC handlers and the store. It owns the order of
 * uniqueness checks (901 before 900), the state machine unpaid → paid | expired (and deletion), the index
 * counters (moved in the same transaction as the change they count, through the group-commit queue), the
 * single expiry timer, the waiters, and autoclean. Time and randomness come from the injected clock and
 * random source, so tests move time by hand.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { NodeKeys } from '../crypto/node-keys.js';
import { nowSeconds, type Clock, type RandomSource } from '../util/clock.js';
import { toHex } from '../util/hex.js';
import { MAX_MSAT, type Msat } from '../util/msat.js';
import { DEFAULT_CLTV_FINAL, type Network } from '../util/network.js';
import type {
  AutocleanOnceResult,
  AutocleanStatusEntry,
  AutocleanSubsystem,
  CreatedInvoice,
  CreateFromInvstringParams,
  CreateInvoiceParams,
  InvoiceCounts,
  InvoiceEngine,
} from './api.js';
import { AutocleanRunner, type AutocleanConfig } from './autoclean.js';
import { decodeBolt11, encodeBolt11 } from './bolt11.js';
import {
  buildBolt11,
  parseFallbacks,
  resignBolt11,
  type Bolt11Codec,
  type Bolt11Draft,
  type BuiltBolt11,
} from './create.js';
import { COUNTER, type InvoiceDb } from './db-schema.js';
import type { InvoiceDatabase } from './db.js';
import { InvoiceError } from './errors.js';
import { decodeEvent, detailsFor, encodeEvent, type InvoiceChange, type InvoiceEvent } from './events.js';
import { ExpiryTimer } from './expiry-timer.js';
import type { Invoice, InvoiceIndexName } from './invoice.js';
import * as store from './store.js';
import { checkDescription, checkLabel } from './validate.js';
import { listInvoices } from './list.js';
import { Waiters } from './waiters.js';
import { wait, waitAnyInvoice, waitInvoice, type WaitContext } from './waits.js';
import { remoteMessages } from './remote-messages.js';
import { WriteQueue, type WriteTx } from './write-queue.js';

/** The engine's configuration (daemon options). */
export interface InvoiceEngineConfig {
  /** `--invoice-expiry`: default expiry of `invoice`, seconds (3600, as lightning-invoice(7) documents). */
  readonly invoiceExpiry?: number;
  /** `--cltv-final`: default `c` of new invoices (CLN's per-network default). */
  readonly cltvFinal?: number;
  readonly autoclean?: Partial<AutocleanConfig>;
}

export interface InvoiceEngineDeps {
  readonly db: InvoiceDatabase;
  readonly nodeKeys: NodeKeys;
  readonly network: Network;
  readonly clock: Clock;
  readonly random: RandomSource;
  readonly logger?: Logger;
  readonly config?: InvoiceEngineConfig;
  /** The BOLT 11 codec (default: src/invoice/bolt11.ts). */
  readonly codec?: Bolt11Codec;
  /** Most operations per write transaction (default 256). */
  readonly maxBatch?: number;
  /**
   * Builds and signs new invoices off the main thread (invoice-build-pool.ts). Default: `buildBolt11`
   * inline with `nodeKeys.signEcdsa` and `codec`. It must sign with the same node key.
   */
  readonly bolt11Builder?: { build(draft: Bolt11Draft): Promise<BuiltBolt11> };
}

/** An invoice built elsewhere (BOLT 12 invoices for our offers) to be stored as `createinvoice` stores. */
export interface StoreInvoiceParams {
  readonly label: string;
  readonly kind: 'bolt11' | 'bolt12';
  readonly invstring: string;
  readonly preimage: Uint8Array;
  readonly amount_msat?: Msat;
  readonly description?: string;
  readonly expires_at: number;
  readonly local_offer_id?: Uint8Array;
  readonly invreq_payer_note?: string;
}

/** One HTLC of a payment (see markPaid). */
export type PaidHtlc = store.HtlcPart;

/**
 * The offers module's part of a payment (see `setOfferPaidRule`): run inside the payment's transaction,
 * on its connection, for an invoice issued for one of our offers. It marks the offer used and answers
 * whether the offer's other unpaid invoices must expire now (a single-use offer, now inactive). Throwing
 * refuses the payment: nothing of it is kept (an InvoiceError('Failed') reaches markPaid's caller).
 */
export type OfferPaidRule = (db: Kysely<InvoiceDb>, offer_id: Uint8Array) => Promise<{ readonly expireOthers: boolean }>;

export type InvoiceChangeListener = (ev: { payment_hash: Uint8Array; status: 'paid' | 'expired' | 'deleted' }) => void;

/** The engine: the RPC contract plus what the daemon and the payment path need. */
export interface InvoiceEngineImpl extends InvoiceEngine {
  /** Expires what expired while the daemon was down (with bumps), arms the timers, listens to other daemons. */
  start(): Promise<void>;
  /**
   * Stores an externally built invoice (BOLT 12 invoices); 900 with the existing invoice on a duplicate
   * label, 901 on a duplicate hash. `within`, when given, runs after the insert in that same transaction
   * (e.g. `sendinvoice` queueing the invoice in the outbox), so both commit or neither: an error it throws
   * rolls the invoice back and is what the call rejects with.
   */
  storeInvoice(p: StoreInvoiceParams, within?: (tx: WriteTx, invoice: Invoice) => Promise<void>): Promise<Invoice>;
  /** The invoice (with preimage) for a payment hash. */
  getByPaymentHash(hash: Uint8Array): Promise<Invoice | undefined>;
  /**
   * Marks an unpaid, unexpired invoice paid and records its HTLCs, in one transaction; wakes waiters after
   * commit. Throws InvoiceError('Failed') if it is not unpaid any more. For an invoice of one of our offers
   * the offer rule runs in that same transaction (see setOfferPaidRule).
   */
  markPaid(payment_hash: Uint8Array, amount_received_msat: Msat, parts: readonly PaidHtlc[]): Promise<Invoice>;
  /** The invoice an already-accepted HTLC paid, so a replay after restart is fulfilled again. */
  findPaidHtlc(short_channel_id: string, id: bigint): Promise<{ payment_hash: Uint8Array; preimage: Uint8Array } | undefined>;
  /**
   * Sets the rule markPaid runs, in the payment's own transaction, when the paid invoice has a
   * `local_offer_id` (the offers module marks the offer used). When the rule answers `expireOthers`, the
   * offer's other unpaid invoices expire in that transaction too, each with its `updated` bump. So a
   * crash cannot leave a paid invoice with its offer unmarked, and of two payments of one single-use
   * offer's invoices the one that commits second finds its invoice expired and is refused.
   */
  setOfferPaidRule(rule: OfferPaidRule | undefined): void;
  /**
   * Remembers a block height seen in an HTLC so `getinfo.blockheight` survives a restart. Only a height
   * above every one noted before is written, in a write of its own that joins whatever group commit is
   * next (so at most one write per new block, never one per HTLC); it is not waited for.
   */
  noteBlockheight(height: number): void;
  /** The highest block height stored by noteBlockheight (any daemon on this database), if any. */
  storedBlockheight(): Promise<number | undefined>;
  /** Subscribes to paid / expired / deleted changes; returns the unsubscribe function. */
  onInvoiceChange(listener: InvoiceChangeListener): () => void;
  /** Resolves when no write or sweep is in flight (tests). */
  idle(): Promise<void>;
  /** Number of waits asleep until an event (past their read of the current state): tests and metrics. */
  sleepingWaits(): number;
  /** Runs the expiry sweep now (also what the timer does). */
  sweepExpired(): Promise<number>;
  /**
   * Expires every unpaid invoice of our offer `offer_id` (disableoffer; a single-use offer used up), each
   * with its own `updated` bump (details {status:"expired", label}) and waiter wake-up, in one
   * transaction. Unlike CLN, which neither bumps nor wakes (reference §6.2). `first`, when given, runs
   * at the start of that same transaction (the offer's own status change), so both commit or neither;
   * its result is returned with the expired invoices, and an error it throws rolls everything back.
   */
  expireOfferInvoices<T = undefined>(
    offer_id: Uint8Array,
    first?: (db: Kysely<InvoiceDb>) => Promise<T>,
  ): Promise<{ readonly result: T | undefined; readonly expired: readonly Invoice[] }>;
}

const EXPOSE_WARNING =
  'exposeprivatechannels is ignored: this daemon holds no channels, so its invoices carry no route hints';

/** Most invoices one sweep transaction expires. */
const SWEEP_BATCH = 500;

export function createInvoiceEngine(deps: InvoiceEngineDeps): InvoiceEngineImpl {
  const { db: database, nodeKeys, network, clock, random, logger } = deps;
  const db = database.db;
  const codec: Bolt11Codec = deps.codec ?? { encode: encodeBolt11, decode: decodeBolt11 };
  const invoiceExpiry = deps.config?.invoiceExpiry ?? 3600;
  const cltvFinal = deps.config?.cltvFinal ?? DEFAULT_CLTV_FINAL[network];
  const queue = new WriteQueue(database, deps.maxBatch !== undefined ? { maxBatch: deps.maxBatch } : {});
  const waiters = new Waiters();
  const listeners = new Set<InvoiceChangeListener>();
  const origin = toHex(random(8));
  const tasks = new Set<Promise<unknown>>();
  let unlisten: (() => Promise<void>) | undefined;
  let offerPaidRule: OfferPaidRule | undefined;
  /** The highest height queued for storing; the one a queued write will store when it runs. */
  let heightNoted = 0;
  let heightToWrite: number | undefined;
  let started = false;
  let closed = false;

  const track = <T>(p: Promise<T>): Promise<T> => {
    tasks.add(p);
    const done = () => tasks.delete(p);
    p.then(done, done);
    return p;
  };

  const waitCtx: WaitContext = { db, waiters, clock };
  const expiry = new ExpiryTimer(clock, () => {
    track(sweepExpired()).catch((err) => logger?.error({ err }, 'expiry sweep failed'));
  });
  const autoclean = new AutocleanRunner(
    { clock, logger, config: deps.config?.autoclean },
    (subsystem, age) => autocleanOnce(subsystem, BigInt(age)),
  );

  /** Delivers a committed event to waiters and change listeners. */
  function deliver(ev: InvoiceEvent): void {
    waiters.dispatch(ev);
    if (ev.change === 'paid' || ev.change === 'expired' || ev.change === 'deleted') {
      for (const l of [...listeners]) {
        try {
          l({ payment_hash: ev.payment_hash, status: ev.change });
        } catch (err) {
          logger?.error({ err }, 'invoice change listener failed');
        }
      }
    }
  }

  /**
   * Records the event of an index bump whose value the caller took in `tx`: sent to other daemons with the
   * commit, delivered to this daemon's waiters and listeners after it.
   */
  function bump(
    tx: WriteTx,
    index: InvoiceIndexName,
    change: InvoiceChange,
    inv: Invoice,
    extra: { value: number; status?: Invoice['status'] },
  ): void {
    const ev: InvoiceEvent = {
      index,
      value: extra.value,
      details: detailsFor(change, inv, extra.status),
      change,
      label: inv.label,
      payment_hash: inv.payment_hash,
      ...(inv.pay_index !== undefined && change === 'paid' ? { pay_index: inv.pay_index } : {}),
      invoice: inv,
    };
    if (database.dialect.notify) {
      const message = JSON.parse(encodeEvent(ev)) as Record<string, unknown>;
      message.o = origin;
      if (change === 'created') message.x = inv.expires_at;
      tx.notify(message);
    }
    tx.after(() => deliver(ev));
  }

  /** Inserts a new invoice inside `tx`, with the uniqueness checks in the order the caller asks. */
  async function insertChecked(
    tx: WriteTx,
    row: Omit<store.NewInvoiceRow, 'created_index'>,
    labelFirst: boolean,
  ): Promise<Invoice> {
    if (database.dialect.writableCte) {
      // Insert first, look up only when it wrote nothing: one round trip per new invoice. No earlier
      // lookup is needed for correctness: the statement writes neither the row nor the counter when a
      // unique value is taken, and under the write lock nothing can change between it and the lookup.
      const inv = await store.insertInvoiceNext(tx.db, row);
      if (!inv) throw await duplicateError(tx, row, labelFirst);
      bump(tx, 'created', 'created', inv, { value: inv.created_index });
      return inv;
    }
    if (labelFirst) {
      // createinvoice's 900 carries the existing invoice (the offers module re-serves it); then 901.
      const existing = await store.findByLabel(tx.db, row.label);
      if (existing) throw new InvoiceError('LabelExists', 'Duplicate label', { invoice: existing });
      if (await store.hashExists(tx.db, row.payment_hash)) {
        throw new InvoiceError('PreimageExists', 'preimage already used');
      }
    } else {
      // `invoice`: both checks in one query, 901 reported before 900 as CLN does.
      const used = await store.taken(tx.db, row.payment_hash, row.label);
      if (used.hash) throw new InvoiceError('PreimageExists', 'preimage already used');
      if (used.label) throw new InvoiceError('LabelExists', `Duplicate label '${row.label}'`);
    }
    const created_index = await store.nextCounter(tx.db, COUNTER.created);
    let inv: Invoice;
    try {
      inv = await store.insertInvoice(tx.db, { ...row, created_index });
    } catch (err) {
      // The prior lookups ran under the write lock, so this is a backstop: the database enforces uniqueness.
      const v = database.dialect.uniqueViolation(err);
      if (v === 'payment_hash') throw new InvoiceError('PreimageExists', 'preimage already used');
      if (v === 'label') throw new InvoiceError('LabelExists', `Duplicate label '${row.label}'`);
      throw err;
    }
    bump(tx, 'created', 'created', inv, { value: created_index });
    return inv;
  }

  /** Why an insert that wrote nothing (PostgreSQL's `ON CONFLICT DO NOTHING`) was refused, in the caller's order. */
  async function duplicateError(
    tx: WriteTx,
    row: Omit<store.NewInvoiceRow, 'created_index'>,
    labelFirst: boolean,
  ): Promise<Error> {
    if (labelFirst) {
      const existing = await store.findByLabel(tx.db, row.label);
      if (existing) return new InvoiceError('LabelExists', 'Duplicate label', { invoice: existing });
      if (await store.hashExists(tx.db, row.payment_hash)) return new InvoiceError('PreimageExists', 'preimage already used');
    } else {
      const used = await store.taken(tx.db, row.payment_hash, row.label);
      if (used.hash) return new InvoiceError('PreimageExists', 'preimage already used');
      if (used.label) return new InvoiceError('LabelExists', `Duplicate label '${row.label}'`);
    }
    // Neither taken: the counter row is missing or its next value is already a row's created_index.
    return new Error('invoice insert wrote nothing: created_index counter missing or behind the table');
  }

  async function create(p: CreateInvoiceParams): Promise<CreatedInvoice> {
    checkLabel(p.label);
    const deschashonly = p.deschashonly ?? false;
    checkDescription(p.description, deschashonly);
    if (p.amount_msat !== undefined && p.amount_msat <= 0n) {
      throw new InvoiceError('InvalidParams', "amount_msat: should be positive msat or 'any'", { param: 'amount_msat' });
    }
    const now = nowSeconds(clock);
    const expirySeconds = p.expiry ?? BigInt(invoiceExpiry);
    // expires_at must stay an exact JSON number (and BOLT 11's `x` a safe integer).
    if (expirySeconds < 0n || expirySeconds > BigInt(Number.MAX_SAFE_INTEGER - now)) {
      throw new InvoiceError('InvalidParams', 'expiry: should be a number of seconds below 2^53 - now', {
        param: 'expiry',
      });
    }
    const cltv = p.cltv ?? cltvFinal;
    const fallbacks = parseFallbacks(p.fallbacks ?? [], network);
    const preimage = p.preimage ?? random(32);
    if (preimage.length !== 32) throw new InvoiceError('InvalidParams', 'preimage: should be 64 hex digits', { param: 'preimage' });
    const draft: Bolt11Draft = {
      network,
      ...(p.amount_msat !== undefined ? { amount_msat: p.amount_msat } : {}),
      timestamp: now,
      preimage,
      description: p.description,
      deschashonly,
      expiry: Number(expirySeconds),
      cltv,
      fallbacks,
    };
    // Signed before the write is queued, so transactions stay short.
    const built = deps.bolt11Builder
      ? await deps.bolt11Builder.build(draft)
      : buildBolt11(draft, nodeKeys.signEcdsa, codec);
    const invoice = await queue.run((tx) =>
      insertChecked(
        tx,
        {
          label: p.label,
          kind: 'bolt11',
          invstring: built.invstring,
          payment_hash: built.payment_hash,
          payment_preimage: preimage,
          ...(p.amount_msat !== undefined ? { amount_msat: p.amount_msat } : {}),
          description: p.description,
          expires_at: now + Number(expirySeconds),
          created_at: now,
        },
        false,
      ),
    );
    if (started) expiry.armIfSooner(invoice.expires_at);
    const warnings: Array<readonly [string, string]> = [];
    if (p.exposeprivatechannels !== undefined) warnings.push(['warning_exposeprivatechannels', EXPOSE_WARNING]);
    logger?.debug({ label: invoice.label, created_index: invoice.created_index }, 'invoice created');
    return { invoice, payment_secret: built.payment_secret, warnings };
  }

  async function storeInvoice(
    p: StoreInvoiceParams,
    within?: (tx: WriteTx, invoice: Invoice) => Promise<void>,
  ): Promise<Invoice> {
    const now = nowSeconds(clock);
    const invoice = await queue.run(async (tx) => {
      const inv = await insertChecked(
        tx,
        {
          label: p.label,
          kind: p.kind,
          invstring: p.invstring,
          payment_hash: sha256(p.preimage),
          payment_preimage: p.preimage,
          ...(p.amount_msat !== undefined ? { amount_msat: p.amount_msat } : {}),
          ...(p.description !== undefined ? { description: p.description } : {}),
          expires_at: p.expires_at,
          ...(p.local_offer_id ? { local_offer_id: p.local_offer_id } : {}),
          ...(p.invreq_payer_note !== undefined ? { invreq_payer_note: p.invreq_payer_note } : {}),
          created_at: now,
        },
        true,
      );
      if (within) await within(tx, inv);
      return inv;
    });
    if (started) expiry.armIfSooner(invoice.expires_at);
    return invoice;
  }

  async function createFromInvstring(p: CreateFromInvstringParams): Promise<Invoice> {
    const s = p.invstring.trim();
    if (s.toLowerCase().startsWith('lni')) {
      throw new InvoiceError('InvalidParams', `Unparsable invoice '${s}': BOLT12 invoices are stored by the offers module`);
    }
    let decoded;
    try {
      decoded = codec.decode(s);
    } catch (err) {
      throw new InvoiceError('InvalidParams', `Unparsable invoice '${s}': ${(err as Error).message}`);
    }
    if (decoded.network !== network) {
      throw new InvoiceError('InvalidParams', `Unparsable invoice '${s}': invoice is for another network`);
    }
    const invstring = resignBolt11(decoded, p.preimage, nodeKeys.signEcdsa, codec);
    const now = nowSeconds(clock);
    return storeInvoice({
      label: p.label,
      kind: 'bolt11',
      invstring,
      preimage: p.preimage,
      ...(decoded.amount_msat !== undefined ? { amount_msat: decoded.amount_msat } : {}),
      ...(decoded.description !== undefined ? { description: decoded.description } : {}),
      // As CLN: from now, not from the invoice's own timestamp (reference §12).
      expires_at: now + decoded.expiry,
    });
  }

  async function del(label: string, status: string, desconly: boolean): Promise<Invoice> {
    return queue.run(async (tx) => {
      const inv = await store.findByLabel(tx.db, label);
      if (!inv) throw new InvoiceError('InvoiceNotFound', 'Unknown invoice');
      if (inv.status !== status) {
        throw new InvoiceError('StatusUnexpected', `Invoice status is ${inv.status} not ${status}`, {
          current_status: inv.status,
          expected_status: status,
        });
      }
      if (desconly) {
        if (inv.description === undefined) {
          throw new InvoiceError('NoDescription', 'Invoice description already removed');
        }
        const value = await store.nextCounter(tx.db, COUNTER.updated);
        if (!(await store.removeDescription(tx.db, inv.created_index, value))) {
          throw new InvoiceError('NoDescription', 'Invoice description already removed');
        }
        bump(tx, 'updated', 'description_removed', inv, { value });
        // As CLN: the invoice without its description, with the updated_index it had before.
        const { description: _removed, ...rest } = inv;
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

  async function sweepExpired(): Promise<number> {
    if (closed) return 0;
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
      if (n < SWEEP_BATCH || closed) break;
    }
    if (total > 0) logger?.debug({ expired: total }, 'invoices expired');
    if (!closed && started) expiry.arm(await store.nextExpiry(db));
    return total;
  }

  async function expireOfferInvoices<T>(
    offer_id: Uint8Array,
    first?: (db: Kysely<InvoiceDb>) => Promise<T>,
  ): Promise<{ readonly result: T | undefined; readonly expired: readonly Invoice[] }> {
    return queue.run(async (tx) => {
      const result = first ? await first(tx.db) : undefined;
      return { result, expired: await expireUnpaidOfOffer(tx, offer_id) };
    });
  }

  /** Expires every unpaid invoice of our offer `offer_id` inside `tx`, each with its `updated` bump. */
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

  async function markPaid(payment_hash: Uint8Array, amount_received_msat: Msat, parts: readonly PaidHtlc[]): Promise<Invoice> {
    if (amount_received_msat > MAX_MSAT) throw new InvoiceError('Failed', 'amount_received_msat above u64');
    return queue.run(async (tx) => {
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
        const { expireOthers } = await offerPaidRule(tx.db, paid.local_offer_id);
        if (expireOthers) await expireUnpaidOfOffer(tx, paid.local_offer_id);
      }
      return paid;
    });
  }

  function noteBlockheight(height: number): void {
    if (closed || !Number.isSafeInteger(height) || height <= heightNoted) return;
    heightNoted = height;
    // A write already queued but not yet run takes the newer height with it.
    if (heightToWrite !== undefined) {
      heightToWrite = height;
      return;
    }
    heightToWrite = height;
    track(
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

  async function counts(): Promise<InvoiceCounts> {
    const [byStatus, c] = await Promise.all([store.statusCounts(db), store.readCounters(db)]);
    return {
      ...byStatus,
      created_index: c[COUNTER.created],
      updated_index: c[COUNTER.updated],
      deleted_index: c[COUNTER.deleted],
    };
  }

  /** Events from another daemon on the same PostgreSQL database: a JSON array per transaction. */
  function onRemote(payload: string): void {
    for (const m of remoteMessages(payload, origin)) {
      const ev = decodeEvent(JSON.stringify(m));
      if (!ev) continue;
      if (ev.change === 'created' && typeof m.x === 'number' && started) expiry.armIfSooner(m.x);
      deliver(ev);
    }
  }

  async function start(): Promise<void> {
    if (started) return;
    started = true;
    if (database.dialect.listen) unlisten = await database.dialect.listen(onRemote);
    await track(sweepExpired());
    autoclean.start();
  }

  async function close(): Promise<void> {
    closed = true;
    expiry.stop();
    autoclean.stop();
    waiters.close();
    await Promise.allSettled([...tasks]);
    await queue.idle();
    await unlisten?.();
    unlisten = undefined;
  }

  return {
    create,
    createFromInvstring,
    storeInvoice,
    list: (p) => listInvoices({ db, codec }, p),
    delete: del,
    waitInvoice: (label, signal) => waitInvoice(waitCtx, label, signal),
    waitAnyInvoice: (last, timeout, signal) => waitAnyInvoice(waitCtx, last, timeout, signal),
    wait: (index, nextvalue, signal) => wait(waitCtx, index, nextvalue, signal),
    autocleanOnce,
    autocleanStatus,
    counts,
    close,
    start,
    getByPaymentHash: (hash) => store.findByPaymentHash(db, hash),
    markPaid,
    findPaidHtlc: (scid, id) => store.findPaidHtlc(db, scid, id),
    noteBlockheight,
    storedBlockheight: () => store.readBlockheight(db),
    setOfferPaidRule(rule) {
      offerPaidRule = rule;
    },
    onInvoiceChange(listener) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
    async idle() {
      while (tasks.size > 0) await Promise.allSettled([...tasks]);
      await queue.idle();
    },
    sleepingWaits: () => waiters.sleeping,
    sweepExpired: () => track(sweepExpired()),
    expireOfferInvoices,
  };
}
