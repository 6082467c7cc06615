/**
 * The JSON-RPC server without the listening: the daemon accepts sockets and hands each one to
 * `handleConnection`. Per connection (reference §1.2):
 * - concatenated requests are framed (json-framer.ts) and dispatched at once, so responses complete out
 *   of order (waits); each response is followed by "\n\n";
 * - back-pressure: while the unsent output exceeds `highWaterMark`, or `maxPending` requests are in
 *   flight, no more requests are read (the socket is paused): a client that never reads cannot make the
 *   daemon buffer without bound; a streamed answer (`listinvoices` of everything) is read from the
 *   database only as fast as the client reads it (connection.ts);
 * - fairness: requests are started in round-robin turns across connections, a bounded number per
 *   connection and per turn (turns.ts); the output and buffered request bytes of all connections are
 *   bounded together;
 * - a partial request that makes no progress for `requestTimeoutMs` gets -32600 and the connection is
 *   closed;
 * - a broken stream or a message without `jsonrpc` gets -32600 (id null) and the connection is
 *   half-closed: nothing more is read, responses still pending are written, then our side ends;
 * - a request over `maxRequestBytes` gets -32600 and the connection is closed at once (pending waits
 *   are aborted);
 * - the client ending its side (EOF): requests already received are answered, then we end ours; its
 *   pending waits are aborted at once (an EOF cannot be told from a vanished client, and a wait could
 *   pend forever), so a client that wants a wait keeps its side open; the socket closing aborts too;
 * - an idle connection holds a socket, a few listeners and no buffer.
 */
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { parseJson, toPlain } from './json-reader.js';
import { writeJson } from './json-writer.js';
import { CODE, RpcError } from './errors.js';
import { dispatch, type DispatchEnv, type RequestInfo } from './dispatch.js';
import { Connection, type ConnectionLimits } from './connection.js';
import { DEFAULT_TURN_LIMITS, Turns, type TurnLimits } from './turns.js';
import { systemClock, type Clock } from '../util/clock.js';
import type { Command } from './command.js';
import type { RpcContext } from './context.js';

export const DEFAULT_MAX_REQUEST_BYTES = 4 * 1024 * 1024;
export const DEFAULT_HIGH_WATER_MARK = 1024 * 1024;
export const DEFAULT_MAX_PENDING = 1024;
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

export interface RpcServerOptions {
  /** The command table (one entry per name). */
  readonly commands: readonly Command[];
  readonly context: RpcContext;
  readonly logger: Logger;
  /** Largest request accepted, in bytes (default 4 MiB). */
  readonly maxRequestBytes?: number;
  /** Unsent response bytes above which a connection is not read (default 1 MiB). */
  readonly highWaterMark?: number;
  /** Requests in flight per connection above which it is not read (default 1024). */
  readonly maxPending?: number;
  /** A partial request making no progress this long is refused and its connection closed (default 30 s). */
  readonly requestTimeoutMs?: number;
  /** Shared limits: requests per turn, output and buffered bytes across connections (turns.ts). */
  readonly turnLimits?: Partial<TurnLimits>;
  /** For the slow-request timer (default the real clock). */
  readonly clock?: Clock;
  /** Called once per request (the daemon may log or count); the server also logs it at debug. */
  readonly onRequest?: (info: RequestInfo) => void;
}

/** A response as `call()` returns it: integers are numbers while safe, bigints beyond. */
export interface RpcResponse {
  readonly jsonrpc: '2.0';
  readonly id: unknown;
  // Results are command-specific JSON; tests and callers index into them freely.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly result?: any;
  readonly error?: { readonly code: number; readonly message: string; readonly data?: unknown };
}

export interface CallOptions {
  readonly filter?: unknown;
  readonly id?: string | number;
  readonly signal?: AbortSignal;
}

export interface RpcServer {
  /** Serves requests on an accepted connection until it closes. */
  handleConnection(socket: Duplex): void;
  /** Runs one request in-process, through the same envelope, binding and writing (tests, fastify-inject style). */
  call(method: string, params?: unknown, opts?: CallOptions): Promise<RpcResponse>;
  /** Stops reading everywhere, aborts pending waits, ends every connection; resolves once all are closed. */
  closeConnections(): Promise<void>;
  readonly connectionCount: number;
  /** Answer bytes not yet taken by clients, all connections together (tests, metrics). */
  readonly outputBytes: number;
  /** Request bytes buffered by the framers, all connections together (tests, metrics). */
  readonly bufferedRequestBytes: number;
}

/** Builds the server. */
export function createRpcServer(opts: RpcServerOptions): RpcServer {
  const commands = new Map<string, Command>();
  for (const c of opts.commands) {
    if (commands.has(c.name)) throw new Error(`duplicate command ${c.name}`);
    commands.set(c.name, c);
  }
  const env: DispatchEnv = { commands, context: opts.context, logger: opts.logger, onRequest: opts.onRequest };
  const limits: ConnectionLimits = {
    maxRequestBytes: opts.maxRequestBytes ?? DEFAULT_MAX_REQUEST_BYTES,
    highWaterMark: opts.highWaterMark ?? DEFAULT_HIGH_WATER_MARK,
    maxPending: opts.maxPending ?? DEFAULT_MAX_PENDING,
    requestTimeoutMs: opts.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
  };
  const turns = new Turns({ ...DEFAULT_TURN_LIMITS, ...opts.turnLimits });
  const clock = opts.clock ?? systemClock;
  const connections = new Set<Connection>();
  const inProcess = new AbortController();
  let seq = 0;

  return {
    handleConnection(socket) {
      const conn = new Connection(socket, env, limits, turns, clock, () => connections.delete(conn));
      connections.add(conn);
    },
    async call(method, params = [], callOpts = {}) {
      const request = { jsonrpc: '2.0', id: callOpts.id ?? `inject:${method}#${++seq}`, method, params, filter: callOpts.filter };
      const signal = callOpts.signal ? AbortSignal.any([callOpts.signal, inProcess.signal]) : inProcess.signal;
      const out = await dispatch(parseJson(writeJson(request)), env, signal);
      const text = out.stream ? `${out.text}${await out.stream.text()}}` : out.text;
      return toPlain(parseJson(text)) as RpcResponse;
    },
    async closeConnections() {
      inProcess.abort(new RpcError(CODE.SHUTTING_DOWN, 'Shutting down'));
      await Promise.all([...connections].map((c) => c.close()));
    },
    get connectionCount() {
      return connections.size;
    },
    get outputBytes() {
      return turns.outputBytes;
    },
    get bufferedRequestBytes() {
      return turns.bufferedBytes;
    },
  };
}

