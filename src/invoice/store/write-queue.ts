/**
 * Group commit. Every change to the invoice store goes through one queue per daemon: the operations that
 * are waiting when the queue runs share ONE write transaction (`BEGIN IMMEDIATE` on SQLite; on
 * PostgreSQL `BEGIN` plus the index advisory lock), each inside its own savepoint so one failing
 * operation (a duplicate label) undoes only itself (an `atomic` one needs none; on PostgreSQL a batch of
 * them is started together, so their inserts travel as one statement). Promises resolve only after COMMIT
 * returned, so nothing is acknowledged before it is durable (DESIGN rule 4); the after-commit hooks
 * (waking waiters) run then too, in commit order. Reads never pass through here, so no one waits for a commit it does not
 * need; an operation arriving while a batch commits joins the next batch.
 */
import { CompiledQuery, type Kysely } from 'kysely';
import type { PendingEvent } from '../../events/event-types.js';
import type { InvoiceDb } from './schema.js';
import type { InvoiceDatabase } from './db.js';
import { execute, runDirect } from './prepared.js';
import type { WriteTx } from './write-tx.js';

export type { WriteHooks, WriteTx } from './write-tx.js';

export type WriteOp<T> = (tx: WriteTx) => Promise<T>;

// Fixed statements, compiled once.
const SAVEPOINT = CompiledQuery.raw('savepoint op');
const RELEASE = CompiledQuery.raw('release savepoint op');
const ROLLBACK_TO = CompiledQuery.raw('rollback to savepoint op');
// One round trip instead of two between operations, where the driver runs several statements at once.
const RELEASE_AND_SAVEPOINT = CompiledQuery.raw('release savepoint op; savepoint op');
const ROLLBACK_TO_AND_RELEASE = CompiledQuery.raw('rollback to savepoint op; release savepoint op');
const COMMIT = CompiledQuery.raw('commit');
const ROLLBACK = CompiledQuery.raw('rollback');

type Outcome = { ok: true; value: unknown; after: Array<() => void> } | { ok: false; error: unknown };

/** What one operation sees of its transaction, and what it leaves for after the commit. */
function opTx(conn: Kysely<InvoiceDb>, notifies: boolean) {
  const after: Array<() => void> = [];
  const notes: string[] = [];
  const evs: PendingEvent[] = [];
  const tx: WriteTx = {
    db: conn,
    after: (fn) => after.push(fn),
    notify: (message) => {
      if (notifies) notes.push(JSON.stringify(message));
    },
    event: (type, subject) => void evs.push({ type, subject }),
  };
  return { tx, after, notes, evs };
}

interface Pending {
  readonly op: WriteOp<unknown>;
  readonly atomic: boolean;
  readonly resolve: (v: unknown) => void;
  readonly reject: (e: unknown) => void;
}

/** Options: the most operations one transaction carries (default 256). */
export interface WriteQueueOptions {
  readonly maxBatch?: number;
}

/** How one operation runs. */
export interface RunOptions {
  /**
   * The operation writes with ONE statement, which writes all or nothing, and throws only when that
   * statement wrote nothing (a refusal after an `ON CONFLICT DO NOTHING`) or failed: it then needs no
   * savepoint in a batch, which saves two statements (a round trip on PostgreSQL). If it fails with an
   * error after which the dialect says the transaction is lost (`StoreDialect.transactionLost`), the batch
   * fails as a failed COMMIT does: every operation in it rejects and nothing is written.
   */
  readonly atomic?: boolean;
  /**
   * Bookkeeping that can wait: the operation starts no transaction of its own but rides in the next one
   * other operations start, or in one of its own after this many milliseconds (at once when the queue is
   * asked to go idle). Under load it then costs no commit (webhook outcomes).
   */
  readonly rideForMs?: number;
}

export class WriteQueue {
  private queue: Pending[] = [];
  /** Operations waiting to ride in the next batch (RunOptions.rideForMs). */
  private riders: Pending[] = [];
  private riderTimer: NodeJS.Timeout | undefined;
  private running = false;
  private scheduled = false;
  private idleWaiters: Array<() => void> = [];
  private readonly maxBatch: number;

  /** NOTIFY payloads stay well under PostgreSQL's 8000-byte limit. */
  static readonly MAX_PAYLOAD = 7000;

  private static readonly byDatabase = new WeakMap<InvoiceDatabase, WriteQueue>();

  /**
   * The one queue of `database` (the same handle object, hooks included), shared by every module that
   * writes through it: invoices, offers, the outbox, webhook outcomes and currency rates then commit
   * together, one transaction and one fsync for all that is waiting, instead of one each.
   */
  static shared(database: InvoiceDatabase): WriteQueue {
    let q = WriteQueue.byDatabase.get(database);
    if (!q) WriteQueue.byDatabase.set(database, (q = new WriteQueue(database)));
    return q;
  }

  constructor(
    private readonly database: InvoiceDatabase,
    opts: WriteQueueOptions = {},
  ) {
    this.maxBatch = opts.maxBatch ?? 256;
  }

  /** Queues `op`; resolves with its result once the transaction holding it has committed. */
  run<T>(op: WriteOp<T>, opts: RunOptions = {}): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const p: Pending = { op, atomic: opts.atomic === true, resolve: resolve as (v: unknown) => void, reject };
      if (opts.rideForMs !== undefined) {
        this.riders.push(p);
        this.riderTimer ??= setTimeout(() => this.boardRiders(), opts.rideForMs);
        return;
      }
      this.queue.push(p);
      this.schedule();
    });
  }

  /** Resolves when nothing is queued or running (riders are sent on their way at once). */
  idle(): Promise<void> {
    if (this.riders.length > 0) this.boardRiders();
    if (!this.running && !this.scheduled && this.queue.length === 0) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  /** The riders' wait is over: they go in the next batch, started for them if need be. */
  private boardRiders(): void {
    this.queue.push(...this.takeRiders());
    this.schedule();
  }

  /** The waiting riders, whose wait ends now. */
  private takeRiders(): Pending[] {
    clearTimeout(this.riderTimer);
    this.riderTimer = undefined;
    return this.riders.splice(0);
  }

  private schedule(): void {
    if (this.running || this.scheduled) return;
    this.scheduled = true;
    // setImmediate (not a microtask): requests that arrive in the same I/O turn join the batch.
    setImmediate(() => {
      this.scheduled = false;
      void this.flush();
    });
  }

  private async flush(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, this.maxBatch);
        // Waiting riders join a batch that is starting anyway, as its last operations.
        if (this.riders.length > 0) batch.push(...this.takeRiders());
        await this.runBatch(batch);
      }
    } finally {
      this.running = false;
      if (this.queue.length > 0) this.schedule();
      else for (const w of this.idleWaiters.splice(0)) w();
    }
  }

  /**
   * Runs atomic operations side by side: each is started in the batch's order, and each writes with one
   * statement, its first step, so the store may send those statements together (on PostgreSQL the inserts of
   * new invoices go as one, store/pg-invoice-batch.ts). Outcomes, events and messages are taken in the
   * batch's order, as if the operations had run one after another.
   */
  private async runSideBySide(conn: Kysely<InvoiceDb>, batch: readonly Pending[], outcomes: Outcome[], messages: string[], events: PendingEvent[]): Promise<void> {
    const notifies = this.database.dialect.notify !== undefined;
    const done = await Promise.all(
      batch.map(async (p) => {
        const c = opTx(conn, notifies);
        try {
          return { ...c, ok: true as const, value: await p.op(c.tx) };
        } catch (error) {
          return { ok: false as const, error };
        }
      }),
    );
    for (const d of done) {
      if (!d.ok) {
        // An atomic operation that failed wrote nothing, unless the transaction itself is gone.
        if (this.database.dialect.transactionLost(d.error)) throw d.error;
        outcomes.push({ ok: false, error: d.error });
        continue;
      }
      outcomes.push({ ok: true, value: d.value, after: d.after });
      messages.push(...d.notes);
      events.push(...d.evs);
    }
  }

  private async runBatch(batch: Pending[]): Promise<void> {
    const { db, dialect } = this.database;
    // Where the dialect gains by it, a batch of atomic operations is started together (runSideBySide).
    const sideBySide = dialect.concurrentAtomic === true && batch.length > 1 && batch.every((p) => p.atomic);
    const outcomes: Outcome[] = [];
    const messages: string[] = [];
    const events: PendingEvent[] = [];
    const afterBatch: Array<() => void> = [];
    const hooks = this.database.hooks;
    const started = performance.now();
    try {
      await db.connection().execute(async (conn) => {
        // SQLite: this connection is the transaction's until it commits, so its statements run at once.
        if (this.database.direct) runDirect(conn, this.database.direct);
        await dialect.beginWrite(conn);
        try {
          // A lone operation needs no savepoint: if it fails, the whole transaction is rolled back.
          const useSavepoints = batch.length > 1;
          const multi = dialect.multiStatement === true;
          // Whether the previous operation's savepoint is still to be released (deferred so that, with
          // `multi`, releasing it and opening the next one take one round trip).
          let open = false;
          if (sideBySide) await this.runSideBySide(conn, batch, outcomes, messages, events);
          for (const p of sideBySide ? [] : batch) {
            const { tx, after, notes, evs } = opTx(conn, dialect.notify !== undefined);
            // An atomic operation runs inside the previous one's savepoint if that is still open: released
            // later, it keeps both; only a failed operation rolls back to it, and that one is already done.
            const savepoint = useSavepoints && !p.atomic;
            if (savepoint) {
              if (open && multi) await execute(conn, RELEASE_AND_SAVEPOINT);
              else {
                if (open) await execute(conn, RELEASE);
                await execute(conn, SAVEPOINT);
              }
              open = true;
            }
            try {
              const value = await p.op(tx);
              outcomes.push({ ok: true, value, after });
              messages.push(...notes);
              events.push(...evs);
            } catch (error) {
              if (!savepoint) {
                // A lone operation fails the transaction, which leaves nothing of it; an atomic one wrote
                // nothing, unless the transaction itself is gone.
                if (!useSavepoints || dialect.transactionLost(error)) throw error;
                outcomes.push({ ok: false, error });
                continue;
              }
              if (multi) await execute(conn, ROLLBACK_TO_AND_RELEASE);
              else {
                await execute(conn, ROLLBACK_TO);
                await execute(conn, RELEASE);
              }
              open = false;
              outcomes.push({ ok: false, error });
            }
          }
          if (events.length > 0 && hooks?.appendEvents) {
            await hooks.appendEvents(
              {
                db: conn,
                after: (fn) => afterBatch.push(fn),
                notify: (message) => void (dialect.notify && messages.push(JSON.stringify(message))),
                event: () => {
                  throw new Error('the event hook records no events');
                },
              },
              events,
            );
          }
          // COMMIT also releases a last open savepoint.
          if (dialect.notify) {
            for (const payload of chunkMessages(messages, WriteQueue.MAX_PAYLOAD)) await dialect.notify(conn, payload);
          }
          await execute(conn, COMMIT);
        } catch (err) {
          try {
            await execute(conn, ROLLBACK);
          } catch {
            // The transaction may be gone already; the operation's own error is the one to report.
          }
          throw err;
        }
      });
    } catch (err) {
      // Nothing of this batch is durable: every operation fails (a lone op with its own error).
      for (const p of batch) p.reject(err);
      return;
    }
    hooks?.onCommit?.(batch.length, (performance.now() - started) / 1000);
    batch.forEach((p, i) => {
      const o = outcomes[i];
      if (!o) return p.reject(new Error('write batch lost an outcome'));
      if (!o.ok) return p.reject(o.error);
      for (const fn of o.after) {
        try {
          fn();
        } catch {
          // A failing wake-up must not undo an acknowledged commit.
        }
      }
      p.resolve(o.value);
    });
    for (const fn of afterBatch) {
      try {
        fn();
      } catch {
        // As above: the commit stands.
      }
    }
  }
}

/** Packs JSON messages into JSON-array payloads of at most `max` bytes (a bigger message goes alone). */
export function chunkMessages(messages: readonly string[], max: number): string[] {
  const out: string[] = [];
  let cur: string[] = [];
  let size = 2;
  for (const m of messages) {
    const len = Buffer.byteLength(m) + 1;
    if (cur.length > 0 && size + len > max) {
      out.push(`[${cur.join(',')}]`);
      cur = [];
      size = 2;
    }
    cur.push(m);
    size += len;
  }
  if (cur.length > 0) out.push(`[${cur.join(',')}]`);
  return out;
}
