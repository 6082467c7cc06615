/**
 * Where webhook POSTs are made: on a thread of their own (poster-worker.ts) when the built worker is
 * there, else on the calling thread (running from TypeScript sources, as the unit tests do). A POST costs
 * the HTTP client far more than the dispatcher's bookkeeping costs; on the main thread it slowed `invoice`
 * by a fifth at 64 clients (docs/performance.md). A URL's deliveries go as one run: posted in order until
 * one fails, in one message each way, however many there are.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { threadStarted } from '../util/thread-started.js';
import type { PostRequest, PostResult } from './http-post.js';
import { postSigned } from './signature.js';
import type { PriorityOutcome } from '../util/thread-priority.js';
import type { PosterAnswer, PosterData, PosterMessage, PosterPriority } from './poster-worker.js';

/** One attempt's outcome and how long it took. */
export type Attempt = PostResult & { readonly seconds: number };

export interface Poster {
  /**
   * POSTs `requests` one after another, stopping after the first that fails: the outcomes of the attempts
   * made, in order (all of them, or up to and including the failure).
   */
  postInOrder(requests: readonly PostRequest[]): Promise<Attempt[]>;
  /** Ends every attempt in flight (each resolves with its error) and the thread. */
  close(): Promise<void>;
}

const WORKER_URL = new URL('./poster-worker.js', import.meta.url);

export interface PosterOptions {
  readonly timeoutMs: number;
  /** Run the POSTs on a thread of their own (default: where the built worker is there). */
  readonly thread?: boolean;
  /** The webhook secret, for the requests that ask to be signed (`PostRequest.sign`). */
  readonly secret?: string;
  /** The thread's nice value (util/thread-priority.ts); undefined leaves it as it is. */
  readonly nice?: number;
  /** Told once the thread has set its priority, or could not. */
  readonly onPriority?: (outcome: PriorityOutcome) => void;
}

export function createPoster(opts: PosterOptions): Poster {
  const threaded = (opts.thread ?? true) && existsSync(fileURLToPath(WORKER_URL));
  return threaded ? threadPoster(opts) : inlinePoster(opts.timeoutMs, opts.secret);
}

function inlinePoster(timeoutMs: number, secret: string | undefined): Poster {
  const inflight = new Set<AbortController>();
  let closed = false;
  return {
    async postInOrder(requests) {
      const out: Attempt[] = [];
      for (const req of requests) {
        const abort = new AbortController();
        inflight.add(abort);
        const started = performance.now();
        try {
          const r = closed ? { status: null, error: 'shutting down' } : await postSigned(req, secret, timeoutMs, abort);
          out.push({ ...r, seconds: (performance.now() - started) / 1000 });
          if (r.error !== null) break;
        } finally {
          inflight.delete(abort);
        }
      }
      return out;
    },
    async close() {
      closed = true;
      for (const a of inflight) a.abort();
    },
  };
}

function threadPoster(opts: PosterOptions): Poster {
  const worker = new Worker(WORKER_URL, { workerData: { timeoutMs: opts.timeoutMs, nice: opts.nice, secret: opts.secret } satisfies PosterData });
  worker.unref();
  const started = threadStarted(worker);
  const pending = new Map<number, (r: Attempt[]) => void>();
  let nextId = 1;
  let outbox: Array<{ id: number; requests: readonly PostRequest[] }> = [];
  let failed: string | undefined;
  // A run the thread never answered: its first attempt failed with the reason (the rest were not made).
  const lost = (error: string): Attempt[] => [{ status: null, error, seconds: 0 }];
  const settleAll = (error: string) => {
    for (const resolve of pending.values()) resolve(lost(error));
    pending.clear();
  };
  worker.on('message', (a: PosterAnswer | PosterPriority) => {
    if ('priority' in a) return void opts.onPriority?.(a.priority);
    const resolve = pending.get(a.id);
    pending.delete(a.id);
    resolve?.([...a.results]);
  });
  // A dead thread fails what it held; later attempts fail at once and are retried by the dispatcher.
  worker.on('error', (err) => {
    failed = `webhook poster thread failed: ${err.message}`;
    settleAll(failed);
  });
  worker.on('exit', () => {
    failed ??= 'webhook poster thread ended';
    settleAll(failed);
  });
  const send = (m: PosterMessage) => worker.postMessage(m);
  return {
    postInOrder(requests) {
      if (requests.length === 0) return Promise.resolve([]);
      if (failed !== undefined) return Promise.resolve(lost(failed));
      return new Promise((resolve) => {
        const id = nextId++;
        pending.set(id, resolve);
        // The runs of one event-loop turn go in one message.
        if (outbox.push({ id, requests }) === 1) {
          setImmediate(() => {
            const runs = outbox;
            outbox = [];
            if (failed === undefined) send({ runs });
          });
        }
      });
    },
    async close() {
      await started;
      if (failed === undefined) send({ abort: true });
      failed = 'shutting down';
      await worker.terminate();
      settleAll(failed);
    },
  };
}
