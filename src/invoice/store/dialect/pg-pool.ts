/**
 * The PostgreSQL connection pool, made to survive the server going away (issue 18 items 2 and 8):
 * - every connection has an error listener, also while a request holds it (a connection terminated in
 *   use must fail that request, never crash the daemon);
 * - connecting gives up after `connectTimeoutMs`, a statement after `statementTimeoutMs` (the server
 *   cancels it, SQLSTATE 57014), and a query the server does not answer at all (frozen, or a proxy that
 *   stopped forwarding) after `statementTimeoutMs` + {@link QUERY_TIMEOUT_MARGIN_MS} on our side: a
 *   frozen server fails requests instead of hanging them. A connection whose query timed out on our side
 *   is dropped (its query may still be running, its transaction open): the next request opens another;
 * - an outage (a connection lost, refused or timed out, a statement timed out either side) is reported
 *   once when it starts (`onOutage`) and once when a new connection or a query succeeds again
 *   (`onRecovered`), not once per failed request, nor again for a connection the same outage ended whose
 *   error comes only after the recovery (within {@link WAVE_MS}). The pool reconnects on demand, with backoff: after a
 *   failed connection attempt, requests within the next {@link RECONNECT_MIN_MS} ms fail at once
 *   without trying (then 2×, 4×, … up to {@link RECONNECT_MAX_MS}); the first request after that tries a
 *   fresh connection, and one that succeeds ends the backoff.
 * - connections carry `application_name` (default `invoiced`, or the URL's own) so an operator can
 *   find them in `pg_stat_activity`.
 */
import pg from 'pg';

/** A connection attempt gives up after this long (a server that does not answer). */
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
/** A statement is cancelled by the server after this long. */
export const DEFAULT_STATEMENT_TIMEOUT_MS = 30_000;
/** A query not answered this long after the statement timeout (the server's cancel did not come) fails on our side. */
export const QUERY_TIMEOUT_MARGIN_MS = 2_000;
/** The first wait after a failed connection attempt before the next is made; it doubles per failure. */
export const RECONNECT_MIN_MS = 100;
/** The longest wait between connection attempts during an outage. */
export const RECONNECT_MAX_MS = 5_000;
/** How long after a recovery the errors of connections the outage had already ended still belong to it. */
export const WAVE_MS = 1_000;
/** The code of the error a request gets while the pool waits before its next connection attempt. */
export const RECONNECT_BACKOFF = 'EINVOICED_RECONNECT_BACKOFF';
/** node-pg's error for a query its `query_timeout` gave up on. */
const QUERY_READ_TIMEOUT = 'Query read timeout';

export interface PgPoolOptions {
  readonly url: string;
  readonly schema?: string;
  readonly poolSize?: number;
  readonly connectTimeoutMs?: number;
  readonly statementTimeoutMs?: number;
  /** The first failure of an outage (connection lost, refused or timed out). */
  readonly onOutage?: (reason: string) => void;
  /** A connection succeeded after an outage. */
  readonly onRecovered?: () => void;
  /** The clock of the reconnect backoff, ms (default Date.now; tests inject theirs). */
  readonly now?: () => number;
}

/** SQLSTATEs of a connection the server ended or refused: admin_shutdown, crash_shutdown, cannot_connect_now, and class 08. */
const CONNECTION_CODES = new Set(['57P01', '57P02', '57P03']);
const NODE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH']);

/**
 * The reason, when `err` says the database cannot be reached (the request may be retried later);
 * undefined for any other error.
 */
export function databaseConnectionProblem(err: unknown): string | undefined {
  if (!(err instanceof Error)) return undefined;
  const code = String((err as { code?: unknown }).code ?? '');
  if (CONNECTION_CODES.has(code) || code.startsWith('08') || NODE_CODES.has(code) || code === RECONNECT_BACKOFF) return err.message;
  // node-pg's own words for a connection that went away or never came.
  if (/Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error/i.test(err.message)) {
    return err.message;
  }
  // statement_timeout (57014 query_canceled) and lock_timeout: the server is there but too slow.
  if (code === '57014') return `statement timed out: ${err.message}`;
  return queryTimedOut(err) ? 'no answer from the server: query timed out' : undefined;
}

function queryTimedOut(err: unknown): boolean {
  return err instanceof Error && err.message === QUERY_READ_TIMEOUT;
}

function statementTimedOut(err: unknown): boolean {
  return queryTimedOut(err) || (err instanceof Error && (err as { code?: unknown }).code === '57014');
}

/** Builds the pool. */
export function createPgPool(opts: PgPoolOptions): pg.Pool {
  const schema = opts.schema;
  const statementTimeout = opts.statementTimeoutMs ?? DEFAULT_STATEMENT_TIMEOUT_MS;
  const hasAppName = new URL(opts.url).searchParams.has('application_name');
  const pool = new pg.Pool({
    connectionString: opts.url,
    max: opts.poolSize ?? 10,
    connectionTimeoutMillis: opts.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
    query_timeout: statementTimeout + QUERY_TIMEOUT_MARGIN_MS,
    ...(hasAppName ? {} : { application_name: 'invoiced' }),
    options: [`-c statement_timeout=${statementTimeout}`, ...(schema ? [`-c search_path=${schema}`] : [])].join(' '),
  });
  const now = opts.now ?? Date.now;
  let down = false;
  // The server ends connections all at once, but their errors come one by one, some after a request has
  // already reconnected: a connection that was open when the outage began, failing within WAVE_MS of the
  // recovery, is part of that outage, not a new one.
  let opened = 0;
  const openedAs = new WeakMap<object, number>();
  let openBeforeOutage = 0;
  let recoveredAt = -Infinity;
  const lost = (err: unknown, client?: object): void => {
    if (down) return;
    const n = client ? openedAs.get(client) : undefined;
    if (n !== undefined && n <= openBeforeOutage && now() - recoveredAt < WAVE_MS) return;
    down = true;
    openBeforeOutage = opened;
    opts.onOutage?.(databaseConnectionProblem(err) ?? (err instanceof Error ? err.message : String(err)));
  };
  const back = (): void => {
    if (!down) return;
    down = false;
    recoveredAt = now();
    opts.onRecovered?.();
  };
  // Idle connections losing their server: the next request reconnects.
  pool.on('error', (err, client) => lost(err, client));
  pool.on('connect', (client) => {
    openedAs.set(client, ++opened);
    // In use too: the request holding it fails with the error its query gets.
    client.on('error', (err) => lost(err, client));
    watchQueries(client, {
      ok: back,
      timedOut: (err) => {
        lost(err);
        // Our side gave up, the server may not have: drop the connection, so that neither the query
        // still in flight nor its transaction meets the next request (the pool discards it on release).
        // (@types/pg leaves `connection` off PoolClient; node-pg's Client has it.)
        if (queryTimedOut(err)) (client as unknown as { connection: { stream: { destroy(): void } } }).connection.stream.destroy();
      },
    });
    back();
  });
  // Failed connection attempts (refused, timed out) start an outage as well, and a backoff: until
  // `retryAt`, a request that would need a new connection fails at once with the last attempt's reason.
  // (The callback form, which pool.query uses, is passed through unchanged.)
  let wait = 0;
  let retryAt = 0;
  let lastFailure = '';
  pool.on('connect', () => {
    wait = 0;
    retryAt = 0;
  });
  const connect = pool.connect.bind(pool) as (...args: unknown[]) => unknown;
  (pool as unknown as { connect: (...args: unknown[]) => unknown }).connect = (...args: unknown[]) => {
    if (args.length > 0) return connect(...args);
    // An idle connection needs no attempt: only a request that must open one waits out the backoff.
    const mustOpen = pool.idleCount === 0 && pool.totalCount < pool.options.max;
    if (mustOpen && now() < retryAt) {
      const err = Object.assign(new Error(`reconnecting in ${retryAt - now()} ms (last attempt: ${lastFailure})`), { code: RECONNECT_BACKOFF });
      return Promise.reject(err);
    }
    return (connect() as Promise<pg.PoolClient>).catch((err: unknown) => {
      const problem = databaseConnectionProblem(err);
      if (problem !== undefined) {
        lost(err);
        wait = Math.min(RECONNECT_MAX_MS, Math.max(RECONNECT_MIN_MS, wait * 2));
        retryAt = now() + wait;
        lastFailure = problem;
      }
      throw err;
    });
  };
  return pool;
}

/**
 * Hears how `client`'s queries end: `ok` on an answer, `timedOut` on a statement timeout of either side
 * (those leave the connection up, so no connection error reports them). Promise and callback forms both.
 */
function watchQueries(client: pg.PoolClient, on: { ok: () => void; timedOut: (err: Error) => void }): void {
  const settled = (err: unknown): void => {
    if (err === undefined || err === null) on.ok();
    else if (statementTimedOut(err)) on.timedOut(err as Error);
  };
  // node-pg's query() has a dozen overloads: the wrapper passes any of them through untouched.
  const query = client.query.bind(client) as (...args: unknown[]) => unknown;
  (client as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
    const last = args.length - 1;
    const cb = args[last];
    if (typeof cb === 'function') {
      args[last] = (err: unknown, ...rest: unknown[]) => {
        settled(err);
        return (cb as (...a: unknown[]) => unknown)(err, ...rest);
      };
      return query(...args);
    }
    const r = query(...args);
    if (r instanceof Promise) r.then(() => settled(undefined), settled);
    return r;
  };
}
