/**
 * Getting paid: decides each HTLC a bridge hands in (`htlc_accepted`), holds the parts of a multi-part
 * payment until their sum reaches `total_msat` or the set times out, and records the payment through the
 * engine before any part is answered `resolve` (DESIGN rule 4).
 *
 * Races CLN leaves open are closed here:
 * - replays: an HTLC is (`short_channel_id`, `id`). A re-sent HTLC still being decided shares the first
 *   one's answer; one that helped pay an invoice is answered `resolve` again from the database (also
 *   after a restart, so a crash between commit and answer never loses money); one refused recently gets
 *   the same refusal.
 * - expiry: the clock is checked when each HTLC arrives, a pending set fails the moment its invoice
 *   expires, and the engine's guarded update refuses an invoice that is no longer unpaid.
 * - deletion, expiry or payment by another set while parts wait fail the waiting set.
 */
import type { CancelTimer } from '../../util/clock.js';
import { nowSeconds } from '../../util/clock.js';
import { equalBytes } from '../../util/bytes.js';
import { toHex } from '../../util/hex.js';
import { addMsat, msat, type Msat } from '../../util/msat.js';
import { InvoiceError } from '../errors.js';
import type { Invoice } from '../invoice.js';
import {
  finalIncorrectHtlcAmount,
  incorrectOrUnknownPaymentDetails,
  mppTimeout,
  type HtlcFailure,
} from './htlc-failure.js';
import { blockHeightOf, htlcKey, type HtlcAccepted, type HtlcAcceptedResult } from './htlc-payload.js';
import { checkHtlcInvoice, checkHtlcOnion, totalMsatOf, type HtlcCheckContext } from './rules.js';
import { createBlockHeight, type BlockHeight } from '../block-height.js';
import type { HoldPayments } from '../hold/hold-engine.js';
import type { PaidHtlcPart, PaymentProcessor, PaymentProcessorOptions } from './processor-types.js';

export type {
  InvoiceChange,
  PaidHtlcPart,
  PaymentEngine,
  PaymentLogger,
  PaymentProcessor,
  PaymentProcessorOptions,
} from './processor-types.js';

/** CLN's MPP timeout (lightningd/htlc_set.c): BOLT 4 "SHOULD wait for at least 60 seconds". */
export const DEFAULT_MPP_TIMEOUT_MS = 70_000;

/** How many recent refusals are remembered to answer replays identically. */
const RECENT_FAILURES = 10_000;
/** How many hashes paid by this process are remembered to refuse late parts at once. */
const RECENTLY_PAID = 10_000;

interface Part {
  readonly p: HtlcAccepted;
  readonly resolve: (r: HtlcAcceptedResult) => void;
  readonly reject: (e: unknown) => void;
}

interface PendingSet {
  readonly hashHex: string;
  readonly invoice: Invoice;
  readonly total_msat: Msat;
  so_far: Msat;
  readonly parts: Part[];
  state: 'collecting' | 'paying' | 'done';
  cancelTimers: CancelTimer[];
}

const CONTINUE: HtlcAcceptedResult = Object.freeze({ result: 'continue' });

function failResult(f: HtlcFailure): HtlcAcceptedResult {
  return { result: 'fail', failure_message: f.message };
}

/** Builds the payment processor over the engine. */
export function createPaymentProcessor(opts: PaymentProcessorOptions): PaymentProcessor {
  const { engine, clock, logger } = opts;
  const mppTimeoutMs = opts.mppTimeoutMs ?? DEFAULT_MPP_TIMEOUT_MS;
  const heights: Pick<BlockHeight, 'current' | 'fromHtlc'> =
    opts.blockHeight ??
    createBlockHeight({
      initial: opts.initialBlockheight ?? 0,
      store: {
        raise: (h) => engine.noteBlockheight?.(h),
        write: async (h) => engine.writeBlockheight?.(h),
      },
      onRefused: (h, known) => logger.warn({ blockheight: h, known }, 'htlc block height too far above the known height: not taken'),
    });
  let closed = false;
  const sets = new Map<string, PendingSet>();
  const inflight = new Map<string, Promise<HtlcAcceptedResult>>();
  const recentFailures = new Map<string, { hashHex: string; message: Uint8Array }>();
  const recentlyPaid = new Map<string, true>();

  const unsubscribe = engine.onInvoiceChange((change) => {
    if (change.status === 'unpaid') return;
    const hashHex = toHex(change.payment_hash);
    const set = sets.get(hashHex);
    if (set?.state === 'collecting') {
      failSet(set, undefined, `invoice became ${change.status} while the set waited`);
    }
  });

  // Each HTLC is checked at the height its node reported with it, as CLN checks at its current height.
  const ctx = (p: HtlcAccepted): HtlcCheckContext => ({
    height: blockHeightOf(p.htlc),
    now: nowSeconds(clock),
    cltvFinal: opts.cltvFinal,
    ...(opts.bolt12InvoiceBase && { bolt12InvoiceBase: opts.bolt12InvoiceBase }),
  });

  const logFields = (p: HtlcAccepted): Record<string, unknown> => ({
    payment_hash: toHex(p.htlc.payment_hash),
    short_channel_id: p.htlc.short_channel_id,
    htlc_id: p.htlc.id.toString(),
    amount_msat: p.htlc.amount_msat.toString(),
  });

  function remember<K, V>(map: Map<K, V>, key: K, value: V, limit: number): void {
    map.delete(key);
    map.set(key, value);
    if (map.size > limit) map.delete(map.keys().next().value as K);
  }

  function refuse(p: HtlcAccepted, failure: HtlcFailure, reason: string): HtlcAcceptedResult {
    logger.debug({ ...logFields(p), failure: failure.name }, `htlc refused: ${reason}`);
    return failResult(failure);
  }

  /** Fails every part: with `failure`, or each with its own incorrect_or_unknown_payment_details. */
  function failSet(set: PendingSet, failure: HtlcFailure | undefined, reason: string): void {
    if (set.state === 'done') return;
    set.state = 'done';
    for (const c of set.cancelTimers) c();
    if (sets.get(set.hashHex) === set) sets.delete(set.hashHex);
    logger.debug(
      { payment_hash: set.hashHex, parts: set.parts.length, failure: failure?.name ?? 'incorrect_or_unknown_payment_details' },
      `payment set failed: ${reason}`,
    );
    for (const part of set.parts) {
      const f = failure ?? incorrectOrUnknownPaymentDetails(part.p.htlc.amount_msat, blockHeightOf(part.p.htlc));
      part.resolve(failResult(f));
    }
  }

  async function completeSet(set: PendingSet): Promise<void> {
    set.state = 'paying';
    for (const c of set.cancelTimers) c();
    const hold = set.invoice.holdstate !== undefined ? opts.hold?.() : undefined;
    if (hold) return holdSet(hold, set);
    const now = nowSeconds(clock);
    if (now >= set.invoice.expires_at) {
      failSet(set, undefined, 'invoice expired before the set completed');
      return;
    }
    const parts: PaidHtlcPart[] = set.parts.map((x) => ({
      short_channel_id: x.p.htlc.short_channel_id,
      id: x.p.htlc.id,
      amount_msat: x.p.htlc.amount_msat,
    }));
    try {
      await engine.markPaid(set.invoice.payment_hash, set.so_far, parts);
    } catch (e) {
      if (e instanceof InvoiceError && e.kind === 'Failed') {
        failSet(set, undefined, `invoice could not be marked paid: ${e.message}`);
        return;
      }
      // Unknown outcome (database error…): answer nothing final. The bridge replays; a committed
      // payment is then found by findPaidHtlc, an uncommitted one starts a new set.
      set.state = 'done';
      if (sets.get(set.hashHex) === set) sets.delete(set.hashHex);
      logger.warn({ payment_hash: set.hashHex, err: String(e) }, 'recording the payment failed; parts left for replay');
      for (const part of set.parts) part.reject(e);
      return;
    }
    if (opts.afterCommit) await opts.afterCommit(set.invoice.payment_hash);
    set.state = 'done';
    if (sets.get(set.hashHex) === set) sets.delete(set.hashHex);
    remember(recentlyPaid, set.hashHex, true, RECENTLY_PAID);
    logger.info(
      { payment_hash: set.hashHex, parts: parts.length, amount_received_msat: set.so_far.toString() },
      'invoice paid',
    );
    for (const part of set.parts) part.resolve({ result: 'resolve', payment_key: set.invoice.payment_preimage });
  }

  /** A hold invoice's complete set: accepted, then answered when settled or cancelled (hold-engine.ts). */
  async function holdSet(hold: HoldPayments, set: PendingSet): Promise<void> {
    let preimage: Uint8Array | undefined;
    try {
      preimage = await hold.holdSet(set.invoice, set.parts.map((x) => x.p.htlc));
    } catch (e) {
      set.state = 'done';
      if (sets.get(set.hashHex) === set) sets.delete(set.hashHex);
      for (const part of set.parts) part.reject(e);
      return;
    }
    if (!preimage) return failSet(set, undefined, 'hold invoice canceled');
    set.state = 'done';
    if (sets.get(set.hashHex) === set) sets.delete(set.hashHex);
    for (const part of set.parts) part.resolve({ result: 'resolve', payment_key: preimage });
  }

  function joinSet(p: HtlcAccepted, invoice: Invoice): Promise<HtlcAcceptedResult> {
    const hashHex = toHex(p.htlc.payment_hash);
    let resolve!: (r: HtlcAcceptedResult) => void;
    let reject!: (e: unknown) => void;
    const answer = new Promise<HtlcAcceptedResult>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    const part: Part = { p, resolve, reject };
    const total = msat(totalMsatOf(p));
    let set = sets.get(hashHex);
    if (set?.state === 'paying') {
      return Promise.resolve(
        refuse(p, incorrectOrUnknownPaymentDetails(p.htlc.amount_msat, blockHeightOf(p.htlc)), 'another set is paying this invoice'),
      );
    }
    if (!set) {
      if (recentlyPaid.has(hashHex)) {
        return Promise.resolve(
          refuse(p, incorrectOrUnknownPaymentDetails(p.htlc.amount_msat, blockHeightOf(p.htlc)), 'already paid invoice'),
        );
      }
      const created: PendingSet = {
        hashHex,
        invoice,
        total_msat: total,
        so_far: msat(0n),
        parts: [],
        state: 'collecting',
        cancelTimers: [],
      };
      // BOLT 4: "MUST fail all HTLCs in the HTLC set after some reasonable timeout"; "SHOULD use
      // `mpp_timeout` for the failure message".
      created.cancelTimers.push(
        clock.setTimer(mppTimeoutMs, () => {
          if (created.state === 'collecting') failSet(created, mppTimeout(), `timed out after ${mppTimeoutMs} ms`);
        }),
      );
      const untilExpiry = invoice.expires_at * 1000 - clock.now();
      created.cancelTimers.push(
        clock.setTimer(untilExpiry, () => {
          if (created.state === 'collecting') failSet(created, undefined, 'invoice expired while the set waited');
        }),
      );
      sets.set(hashHex, created);
      set = created;
    }
    set.parts.push(part);
    // BOLT 4: "SHOULD fail the entire HTLC set if `total_msat` is not the same for all HTLCs in the set."
    if (total !== set.total_msat) {
      failSet(
        set,
        finalIncorrectHtlcAmount(p.htlc.amount_msat),
        `total_msat ${total} differs from the set's ${set.total_msat}`,
      );
      return answer;
    }
    try {
      set.so_far = addMsat(set.so_far, p.htlc.amount_msat);
    } catch {
      failSet(set, finalIncorrectHtlcAmount(p.htlc.amount_msat), 'amount overflow adding to the set');
      return answer;
    }
    logger.debug(
      { ...logFields(p), parts: set.parts.length, so_far_msat: set.so_far.toString(), total_msat: total.toString() },
      'htlc added to payment set',
    );
    // BOLT 4: "if the total `amt_to_forward` of this HTLC set is equal to or greater than `total_msat`:
    // SHOULD fulfill all HTLCs in the HTLC set".
    if (set.so_far >= set.total_msat) void completeSet(set);
    return answer;
  }

  async function decide(p: HtlcAccepted, key: string): Promise<HtlcAcceptedResult> {
    const hashHex = toHex(p.htlc.payment_hash);
    // A refused HTLC never joined a set, so it cannot have been paid since: answer from memory.
    const recent = recentFailures.get(key);
    if (recent && recent.hashHex === hashHex) {
      logger.debug(logFields(p), 'replayed htlc: same refusal as before');
      return { result: 'fail', failure_message: recent.message };
    }
    // Both reads at once: one round trip of latency per HTLC instead of two.
    let [paid, invoice] = await Promise.all([
      engine.findPaidHtlc(p.htlc.short_channel_id, p.htlc.id),
      engine.getByPaymentHash(p.htlc.payment_hash),
    ]);
    // Side by side, a payment (or a hold invoice's settle) committed between the two reads shows in the
    // invoice but not in the HTLC records: read those again, now that the invoice says it is paid.
    if (!paid && invoice?.status === 'paid') paid = await engine.findPaidHtlc(p.htlc.short_channel_id, p.htlc.id);
    if (paid) {
      if (equalBytes(paid.payment_hash, p.htlc.payment_hash)) {
        logger.debug(logFields(p), 'replayed htlc of a paid set: resolving again');
        return { result: 'resolve', payment_key: paid.preimage };
      }
      logger.warn(logFields(p), 'htlc id already recorded for another payment hash');
    }
    if (!invoice) {
      logger.debug(logFields(p), 'not one of our invoices: continue');
      return CONTINUE;
    }
    // Only an HTLC for one of our invoices may move the known height (block-height.ts).
    if (heights.fromHtlc(blockHeightOf(p.htlc))) opts.hold?.()?.onBlockheight(heights.current());
    const hold = invoice.holdstate !== undefined ? opts.hold?.() : undefined;
    const held = hold && (await hold.check(p, invoice));
    if (held) return held;
    const c = ctx(p);
    const refusal = checkHtlcOnion(p, c) ?? checkHtlcInvoice(p, invoice, c);
    if (refusal) return refuse(p, refusal.failure, refusal.reason);
    return joinSet(p, invoice);
  }

  return {
    htlcAccepted(p: HtlcAccepted): Promise<HtlcAcceptedResult> {
      if (closed) return Promise.reject(new InvoiceError('ShuttingDown', 'Shutting down'));
      const key = htlcKey(p.htlc.short_channel_id, p.htlc.id);
      // A re-sent HTLC whose first copy is still being decided shares its answer: never counted twice.
      const pending = inflight.get(key);
      if (pending) {
        logger.debug(logFields(p), 'replayed htlc still pending: sharing its answer');
        return pending;
      }
      const answer = decide(p, key).then((r) => {
        if (r.result === 'fail') {
          remember(recentFailures, key, { hashHex: toHex(p.htlc.payment_hash), message: r.failure_message }, RECENT_FAILURES);
        }
        return r;
      });
      inflight.set(key, answer);
      const forget = () => {
        if (inflight.get(key) === answer) inflight.delete(key);
      };
      answer.then(forget, forget);
      return answer;
    },
    blockheight: () => heights.current(),
    pendingSets: () => sets.size,
    close(): void {
      if (closed) return;
      closed = true;
      if (typeof unsubscribe === 'function') unsubscribe();
      for (const set of [...sets.values()]) {
        if (set.state !== 'collecting') continue;
        set.state = 'done';
        for (const c of set.cancelTimers) c();
        for (const part of set.parts) part.reject(new InvoiceError('ShuttingDown', 'Shutting down'));
      }
      sets.clear();
    },
  };
}
