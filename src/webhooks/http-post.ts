/**
 * One webhook attempt over HTTP: POST the body with its headers and wait for the status line, within a
 * time limit. Shared by the poster thread (poster-worker.ts) and the in-thread poster (poster.ts).
 *
 * The client is undici's `request` over one keep-alive `Agent` (a connection pool per origin): the HTTP
 * client Node's own fetch is built on, without fetch's WHATWG streams and promise machinery. For a small
 * POST whose answer is only a status it costs the daemon about half the CPU of Node's `http` module and a
 * fraction of fetch's (docs/performance.md), and webhook throughput at load is bound by that CPU. Requests to
 * one URL are never pipelined: the dispatcher posts a URL's deliveries one after another, each after the
 * previous one's answer, so that a failed one is retried before any later one is sent. Redirects are not
 * followed (a 3xx is a failed attempt); the response body is discarded.
 */
import { Agent, request } from 'undici';

export interface PostRequest {
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/** The outcome: the HTTP status if one came, else why not (`error` is null only for a 2xx). */
export interface PostResult {
  readonly status: number | null;
  readonly error: string | null;
}

/** Keep-alive connections per origin, kept for 30 s between POSTs; our own timer bounds each attempt. */
const agent = new Agent({ keepAliveTimeout: 30_000, keepAliveMaxTimeout: 60_000, headersTimeout: 0, bodyTimeout: 0 });

export async function postOnce(req: PostRequest, timeoutMs: number, abort: AbortController = new AbortController()): Promise<PostResult> {
  let url: URL;
  try {
    url = new URL(req.url);
  } catch (err) {
    return { status: null, error: (err as Error).message };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return { status: null, error: `unsupported protocol ${url.protocol}` };
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    abort.abort();
  }, timeoutMs);
  try {
    const res = await request(url, { method: 'POST', headers: req.headers, body: req.body, dispatcher: agent, signal: abort.signal });
    const status = res.statusCode;
    discard(res.body, timeoutMs);
    return { status, error: status >= 200 && status <= 299 ? null : `HTTP ${status}` };
  } catch (err) {
    return { status: null, error: timedOut ? `timed out after ${timeoutMs} ms` : (err as Error).message };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The attempt's outcome is its status line; the body is read to its end behind it, so the connection goes
 * back to the pool for the next POST, or dropped if it does not end within the attempt's limit.
 */
function discard(body: { dump(): Promise<void>; destroy(): unknown }, timeoutMs: number): void {
  const timer = setTimeout(() => body.destroy(), timeoutMs);
  body
    .dump()
    .catch(() => undefined)
    .finally(() => clearTimeout(timer));
}
