/**
 * Hold invoices (issue 15): invoices whose HTLCs the daemon holds, once a whole set has arrived, until
 * the merchant settles (the HTLCs are fulfilled with the preimage) or cancels (they fail with
 * `incorrect_or_unknown_payment_details`). The commands are the holdinvoice plugin's; the invoice may
 * also be made from a payment hash alone, lnd's way, and settled with the preimage.
 *
 * Every transition commits in the invoice engine's write transaction, with its `updated` bump, through
 * one guarded statement of hold-store.ts, so a settle, a cancel, an auto-cancel and the expiry sweep
 * racing for one invoice have exactly one winner. What is held in memory is only who waits for the
 * answer: a restarted daemon recognises the node's replays of an accepted set from `hold_htlcs`.
 */
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import { nowSeconds, type CancelTimer, type Clock } from '../../util/clock.js';
import { toHex } from '../../util/hex.js';
import type { CreatedInvoice, CreateInvoiceParams } from '../api.js';
import type { InvoiceDb } from '../store/schema.js';
import { composeExtensions, type CreateExtension } from '../engine-hooks.js';
import type { InvoiceEngineImpl } from '../engine.js';
import { InvoiceError } from '../errors.js';
import { ExpiryTimer } from '../engine/expiry-timer.js';
import { incorrectOrUnknownPaymentDetails } from '../payments/htlc-failure.js';
import type { HtlcAccepted, HtlcAcceptedResult, HtlcInfo } from '../payments/htlc-payload.js';
import type { Invoice } from '../invoice.js';
import * as store from '../store/store.js';
import type { WriteTx } from '../store/write-queue.js';
import * as holdStore from './hold-store.js';
import { cancelStep, holdCreateExpiry, lateSettle, lookupState, settleHash, settleStep, wrongState } from './hold-rules.js';
import {
  acceptedDeadlinePassed,
  DEFAULT_HOLD_DEADLINES,
  holdstateOf,
  openDeadlinePassed,
  type HoldDeadlines,
  type Holdstate,
} from './holdstate.js';

/** `holdinvoice`: `invoice`'s parameters (cltv required by the binder), or a payment hash instead of a preimage. */
export interface CreateHoldParams extends CreateInvoiceParams {
  readonly payment_hash?: Uint8Array;
}

export interface HoldLookup {
  readonly state: Holdstate;
  /** ACCEPTED only: the lowest cltv_expiry of the held set. */
  readonly htlc_expiry?: number;
}

/** What the payment processor asks of hold invoices (payment-processor.ts). */
export interface HoldPayments {
  /**
   * An HTLC for a hold invoice, before the ordinary checks: the answer for one that is not OPEN (a replay
   * of the accepted set waits for the settle or cancel; anything else fails), or undefined to go on.
   */
  check(p: HtlcAccepted, invoice: Invoice): Promise<HtlcAcceptedResult | undefined>;
  /**
   * A complete set for a hold invoice: records it ACCEPTED and resolves, once settled, with the preimage,
   * or with undefined once cancelled (or if it could not be accepted). Rejects when the outcome is
   * unknown (a database error, shutdown), so the parts are left for the node to replay.
   */
  holdSet(invoice: Invoice, htlcs: readonly HtlcInfo[]): Promise<Uint8Array | undefined>;
  /** A new highest block height: cancels what is now too close to its HTLCs' expiry. */
  onBlockheight(height: number): void;
}

export interface HoldInvoiceEngine extends HoldPayments {
  create(p: CreateHoldParams, ext?: CreateExtension): Promise<CreatedInvoice>;
  /** `holdinvoicesettle`: payment_hash, or payment_preimage alone (which gives the hash). */
  settle(payment_hash: Uint8Array | undefined, payment_preimage: Uint8Array | undefined): Promise<Holdstate>;
  cancel(payment_hash: Uint8Array): Promise<Holdstate>;
  /**
   * `check holdinvoice` / `holdinvoicesettle` / `holdinvoicecancel` / `holdinvoicelookup`: the refusals
   * of `create`, `settle`, `cancel` and `lookup`, from reads only (a late settle is refused as the real
   * one is, without cancelling; a lookup does not wait).
   */
  checkCreate(p: CreateHoldParams, ext?: CreateExtension): Promise<void>;
  checkSettle(payment_hash: Uint8Array | undefined, payment_preimage: Uint8Array | undefined): Promise<void>;
  checkCancel(payment_hash: Uint8Array): Promise<void>;
  checkLookup(payment_hash: Uint8Array): Promise<void>;
  /** `holdinvoicelookup`: waits (up to `timeoutMs`) until a settled or cancelled set's HTLCs were answered. */
  lookup(payment_hash: Uint8Array, signal?: AbortSignal): Promise<HoldLookup>;
  /** Cancels what passed its deadline while the daemon was down; arms the timer. */
  start(): Promise<void>;
  /** Fails the waits for held answers with ShuttingDown (the node replays them to the next daemon). */
  close(): void;
  /** Answers waiting in this daemon for a settle or cancel (tests, metrics). */
  heldParts(): number;
  /** Resolves when no deadline sweep is running (tests). */
  idle(): Promise<void>;
}

export interface HoldInvoiceDeps {
  readonly engine: InvoiceEngineImpl;
  readonly db: Kysely<InvoiceDb>;
  readonly clock: Clock;
  /** The node's current block height (the payment processor's). */
  readonly blockheight: () => number;
  readonly deadlines?: Partial<HoldDeadlines>;
  /** `--invoice-expiry`, the default expiry (seconds). */
  readonly defaultExpiry?: number;
  /** How long `holdinvoicelookup` waits for held answers to go out (default 20 s, as the plugin). */
  readonly lookupTimeoutMs?: number;
  readonly logger?: Logger;
}

const SWEEP_BATCH = 100;


interface Waiting {
  readonly resolve: (preimage: Uint8Array | undefined) => void;
  readonly reject: (e: unknown) => void;
}

export function createHoldInvoiceEngine(deps: HoldInvoiceDeps): HoldInvoiceEngine {
  const { engine, db, clock, logger } = deps;
  const hooks = engine.hooks;
  const d: HoldDeadlines = { ...DEFAULT_HOLD_DEADLINES, ...deps.deadlines };
  const lookupTimeoutMs = deps.lookupTimeoutMs ?? 20_000;
  /** Who waits for the answer of each held payment hash (hex). */
  const held = new Map<string, Waiting[]>();
  /** `holdinvoicelookup`s waiting for a hash's held answers to go out. */
  const drained = new Map<string, Array<() => void>>();
  let closed = false;
  let heightSwept = 0;
  const tasks = new Set<Promise<unknown>>();
  const track = (p: Promise<unknown>, what: string): void => {
    const t = p.catch((err) => logger?.error({ err }, `${what} failed`)).finally(() => tasks.delete(t));
    tasks.add(t);
  };

  const timer = new ExpiryTimer(clock, () => track(sweepTime(), 'hold sweep'));

  const unlisten = engine.onInvoiceChange((c) => {
    if (held.has(toHex(c.payment_hash))) void release(c.payment_hash);
  });

  /** Answers whoever waits on `hash` if its invoice is settled, cancelled, expired or gone. */
  async function release(hash: Uint8Array): Promise<void> {
    const hex = toHex(hash);
    let inv: Invoice | undefined;
    try {
      inv = await engine.getByPaymentHash(hash);
    } catch (err) {
      logger?.warn({ payment_hash: hex, err: String(err) }, 'reading a hold invoice failed; answers left waiting');
      return;
    }
    const state = inv ? holdstateOf(inv) : 'CANCELED';
    if (state !== 'SETTLED' && state !== 'CANCELED') return;
    const list = held.get(hex) ?? [];
    held.delete(hex);
    logger?.info({ payment_hash: hex, parts: list.length, holdstate: state }, 'held HTLCs answered');
    for (const w of list) w.resolve(state === 'SETTLED' ? inv?.payment_preimage : undefined);
    for (const done of drained.get(hex)?.splice(0) ?? []) done();
    drained.delete(hex);
  }

  function waitFor(hash: Uint8Array): Promise<Uint8Array | undefined> {
    if (closed) return Promise.reject(new InvoiceError('ShuttingDown', 'Shutting down'));
    const hex = toHex(hash);
    return new Promise((resolve, reject) => {
      const list = held.get(hex) ?? [];
      list.push({ resolve, reject });
      held.set(hex, list);
      // It may have been settled or cancelled between the caller's read and now.
      void release(hash);
    });
  }

  /**
   * The cancel transition in its own transaction (idempotent: CANCELED stays so; SETTLED is refused).
   * `reason` is logged for an auto-cancel. Returns the state after it.
   */
  async function cancelNow(hash: Uint8Array, reason: string | undefined): Promise<Holdstate> {
    const state = await hooks.write(async (tx) => {
      if (!cancelStep(await store.findByPaymentHash(tx.db, hash), hash)) return 'CANCELED' as const;
      await cancelIn(tx, hash);
      return 'CANCELED' as const;
    });
    if (reason !== undefined) logger?.info({ payment_hash: toHex(hash), reason }, 'hold invoice auto-cancelled');
    return state;
  }

  async function cancelIn(tx: WriteTx, hash: Uint8Array): Promise<Invoice> {
    const value = await hooks.nextUpdated(tx);
    const row = await holdStore.cancelHold(tx.db, hash, value);
    if (!row) throw new Error('hold cancel lost a row it had read under the write lock');
    hooks.bumpUpdated(tx, 'hold_canceled', row, value);
    return row;
  }

  async function create(p: CreateHoldParams, ext?: CreateExtension): Promise<CreatedInvoice> {
    const expiry = holdCreateExpiry(p, deps.defaultExpiry ?? 3600, d);
    const { payment_hash, ...rest } = p;
    const hold: CreateExtension = {
      ...(payment_hash ? { payment_hash } : {}),
      after: (tx, inv) => holdStore.openHold(tx.db, inv.created_index),
    };
    const created = await engine.create({ ...rest, expiry }, composeExtensions(ext, hold));
    timer.armIfSooner(created.invoice.expires_at - d.cancelBeforeInvoiceExpiry);
    return created;
  }

  async function settle(hashIn: Uint8Array | undefined, given: Uint8Array | undefined): Promise<Holdstate> {
    const hash = settleHash(hashIn, given);
    const outcome = await hooks.write(async (tx) => {
      const step = settleStep(await store.findByPaymentHash(tx.db, hash), hash, given, settleAt());
      if (step.kind === 'settled') return { state: 'SETTLED' as const };
      // Too late: the cancel wins, in this transaction, and the settle is refused after it commits.
      if (step.kind === 'late') {
        await cancelIn(tx, hash);
        return { state: 'CANCELED' as const, late: step.late };
      }
      if (!(await holdStore.settleHold(tx.db, hash, step.preimage))) throw wrongState('ACCEPTED');
      const htlcs = await holdStore.heldHtlcs(tx.db, hash);
      await hooks.markPaidIn(tx, hash, holdStore.heldAmount(htlcs), htlcs);
      return { state: 'SETTLED' as const };
    });
    if (outcome.late) {
      logger?.info({ payment_hash: toHex(hash), reason: outcome.late }, 'hold invoice auto-cancelled');
      throw lateSettle(outcome.late);
    }
    return outcome.state;
  }

  async function lookup(hash: Uint8Array, signal?: AbortSignal): Promise<HoldLookup> {
    const inv = await engine.getByPaymentHash(hash);
    const state = lookupState(inv, hash);
    if (inv && state === 'ACCEPTED') return { state, ...(inv.htlc_expiry !== undefined ? { htlc_expiry: inv.htlc_expiry } : {}) };
    const hex = toHex(hash);
    if ((state === 'SETTLED' || state === 'CANCELED') && held.has(hex)) {
      // Wait until the held HTLCs were answered (settled or returned), as the plugin's lookup does.
      let cancel: CancelTimer | undefined;
      try {
        await new Promise<void>((resolve, reject) => {
          const list = drained.get(hex) ?? [];
          list.push(resolve);
          drained.set(hex, list);
          const what = state === 'SETTLED' ? 'settlement could be confirmed' : 'cancellation of all related htlcs was finished';
          cancel = clock.setTimer(lookupTimeoutMs, () => reject(new InvoiceError('Failed', `holdinvoicelookup: Timed out before ${what}`)));
          signal?.addEventListener('abort', () => reject(new InvoiceError('Failed', 'Wait aborted')), { once: true });
          void release(hash);
        });
      } finally {
        cancel?.();
      }
    }
    return { state };
  }

  const settleAt = () => ({ now: nowSeconds(clock), blockheight: deps.blockheight(), d });

  function refusal(p: HtlcAccepted, reason: string): HtlcAcceptedResult {
    logger?.debug({ payment_hash: toHex(p.htlc.payment_hash), htlc_id: p.htlc.id.toString() }, `hold htlc refused: ${reason}`);
    return { result: 'fail', failure_message: incorrectOrUnknownPaymentDetails(p.htlc.amount_msat, deps.blockheight()).message };
  }

  async function answerHeld(hash: Uint8Array, p: HtlcAccepted): Promise<HtlcAcceptedResult> {
    const preimage = await waitFor(hash);
    return preimage ? { result: 'resolve', payment_key: preimage } : refusal(p, 'hold invoice canceled');
  }

  async function check(p: HtlcAccepted, invoice: Invoice): Promise<HtlcAcceptedResult | undefined> {
    const state = holdstateOf(invoice);
    const hash = invoice.payment_hash;
    if (state === 'OPEN') {
      const passed = openDeadlinePassed(invoice, nowSeconds(clock), d);
      if (!passed) return undefined;
      await cancelNow(hash, passed).catch(() => undefined);
      return refusal(p, `hold invoice ${passed}`);
    }
    if (state === 'ACCEPTED' && (await holdStore.isHeldHtlc(db, hash, p.htlc.short_channel_id, p.htlc.id))) {
      return answerHeld(hash, p);
    }
    return refusal(p, `hold invoice is ${state ?? 'not a hold invoice'}`);
  }

  async function holdSet(invoice: Invoice, htlcs: readonly HtlcInfo[]): Promise<Uint8Array | undefined> {
    const hash = invoice.payment_hash;
    const now = nowSeconds(clock);
    const htlc_expiry = Math.min(...htlcs.map((h) => h.cltv_expiry));
    const passed = openDeadlinePassed(invoice, now, d) ?? acceptedDeadlinePassed(invoice, htlc_expiry, now, deps.blockheight(), d);
    if (passed) {
      await cancelNow(hash, passed).catch(() => undefined);
      return undefined;
    }
    try {
      await hooks.write(async (tx) => {
        const value = await hooks.nextUpdated(tx);
        const row = await holdStore.acceptHold(tx.db, { payment_hash: hash, now, updated_index: value, htlcs });
        if (!row) throw new InvoiceError('Failed', 'hold invoice is not OPEN any more');
        hooks.bumpUpdated(tx, 'hold_accepted', row, value);
      });
    } catch (e) {
      if (e instanceof InvoiceError && e.kind === 'Failed') return undefined;
      throw e;
    }
    logger?.info({ payment_hash: toHex(hash), parts: htlcs.length, htlc_expiry }, 'hold invoice accepted');
    timer.armIfSooner(invoice.expires_at);
    return waitFor(hash);
  }

  async function sweepTime(): Promise<void> {
    if (closed) return;
    for (;;) {
      const now = nowSeconds(clock);
      const due = await holdStore.dueByTime(db, now, d.cancelBeforeInvoiceExpiry, SWEEP_BATCH);
      for (const inv of due) {
        const why = inv.holdstate === 'OPEN' ? openDeadlinePassed(inv, now, d) : 'the invoice expired';
        await cancelNow(inv.payment_hash, why ?? 'deadline').catch((err) => logger?.warn({ err: String(err) }, 'hold auto-cancel failed'));
      }
      if (due.length < SWEEP_BATCH || closed) break;
    }
    if (!closed) timer.arm(await holdStore.nextTimeDeadline(db, d.cancelBeforeInvoiceExpiry));
  }

  async function sweepBlocks(height: number): Promise<void> {
    for (;;) {
      const due = await holdStore.dueByBlock(db, height, d.cancelBeforeHtlcExpiry, SWEEP_BATCH);
      for (const inv of due) {
        const why = acceptedDeadlinePassed(inv, inv.htlc_expiry ?? 0, nowSeconds(clock), height, d) ?? 'deadline';
        await cancelNow(inv.payment_hash, why).catch((err) => logger?.warn({ err: String(err) }, 'hold auto-cancel failed'));
      }
      if (due.length < SWEEP_BATCH || closed) break;
    }
  }

  return {
    create,
    settle,
    cancel: (hash) => cancelNow(hash, undefined),
    async checkCreate(p, ext) {
      const expiry = holdCreateExpiry(p, deps.defaultExpiry ?? 3600, d);
      const { payment_hash, ...rest } = p;
      await engine.checkCreateStored({ ...rest, expiry }, composeExtensions(ext, payment_hash ? { payment_hash } : undefined));
    },
    async checkSettle(hashIn, given) {
      const hash = settleHash(hashIn, given);
      const step = settleStep(await engine.getByPaymentHash(hash), hash, given, settleAt());
      if (step.kind === 'late') throw lateSettle(step.late);
    },
    checkCancel: async (hash) => void cancelStep(await engine.getByPaymentHash(hash), hash),
    checkLookup: async (hash) => void lookupState(await engine.getByPaymentHash(hash), hash),
    lookup,
    check,
    holdSet,
    onBlockheight(height) {
      if (closed || height <= heightSwept) return;
      heightSwept = height;
      track(sweepBlocks(height), 'hold block sweep');
    },
    async start() {
      await sweepTime();
      const h = deps.blockheight();
      if (h > 0) {
        heightSwept = h;
        await sweepBlocks(h);
      }
    },
    close() {
      closed = true;
      timer.stop();
      if (typeof unlisten === 'function') unlisten();
      const err = new InvoiceError('ShuttingDown', 'Shutting down');
      for (const list of held.values()) for (const w of list) w.reject(err);
      held.clear();
    },
    heldParts: () => [...held.values()].reduce((n, l) => n + l.length, 0),
    async idle() {
      while (tasks.size > 0) await Promise.allSettled([...tasks]);
      await engine.idle();
    },
  };
}
