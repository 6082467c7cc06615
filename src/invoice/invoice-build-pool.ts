/**
 * Building and signing BOLT 11 invoices on a pool of worker threads. Signing dominates `invoice`
 * (a recoverable ECDSA signature costs ~250 µs on one core here, everything else the daemon does per
 * invoice less), so with the signatures on other cores the main thread only parses, stores and answers.
 *
 * Each worker derives the node keys from the seed once (invoice-build-worker.ts) and runs the same pure
 * `buildBolt11` as the main thread, so the output is byte-for-byte what the synchronous path writes.
 * When nothing is in flight a draft is built inline on the calling thread instead, at most one per
 * event-loop turn: a lone request then pays no thread hop (the 1-client latency), and requests that
 * arrive together go to the workers.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { nodeKeysFromSeed } from '../crypto/node-keys.js';
import { decodeBolt11, encodeBolt11 } from './bolt11/index.js';
import type { BuildRequest, BuildResponse } from './invoice-build-worker.js';
import { buildBolt11, type Bolt11Draft, type BuiltBolt11 } from './create.js';
import { InvoiceError, type InvoiceErrorKind } from './errors.js';
import { threadStarted } from '../util/thread-started.js';

export interface Bolt11BuildPool {
  /** Builds and signs `draft` with the node key; rejects with buildBolt11's own errors. */
  build(draft: Bolt11Draft): Promise<BuiltBolt11>;
  /** Ends the workers (pending builds are rejected). */
  close(): Promise<void>;
}

export interface Bolt11BuildPoolOptions {
  /** The hsm seed the node keys derive from (copied to each worker; the caller may wipe its copy). */
  readonly seed: Uint8Array;
  /** Number of worker threads (default 1; 0 builds everything inline). */
  readonly size?: number;
  /** Build inline when nothing is in flight (default true). */
  readonly inlineWhenIdle?: boolean;
}

const WORKER_URL = new URL('./invoice-build-worker.js', import.meta.url);

interface Slot {
  readonly worker: Worker;
  /** Requests of this event-loop turn, posted together in one message at the turn's end. */
  outbox: BuildRequest[];
  /** Settles once the thread runs (or failed to start): terminating a thread mid-start is not done. */
  readonly started: Promise<void>;
  inflight: number;
}

/** Starts the pool. */
export function createBolt11BuildPool(opts: Bolt11BuildPoolOptions): Bolt11BuildPool {
  const keys = nodeKeysFromSeed(opts.seed);
  const codec = { encode: encodeBolt11, decode: decodeBolt11 };
  const inlineWhenIdle = opts.inlineWhenIdle ?? true;
  const pending = new Map<number, { slot: Slot; resolve: (b: BuiltBolt11) => void; reject: (e: unknown) => void }>();
  let nextId = 1;
  let inflight = 0;
  let inlineThisTurn = false;
  let closed = false;

  // Running from TypeScript sources (tests without a build) there is no compiled worker: build inline.
  const size = existsSync(fileURLToPath(WORKER_URL)) ? (opts.size ?? 1) : 0;
  const slots: Slot[] = Array.from({ length: size }, () => {
    const worker = new Worker(WORKER_URL, { workerData: { seed: Uint8Array.from(opts.seed) } });
    // The pool never keeps the daemon alive by itself.
    worker.unref();
    const slot: Slot = { worker, outbox: [], started: threadStarted(worker), inflight: 0 };
    worker.on('message', (answers: readonly BuildResponse[]) => {
      for (const res of answers) {
        slot.inflight--;
        inflight--;
        const p = pending.get(res.id);
        if (!p) continue;
        pending.delete(res.id);
        if (res.ok) p.resolve({ invstring: res.invstring, payment_hash: res.payment_hash, payment_secret: res.payment_secret });
        else p.reject(revive(res.error));
      }
    });
    worker.on('error', (err) => {
      // A crashed worker fails what it held and leaves the pool; the others (or inline building) carry on.
      const at = slots.indexOf(slot);
      if (at >= 0) slots.splice(at, 1);
      inflight -= slot.inflight;
      slot.inflight = 0;
      for (const [id, p] of pending) {
        if (p.slot !== slot) continue;
        p.reject(err);
        pending.delete(id);
      }
    });
    return slot;
  });

  return {
    build(draft: Bolt11Draft): Promise<BuiltBolt11> {
      if (closed) return Promise.reject(new Error('bolt11 build pool is closed'));
      if (slots.length === 0 || (inlineWhenIdle && inflight === 0 && !inlineThisTurn)) {
        // One inline build per event-loop turn: requests that arrive together go to the workers.
        if (slots.length > 0) {
          inlineThisTurn = true;
          setImmediate(() => (inlineThisTurn = false));
        }
        try {
          return Promise.resolve(buildBolt11(draft, keys.signEcdsa, codec));
        } catch (err) {
          return Promise.reject(err);
        }
      }
      let slot = slots[0]!;
      for (const s of slots) if (s.inflight < slot.inflight) slot = s;
      const id = nextId++;
      slot.inflight++;
      inflight++;
      return new Promise((resolve, reject) => {
        pending.set(id, { slot, resolve, reject });
        // One message per worker per turn: a message costs more than cloning several drafts in it.
        if (slot.outbox.push({ id, draft }) === 1) {
          setImmediate(() => {
            const batch = slot.outbox;
            slot.outbox = [];
            if (!closed) slot.worker.postMessage(batch);
          });
        }
      });
    },
    async close(): Promise<void> {
      closed = true;
      await Promise.all(slots.map(async (s) => {
        await s.started;
        await s.worker.terminate();
      }));
      for (const p of pending.values()) p.reject(new Error('bolt11 build pool closed'));
      pending.clear();
    },
  };
}

/** Structured clone keeps an error's message and own fields but not its class: restore InvoiceError. */
function revive(error: unknown): unknown {
  const e = error as { kind?: unknown; message?: unknown; extra?: unknown } | null;
  if (e && typeof e.kind === 'string' && typeof e.message === 'string' && typeof e.extra === 'object') {
    return new InvoiceError(e.kind as InvoiceErrorKind, e.message, (e.extra ?? {}) as InvoiceError['extra']);
  }
  return error;
}
