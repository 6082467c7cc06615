/**
 * The PostgreSQL connection pool, made to survive the server going away (issue 18 items 2 and 8):
 * - every connection has an error listener, also while a request holds it (a connection terminated in
 *   use must fail that request, never crash the daemon);
 * - connecting gives up after `connectTimeoutMs`, a statement after `statementTimeoutMs`, so a frozen
 *   server fails requests instead of hanging them;
 * - an outage is reported once when it starts (`onOutage`) and once when a new connection succeeds
 *   again (`onRecovered`), not once per failed request. The pool reconnects on demand: each request
 *   after the outage tries a fresh connection (failing fast while the server refuses them).
 * - connections carry `application_name` (default `invoiced`, or the URL's own) so an operator can
 *   find them in `pg_stat_activity`.
 */
import pg from 'pg';

/** A connection attempt gives up after this long (a server that does not answer). */
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
/** A statement is cancelled by the server after this long. */
export const DEFAULT_STATEMENT_TIMEOUT_MS = 30_000;

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
  if (CONNECTION_CODES.has(code) || code.startsWith('08') || NODE_CODES.has(code)) return err.message;
  // node-pg's own words for a connection that went away or never came.
  if (/Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error/i.test(err.message)) {
    return err.message;
  }
  // statement_timeout (57014 query_canceled) and lock_timeout: the server is there but too slow.
  if (code === '57014') return `statement timed out: ${err.message}`;
  return undefined;
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
    ...(hasAppName ? {} : { application_name: 'invoiced' }),
    options: [`-c statement_timeout=${statementTimeout}`, ...(schema ? [`-c search_path=${schema}`] : [])].join(' '),
  });
  let down = false;
  const lost = (err: unknown): void => {
    if (down) return;
    down = true;
    opts.onOutage?.(err instanceof Error ? err.message : String(err));
  };
  // Idle connections losing their server: the next request reconnects.
  pool.on('error', lost);
  pool.on('connect', (client) => {
    // In use too: the request holding it fails with the error its query gets.
    client.on('error', lost);
    if (down) {
      down = false;
      opts.onRecovered?.();
    }
  });
  // Failed connection attempts (refused, timed out) start an outage as well.
  // (The callback form, which pool.query uses, is passed through unchanged.)
  const connect = pool.connect.bind(pool) as (...args: unknown[]) => unknown;
  (pool as unknown as { connect: (...args: unknown[]) => unknown }).connect = (...args: unknown[]) => {
    if (args.length > 0) return connect(...args);
    return (connect() as Promise<pg.PoolClient>).catch((err: unknown) => {
      if (databaseConnectionProblem(err) !== undefined) lost(err);
      throw err;
    });
  };
  return pool;
}
