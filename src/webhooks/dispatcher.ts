/**
 * Webhook delivery (docs/events.md). Each URL has its own worker, so a slow or dead endpoint delays only
 * its own deliveries, never RPC answers (which never wait for a delivery) nor other URLs. A worker posts
 * its URL's head delivery (the pending one with the smallest seq), records the outcome, and goes on with
 * the next, so each URL receives its events in seq order, at least once.
 *
 * - PostgreSQL: the head row is taken `FOR UPDATE SKIP LOCKED` in a transaction held during the POST, on
 *   a pool of its own (`claimDb`, not the RPC pool, and without the index write lock, so writes never
 *   wait for a webhook). Another daemon skips a held head, so exactly one daemon posts each event; if
 *   the holder dies, its transaction ends, the row is still pending, and the next scan posts it again.
 * - SQLite: one daemon; outcomes are written through the write queue, several in one transaction, no
 *   transaction spans a POST.
 *
 * A failed attempt (no 2xx within the timeout) is retried with exponential backoff and jitter until
 * `retryForMs` after the delivery was created; then it is marked failed and the URL moves on. Time and
 * randomness are injected; the POSTs themselves are made on a thread of their own (poster.ts).
 */
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { InvoiceDatabase } from '../invoice/store/db.js';
import { WriteQueue } from '../invoice/store/write-queue.js';
import type { CancelTimer, Clock, RandomSource } from '../util/clock.js';
import type { PriorityOutcome } from '../util/thread-priority.js';
import { retryDelay, unitRandom } from './backoff.js';
import * as store from './delivery-store.js';
import { createPoster } from './poster.js';
import { deliveryId, HEADER } from './signature.js';

/** Any Kysely handle on the database: the tables used are declared by the stores. */
// `any`: the handle's own table map does not matter here; the stores add theirs with withTables.
type AnyKysely = Kysely<any>;

export type AttemptOutcome = 'delivered' | 'retry' | 'failed';

export interface WebhookDispatcherDeps {
  readonly db: InvoiceDatabase;
  /** PostgreSQL: a second pool on the same database, for the row-locking delivery transactions. */
  readonly claimDb?: InvoiceDatabase;
  readonly secret: string;
  readonly clock: Clock;
  readonly random: RandomSource;
  readonly logger?: Logger;
  /** Time limit of one attempt (10 s). */
  readonly timeoutMs: number;
  /**
   * The poster thread's nice value (`--webhook-nice`, default 19: deliveries take the CPU that RPC leaves,
   * and still a share when none is left; never raised, so 0 leaves it at the daemon's); undefined leaves it
   * untouched.
   */
  readonly posterNice?: number;
  /** How long a delivery is retried before it is given up (24 h). */
  readonly retryForMs: number;
  /** How often pending deliveries are looked for besides the feed's wake-ups (default 30 s). */
  readonly scanIntervalMs?: number;
  readonly userAgent: string;
  /** Run before the reads that must see every delivery (listing, redelivery, backlog): routing waiting. */
  readonly beforeRead?: () => Promise<void>;
  /** Told after each attempt (metrics). */
  readonly onAttempt?: (outcome: AttemptOutcome, seconds: number) => void;
}

export interface WebhookDispatcher {
  /** Looks for pending deliveries now (after events commit, here or in another daemon): of `urls`, or all. */
  kick(urls?: Iterable<string>): void;
  list(q: { url?: string; status?: store.DeliveryStatus }): Promise<store.Delivery[]>;
  /** Delivers event `seq` again (to `url`, or to every URL it went to); returns the reset deliveries. */
  redeliver(seq: number, url?: string): Promise<store.Delivery[]>;
  /** `check webhook-redeliver`: whether `redeliver` would reset or add any delivery, from reads only. */
  wouldRedeliver(seq: number, url?: string): Promise<boolean>;
  backlog(): Promise<Array<{ url: string; pending: number }>>;
  start(): void;
  /** Stops the workers; an attempt in flight is abandoned (its delivery stays pending). */
  close(): Promise<void>;
}

/** Most deliveries of one URL posted in one run (SQLite: before their outcomes are recorded; PostgreSQL: in one transaction). */
const ROUND = 50;
/** Longest a delivered outcome waits to be recorded with others (SQLite; real time). */
const HOLD_MS = 100;
/** Longest recorded outcomes wait for other writes to carry them (SQLite; real time). */
const RIDE_MS = 2;
/** How long a local commit's deliveries wait for more to join their round (real time). */
const COALESCE_MS = 10;

type Outcome = store.AttemptRecord;

/** SQLite: a URL's outcomes posted but not yet recorded, and the last seq they reach. */
interface Held {
  outcomes: Array<[store.Delivery, Outcome]>;
  lastSeq?: number;
  timer?: NodeJS.Timeout;
  flushing?: Promise<void>;
}

type Step = { kind: 'progress' } | { kind: 'idle' } | { kind: 'wait'; ms: number };

interface Worker {
  busy: boolean;
  again: boolean;
  cancel?: CancelTimer;
}

export function createWebhookDispatcher(deps: WebhookDispatcherDeps): WebhookDispatcher {
  const { clock, logger } = deps;
  const db = deps.db.db;
  const queue = WriteQueue.shared(deps.db);
  const workers = new Map<string, Worker>();
  const held = new Map<string, Held>();
  const soon = new Map<string, NodeJS.Timeout>();
  const poster = createPoster({ timeoutMs: deps.timeoutMs, secret: deps.secret, nice: deps.posterNice, onPriority: (o) => logPriority(logger, o) });
  const running = new Set<Promise<void>>();
  let scanning = false;
  let rescan = false;
  let closed = false;
  let cancelScan: CancelTimer | undefined;

  /**
   * A write outside the index lock: PostgreSQL on the claim pool, SQLite through the write queue (`ride`:
   * in the next transaction other writes start, or one of its own within RIDE_MS).
   */
  const write = <T>(fn: (k: AnyKysely) => Promise<T>, ride = false): Promise<T> =>
    deps.claimDb ? deps.claimDb.db.transaction().execute(fn) : queue.run((tx) => fn(tx.db), ride ? { rideForMs: RIDE_MS } : {});

  function kick(urls?: Iterable<string>): void {
    if (closed) return;
    if (urls !== undefined) {
      for (const url of urls) startSoon(url);
      return;
    }
    if (scanning) {
      rescan = true;
      return;
    }
    scanning = true;
    store
      .pendingUrls(db)
      .then((urls) => urls.forEach(startWorker))
      .catch((err: unknown) => logger?.warn({ err: (err as Error).message }, 'webhook scan failed'))
      .finally(() => {
        scanning = false;
        if (rescan) {
          rescan = false;
          kick();
        }
      });
  }

  /**
   * Starts `url`'s worker within COALESCE_MS (real time): events committed meanwhile go in the same round,
   * one read and one message to the poster for all of them. A busy worker goes on with them at once.
   */
  function startSoon(url: string): void {
    const w = workers.get(url);
    if (w?.busy) return void (w.again = true);
    if (soon.has(url)) return;
    soon.set(
      url,
      setTimeout(() => {
        soon.delete(url);
        startWorker(url);
      }, COALESCE_MS).unref(),
    );
  }

  function startWorker(url: string): void {
    if (closed) return;
    let w = workers.get(url);
    if (!w) workers.set(url, (w = { busy: false, again: false }));
    if (w.busy) {
      w.again = true;
      return;
    }
    w.cancel?.();
    delete w.cancel;
    w.busy = true;
    const p = run(url, w);
    running.add(p);
    void p.finally(() => running.delete(p));
  }

  async function run(url: string, w: Worker): Promise<void> {
    try {
      for (;;) {
        w.again = false;
        const step = await (deps.claimDb ? attemptLocked(url) : attemptSingle(url));
        if (closed) return;
        if (step.kind === 'progress') continue;
        if (step.kind === 'wait') {
          w.cancel = clock.setTimer(step.ms, () => startWorker(url));
          return;
        }
        // Kicked during the round: the next one gathers what comes within COALESCE_MS (see finally).
        return;
      }
    } catch (err) {
      logger?.warn({ err: (err as Error).message, origin: originOf(url) }, 'webhook worker failed; retrying soon');
      if (!closed) w.cancel = clock.setTimer(1000, () => startWorker(url));
    } finally {
      w.busy = false;
      if (!w.cancel) workers.delete(url);
      if (w.again && !closed) startSoon(url);
    }
  }

  /**
   * SQLite: the single daemon reads the URL's next pending deliveries, posts them in order until one
   * fails, and records the outcomes together in one transaction: at once after a failure (its retry
   * time is the row's) or once ROUND are held, else within HOLD_MS, so that a steady trickle of events
   * costs one commit per HOLD_MS, not one per event. Rounds in between start after the last held seq.
   * A crash before that commit re-posts the held ones: at least once.
   */
  async function attemptSingle(url: string): Promise<Step> {
    let h = held.get(url);
    if (!h) held.set(url, (h = { outcomes: [] }));
    const round = await store.pendingOf(db, url, ROUND, h.lastSeq);
    if (round.length === 0) return { kind: 'idle' };
    let step: Step = { kind: 'progress' };
    const due: typeof round = [];
    for (const d of round) {
      const wait = d.next_attempt_at - clock.now();
      if (wait > 0) {
        step = { kind: 'wait', ms: wait };
        break;
      }
      due.push(d);
    }
    // Posted in order as one run, which stops at the first failure: later ones wait for it.
    const outcomes = await post(due);
    if (closed) return { kind: 'idle' }; // abandoned by close(): still pending
    const posted = outcomes.length;
    const failed = outcomes.some((o) => o.status !== 'delivered');
    outcomes.forEach((o, i) => h.outcomes.push([due[i]!, o]));
    if (posted > 0) h.lastSeq = due[posted - 1]!.seq;
    if (failed || step.kind === 'wait' || h.outcomes.length >= ROUND) await recordHeld(url);
    else if (h.outcomes.length > 0) h.timer ??= setTimeout(() => void recordHeld(url).catch(recordFailed), HOLD_MS).unref();
    // A short round that went through took all there was: done until the next kick (no empty read).
    if (step.kind === 'progress' && (posted === 0 || (!failed && round.length < ROUND))) return { kind: 'idle' };
    return step;
  }

  /** Records a URL's held outcomes in one transaction; once none is left, rounds start at the head again. */
  async function recordHeld(url: string): Promise<void> {
    const h = held.get(url);
    if (!h) return;
    clearTimeout(h.timer);
    delete h.timer;
    await h.flushing;
    const batch = h.outcomes.splice(0);
    if (batch.length === 0) return;
    const flushing = write((k) => store.recordAttempts(k, url, batch), true).finally(() => {
      // Failed or not, the rows say what is left: pending ones are posted again (at least once). Rounds
      // start at the head again, which picks up a delivery made pending before lastSeq meanwhile (redeliver).
      delete h.flushing;
      if (h.outcomes.length === 0 && h.lastSeq !== undefined) {
        delete h.lastSeq;
        if (!closed) startWorker(url);
      }
    });
    h.flushing = flushing;
    await flushing;
  }

  function recordFailed(err: unknown): void {
    logger?.warn({ err: (err as Error).message }, 'recording webhook outcomes failed; they are posted again');
    kick();
  }

  /**
   * PostgreSQL: the head is held FOR UPDATE SKIP LOCKED during the POSTs; others skip it. Holding the head
   * is holding the URL, so the pending deliveries after it are locked with it and posted in the same run
   * (in order, until one fails or is not due yet), and all their outcomes are written in this one
   * transaction: a commit per run, not per delivery.
   */
  async function attemptLocked(url: string): Promise<Step> {
    return deps.claimDb!.db.transaction().execute(async (trx): Promise<Step> => {
      const head = await store.headOf(trx, url, true);
      // Nothing pending, or another daemon is posting it (its scan or ours resumes if it dies).
      if (!head) return { kind: 'idle' };
      const wait = head.next_attempt_at - clock.now();
      if (wait > 0) return { kind: 'wait', ms: wait };
      const rest = await store.lockedAfterHead(trx, url, head.seq, ROUND - 1);
      const due = [head];
      for (const d of rest) {
        if (d.next_attempt_at > clock.now()) break;
        due.push(d);
      }
      const outcomes = await post(due);
      if (closed || outcomes.length === 0) return { kind: 'idle' }; // abandoned by close(): still pending
      await store.recordAttempts(
        trx,
        url,
        outcomes.map((o, i) => [due[i]!, o] as const),
      );
      // A short run that went through took all there was: done until the next kick (no empty transaction).
      const all = due.length === rest.length + 1 && rest.length < ROUND - 1;
      if (all && outcomes.length === due.length && outcomes.every((o) => o.status === 'delivered')) return { kind: 'idle' };
      return { kind: 'progress' };
    });
  }

  /** POSTs deliveries in order (signed) until one fails: the next state of each one attempted. */
  async function post(ds: ReadonlyArray<store.Delivery & { body: string }>): Promise<Outcome[]> {
    const attempts = await poster.postInOrder(
      ds.map((d) => ({
        url: d.url,
        headers: {
          'content-type': 'application/json',
          'user-agent': deps.userAgent,
          [HEADER.seq]: String(d.seq),
          [HEADER.delivery]: deliveryId(d.url, d.seq),
          [HEADER.attempt]: String(d.attempts + 1),
        },
        body: d.body,
        sign: true,
      })),
    );
    const now = clock.now();
    return attempts.map(({ status, error, seconds }, i) => {
      const d = ds[i]!;
      const n = d.attempts + 1;
      const outcome: AttemptOutcome = error === null ? 'delivered' : now - d.created_at >= deps.retryForMs ? 'failed' : 'retry';
      deps.onAttempt?.(outcome, seconds);
      if (outcome !== 'delivered') {
        logger?.warn({ origin: originOf(d.url), seq: d.seq, attempts: n, error, gave_up: outcome === 'failed' }, 'webhook attempt failed');
      }
      return {
        status: outcome === 'retry' ? 'pending' : outcome,
        attempts: n,
        next_attempt_at: outcome === 'retry' ? now + retryDelay(n, unitRandom(deps.random)) : now,
        now,
        last_status: status,
        last_error: error,
      };
    });
  }

  function scanLoop(): void {
    if (closed) return;
    cancelScan = clock.setTimer(deps.scanIntervalMs ?? 30_000, () => {
      kick();
      scanLoop();
    });
  }

  return {
    kick,
    async list(q) {
      await deps.beforeRead?.();
      return store.listDeliveries(db, q);
    },
    async redeliver(seq, url) {
      await deps.beforeRead?.();
      const now = clock.now();
      const out = await write(async (k) => {
        const reset = await store.resetDeliveries(k, seq, url, now);
        // A URL the event never went to (added since, or a receiver that wants it once more).
        if (reset.length === 0 && url !== undefined && (await store.eventExists(k, seq))) {
          await store.insertDeliveries(k, [{ url, seq }], now);
          return store.listDeliveries(k, { url }).then((all) => all.filter((d) => d.seq === seq));
        }
        return reset;
      });
      kick();
      return out;
    },
    async wouldRedeliver(seq, url) {
      await deps.beforeRead?.();
      if (await store.hasDeliveries(db, seq, url)) return true;
      return url !== undefined && store.eventExists(db, seq);
    },
    async backlog() {
      await deps.beforeRead?.();
      return store.backlog(db);
    },
    start() {
      kick();
      scanLoop();
    },
    async close() {
      closed = true;
      cancelScan?.();
      for (const w of workers.values()) w.cancel?.();
      for (const t of soon.values()) clearTimeout(t);
      await poster.close();
      await Promise.allSettled([...running]);
      // What was delivered is recorded before the database closes (not posted again after a restart).
      await Promise.allSettled([...held.keys()].map(recordHeld));
      await queue.idle();
    },
  };
}

/** Says at what priority the poster thread runs (it lowers its own, never raises it; where it cannot, why). */
function logPriority(logger: Logger | undefined, o: PriorityOutcome): void {
  if ('nice' in o) logger?.debug({ nice: o.nice }, 'webhook poster thread priority');
  else logger?.info({ reason: o.unchanged }, 'webhook poster thread keeps the daemon’s priority');
}

/** Scheme, host and port only: a URL's path or query may hold a token, which is not logged. */
function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return '?';
  }
}
