/**
 * The JSON-RPC server without the listening: the daemon accepts sockets and hands each one to
 * `handleConnection`. Per connection (reference §1.2):
 * - concatenated requests are framed (json-framer.ts) and dispatched at once, so responses complete out
 *   of order (waits); each response is followed by "\n\n";
 * - back-pressure: while the unsent output exceeds `highWaterMark`, or `maxPending` requests are in
 *   flight, no more requests are read (the socket is paused): a client that never reads cannot make the
 *   daemon buffer without bound;
 * - fairness: at most 100 requests are started per turn of the event loop;
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
import { JsonFramer } from './json-framer.js';
import { JsonSyntaxError, member, parseJson, toPlain } from './json-reader.js';
import { RawJson, writeJson } from './json-writer.js';
import { CODE, RpcError } from './errors.js';
import { dispatch, errorResponse, type DispatchEnv, type Outcome, type RequestInfo } from './dispatch.js';
import type { Command } from './command.js';
import type { RpcContext } from './context.js';

export const DEFAULT_MAX_REQUEST_BYTES = 4 * 1024 * 1024;
export const DEFAULT_HIGH_WATER_MARK = 1024 * 1024;
export const DEFAULT_MAX_PENDING = 1024;
const REQUESTS_PER_TURN = 100;

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
}

/** Builds the server. */
export function createRpcServer(opts: RpcServerOptions): RpcServer {
  const commands = new Map<string, Command>();
  for (const c of opts.commands) {
    if (commands.has(c.name)) throw new Error(`duplicate command ${c.name}`);
    commands.set(c.name, c);
  }
  const env: DispatchEnv = { commands, context: opts.context, logger: opts.logger, onRequest: opts.onRequest };
  const limits: Limits = {
    maxRequestBytes: opts.maxRequestBytes ?? DEFAULT_MAX_REQUEST_BYTES,
    highWaterMark: opts.highWaterMark ?? DEFAULT_HIGH_WATER_MARK,
    maxPending: opts.maxPending ?? DEFAULT_MAX_PENDING,
  };
  const connections = new Set<Connection>();
  const inProcess = new AbortController();
  let seq = 0;

  return {
    handleConnection(socket) {
      const conn = new Connection(socket, env, limits, () => connections.delete(conn));
      connections.add(conn);
    },
    async call(method, params = [], callOpts = {}) {
      const request = { jsonrpc: '2.0', id: callOpts.id ?? `inject:${method}#${++seq}`, method, params, filter: callOpts.filter };
      const signal = callOpts.signal ? AbortSignal.any([callOpts.signal, inProcess.signal]) : inProcess.signal;
      const out = await dispatch(parseJson(writeJson(request)), env, signal);
      return toPlain(parseJson(out.text)) as RpcResponse;
    },
    async closeConnections() {
      inProcess.abort(new RpcError(CODE.SHUTTING_DOWN, 'Shutting down'));
      await Promise.all([...connections].map((c) => c.close()));
    },
    get connectionCount() {
      return connections.size;
    },
  };
}

interface Limits {
  readonly maxRequestBytes: number;
  readonly highWaterMark: number;
  readonly maxPending: number;
}

class Connection {
  private framer: JsonFramer | undefined;
  private readonly abort = new AbortController();
  private pending = 0;
  /** No more requests are read (half-closed by us, or closing). */
  private hungUp = false;
  /** The client ended its side. */
  private clientEnded = false;
  private scheduled = false;
  private closed = false;
  /** The framer had no complete request left at the last look. */
  private exhausted = true;
  private readonly closedPromise: Promise<void>;

  constructor(
    private readonly socket: Duplex,
    private readonly env: DispatchEnv,
    private readonly limits: Limits,
    onClose: () => void,
  ) {
    // Keep writing after the client ends its side: its pending responses still go out.
    socket.allowHalfOpen = true;
    let resolveClosed!: () => void;
    this.closedPromise = new Promise((r) => (resolveClosed = r));
    socket.on('data', (chunk: Buffer | string) => {
      if (this.hungUp) return;
      (this.framer ??= new JsonFramer(limits.maxRequestBytes)).push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
      this.exhausted = false;
      this.pump();
    });
    socket.on('drain', () => this.pump());
    socket.on('end', () => {
      // Requests already sent are still answered, but waits are not: nobody may be left to read them.
      this.clientEnded = true;
      this.abort.abort(new RpcError(CODE.LIGHTNINGD, 'Connection closed by client'));
      this.pump();
    });
    socket.on('error', (err) => env.logger.debug({ err: err.message }, 'rpc connection error'));
    socket.on('close', () => {
      this.closed = true;
      this.hungUp = true;
      this.framer = undefined;
      this.abort.abort(new RpcError(CODE.LIGHTNINGD, 'Connection closed by client'));
      onClose();
      resolveClosed();
    });
  }

  /** Starts buffered requests while the limits allow; pauses or resumes the socket accordingly. */
  private pump(): void {
    if (this.closed) return;
    let started = 0;
    while (!this.hungUp) {
      if (this.socket.writableLength > this.limits.highWaterMark || this.pending >= this.limits.maxPending) {
        this.socket.pause();
        return;
      }
      if (started >= REQUESTS_PER_TURN) {
        if (!this.scheduled) {
          this.scheduled = true;
          setImmediate(() => {
            this.scheduled = false;
            this.pump();
          });
        }
        this.socket.pause();
        return;
      }
      const frame = this.framer?.next();
      if (frame === undefined) {
        this.exhausted = true;
        break;
      }
      started++;
      if (frame.type === 'too-large') {
        this.env.logger.info({ limit: frame.limit }, 'rpc request too large: closing connection');
        this.write(errorResponse(new RawJson('null'), new RpcError(CODE.INVALID_REQUEST, `Request too large: more than ${frame.limit} bytes`)));
        this.hangUp(true);
        return;
      }
      if (frame.type === 'malformed') {
        this.write(errorResponse(new RawJson('null'), new RpcError(CODE.INVALID_REQUEST, `Invalid JSON: ${frame.reason}`)));
        this.hangUp(false);
        return;
      }
      let root;
      try {
        root = parseJson(frame.text);
      } catch (e) {
        const reason = e instanceof JsonSyntaxError ? e.message : 'parse error';
        this.write(errorResponse(new RawJson('null'), new RpcError(CODE.INVALID_REQUEST, `Invalid JSON: ${reason}`)));
        this.hangUp(false);
        return;
      }
      // Reference §1.2: no `jsonrpc` member → answer, then read nothing more (decided here, before any
      // later request in the buffer is started).
      this.pending++;
      if (root.kind !== 'object' || member(root, 'jsonrpc') === undefined) this.hangUp(false);
      void dispatch(root, this.env, this.abort.signal).then(this.answered, this.failed);
    }
    if (!this.hungUp) this.socket.resume();
    this.maybeEnd();
  }

  // The two continuations of every request, made once per connection rather than once per request
  // (a connection may hold many pending waits).
  private readonly answered = (out: Outcome): void => {
    this.pending--;
    this.write(out.text);
    if (out.hangup) this.hangUp(false);
    else this.pump();
    this.maybeEnd();
  };

  private readonly failed = (err: unknown): void => {
    // dispatch answers every error itself; this is a last resort so one bug cannot wedge a connection.
    this.pending--;
    this.env.logger.error({ err: err instanceof Error ? err.message : String(err) }, 'rpc dispatch failed');
    this.write(errorResponse(new RawJson('null'), new RpcError(CODE.INTERNAL_ERROR, 'Internal error')));
    this.pump();
    this.maybeEnd();
  };

  private write(text: string): void {
    if (this.closed || this.socket.destroyed || this.socket.writableEnded) return;
    this.socket.write(text + '\n\n');
  }

  /** Stops reading; with `now`, also aborts pending requests and ends the connection immediately. */
  private hangUp(now: boolean): void {
    this.hungUp = true;
    this.framer = undefined;
    this.socket.pause();
    if (now) {
      this.abort.abort(new RpcError(CODE.LIGHTNINGD, 'Connection closed'));
      this.endSocket();
    } else {
      this.maybeEnd();
    }
  }

  /** Ends our side once nothing more will be written. */
  private maybeEnd(): void {
    if (this.pending > 0 || this.closed) return;
    // A partial request left when the client ended can never complete: it is dropped.
    if (this.hungUp || (this.clientEnded && this.exhausted)) this.endSocket();
  }

  private endSocket(): void {
    if (this.socket.writableEnded || this.socket.destroyed) return;
    // Once our last bytes are flushed there is nothing more to say: close fully, so a peer that keeps
    // its own side open does not hold the socket. A peer that never reads gets a grace period.
    this.socket.once('finish', () => this.socket.destroy());
    this.socket.end();
    const t = setTimeout(() => this.socket.destroy(), 5000);
    t.unref();
    this.socket.once('close', () => clearTimeout(t));
  }

  /** For shutdown: stop reading, abort waits, end; resolves when closed. */
  close(): Promise<void> {
    if (!this.closed) {
      this.hungUp = true;
      this.framer = undefined;
      this.abort.abort(new RpcError(CODE.SHUTTING_DOWN, 'Shutting down'));
      // Let already-settling responses reach the socket before ending it.
      setImmediate(() => this.endSocket());
    }
    return this.closedPromise;
  }
}
