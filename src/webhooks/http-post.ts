/**
 * One webhook attempt over HTTP: POST the body with its headers and wait for the status line, within a
 * time limit. Shared by the poster thread (poster-worker.ts) and the in-thread poster (poster.ts).
 *
 * The client is undici (the HTTP client Node's own fetch is built on) over one keep-alive `Agent` (a
 * connection pool per origin), driven through its `dispatch` interface: the status line comes to a
 * handler and the body's chunks are dropped as they arrive, with no response stream, body mixin or promise
 * per request. For a small POST whose answer is only a status that costs a fraction of what `request`
 * (with its Readable body), Node's `http` module or fetch cost (docs/performance.md), and webhook
 * throughput at load is bound by that CPU. Requests to one URL are never pipelined: the dispatcher posts a
 * URL's deliveries one after another, each after the previous one's answer, so that a failed one is retried
 * before any later one is sent. Redirects are not followed (a 3xx is a failed attempt).
 */
import { Agent, type Dispatcher } from 'undici';

export interface PostRequest {
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  /** Add the body's signature header (signature.ts) with the poster's secret before sending. */
  readonly sign?: boolean;
}

/** The outcome: the HTTP status if one came, else why not (`error` is null only for a 2xx). */
export interface PostResult {
  readonly status: number | null;
  readonly error: string | null;
}

/** Keep-alive connections per origin, kept for 30 s between POSTs; our own timer bounds each attempt. */
const agent = new Agent({ keepAliveTimeout: 30_000, keepAliveMaxTimeout: 60_000, headersTimeout: 0, bodyTimeout: 0 });

/**
 * The attempt's outcome is its final status line (not an informational 1xx); the body is read to its end behind it, so
 * the connection goes back to the pool for the next POST, or dropped if it does not end within the
 * attempt's limit, counted from the start of the attempt.
 */
export function postOnce(req: PostRequest, timeoutMs: number, abort: AbortController = new AbortController()): Promise<PostResult> {
  let url: URL;
  try {
    url = new URL(req.url);
  } catch (err) {
    return Promise.resolve({ status: null, error: (err as Error).message });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return Promise.resolve({ status: null, error: `unsupported protocol ${url.protocol}` });
  if (abort.signal.aborted) return Promise.resolve({ status: null, error: 'aborted' });
  return new Promise<PostResult>((resolve) => {
    let answered = false;
    let ended = false;
    let controller: Dispatcher.DispatchController | undefined;
    let why: string | undefined;
    const answer = (r: PostResult) => {
      if (answered) return;
      answered = true;
      resolve(r);
    };
    const end = () => {
      if (ended) return;
      ended = true;
      clearTimeout(timer);
      abort.signal.removeEventListener('abort', onAbort);
    };
    const stop = (reason: string) => {
      why ??= reason;
      controller?.abort(new Error(reason));
      // Before the request started (no controller yet) the handler's own start aborts it (below).
      answer({ status: null, error: reason });
    };
    const onAbort = () => stop('aborted');
    const timer = setTimeout(() => stop(`timed out after ${timeoutMs} ms`), timeoutMs);
    abort.signal.addEventListener('abort', onAbort, { once: true });
    const handler: Dispatcher.DispatchHandler = {
      onRequestStart(c) {
        controller = c;
        if (why !== undefined) c.abort(new Error(why));
      },
      onResponseStart(_c, statusCode) {
        if (statusCode < 200) return; // informational: the real status follows
        answer({ status: statusCode, error: statusCode <= 299 ? null : `HTTP ${statusCode}` });
      },
      onResponseData() {},
      onResponseEnd() {
        end();
      },
      onResponseError(_c, err) {
        end();
        answer({ status: null, error: why ?? err.message });
      },
    };
    try {
      agent.dispatch({ origin: url.origin, path: `${url.pathname}${url.search}`, method: 'POST', headers: req.headers, body: req.body }, handler);
    } catch (err) {
      end();
      answer({ status: null, error: (err as Error).message });
    }
  });
}
