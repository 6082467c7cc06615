/**
 * The poster thread (poster.ts): makes the webhook POSTs, so that the HTTP client's work (connections,
 * framing, parsing the answers) stays off the thread that answers RPC. It receives runs, each
 * a list of requests to make in order until one fails (a URL's deliveries: the dispatcher sends one run
 * per URL at a time, so a URL's order holds); runs go on concurrently, and each is answered in one
 * message when it ends. Nothing here logs: asked to lower its priority (so that deliveries take the CPU the
 * RPC threads leave, util/thread-priority.ts), the thread's first message says what it runs at, and the
 * dispatcher logs that.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { lowerThreadPriority, type PriorityOutcome } from '../util/thread-priority.js';
import type { PostRequest, PostResult } from './http-post.js';
import { postSigned } from './signature.js';

/** From the poster: runs to make, or `abort` (shutdown: end every attempt in flight). */
export type PosterMessage = { readonly runs: ReadonlyArray<{ readonly id: number; readonly requests: readonly PostRequest[] }> } | { readonly abort: true };
/** A run's outcomes, in order: the attempts made (all of them, or up to and including the first failure). */
export interface PosterAnswer {
  readonly id: number;
  readonly results: ReadonlyArray<PostResult & { readonly seconds: number }>;
}
/** What the thread is started with. */
export interface PosterData {
  readonly timeoutMs: number;
  /** The nice value to run at; undefined leaves the thread's priority alone. */
  readonly nice?: number;
  /** The webhook secret, for the requests that ask to be signed. */
  readonly secret?: string;
}
/** The thread's first message when it was given a nice value: the priority it runs at. */
export interface PosterPriority {
  readonly priority: PriorityOutcome;
}

const port = parentPort;
if (port) {
  const { timeoutMs, nice, secret } = workerData as PosterData;
  if (nice !== undefined) port.postMessage({ priority: lowerThreadPriority(nice) } satisfies PosterPriority);
  const inflight = new Set<AbortController>();
  let aborted = 0;
  const run = async (requests: readonly PostRequest[]): Promise<PosterAnswer['results']> => {
    const epoch = aborted;
    const results: Array<PostResult & { seconds: number }> = [];
    for (const req of requests) {
      const abort = new AbortController();
      inflight.add(abort);
      const started = performance.now();
      const r = await postSigned(req, secret, timeoutMs, abort);
      inflight.delete(abort);
      results.push({ ...r, seconds: (performance.now() - started) / 1000 });
      if (r.error !== null || epoch !== aborted) break;
    }
    return results;
  };
  port.on('message', (m: PosterMessage) => {
    if ('abort' in m) {
      aborted++;
      for (const a of inflight) a.abort();
      return;
    }
    for (const r of m.runs) void run(r.requests).then((results) => port.postMessage({ id: r.id, results } satisfies PosterAnswer));
  });
}
