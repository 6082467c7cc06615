/**
 * One client connection of the JSON-RPC server (server.ts describes the protocol rules). Memory it may
 * hold is bounded (issue 18 items 1 and 14):
 * - requests: at most `maxRequestBytes` buffered, and a partial request that makes no progress for
 *   `requestTimeoutMs` is refused (-32600) and the connection closed;
 * - answers: once its unsent output (queued answers and the socket's buffer) passes `highWaterMark`,
 *   no more of its requests are started and its socket is not read, until the client reads ('drain');
 *   requests already running finish. A streamed answer (json-stream.ts) is pulled piece by piece only
 *   while the socket takes it;
 * - listings (`bulky` commands), whose answers are built whole and count only once answered: one at a
 *   time per connection, started only while the output of all connections is under the shared cap
 *   (turns.ts), so a pipeline of them cannot build its answers before the first one fills the output;
 * - requests are started in the shared round-robin turns (turns.ts), never all at once.
 */
import { setMaxListeners } from 'node:events';
import type { Duplex } from 'node:stream';
import { JsonFramer } from './json-framer.js';
import { JsonSyntaxError, member, parseJson, type JsonNode } from './json-reader.js';
import { RawJson } from './json-writer.js';
import { CODE, RpcError } from './errors.js';
import { dispatch, errorResponse, type DispatchEnv, type Outcome } from './dispatch.js';
import type { JsonStream } from './json-stream.js';
import type { Turn, Turns } from './turns.js';
import type { CancelTimer, Clock } from '../util/clock.js';

export interface ConnectionLimits {
  readonly maxRequestBytes: number;
  readonly highWaterMark: number;
  readonly maxPending: number;
  readonly requestTimeoutMs: number;
}

/** An answer waiting for the socket: whole text, or a stream still being read. */
type Out = { readonly text: string } | { readonly text: string; readonly stream: JsonStream; begun: boolean };

export class Connection implements Turn {
  private framer: JsonFramer | undefined;
  private readonly abort = new AbortController();
  private pending = 0;
  /** No more requests are read (half-closed by us, or closing). */
  private hungUp = false;
  /** The client ended its side. */
  private clientEnded = false;
  private closed = false;
  /** The framer had no complete request left at the last look. */
  private exhausted = true;
  /** Answers not yet handed to the socket, in order. */
  private readonly out: Out[] = [];
  /** A stream's next piece is being read. */
  private pulling = false;
  /** Bytes queued or in the socket's buffer, not yet taken by the client. */
  private unsent = 0;
  /** Bytes this connection's framer holds, as counted in the shared budget. */
  private counted = 0;
  /** Bulky requests (listings) in flight: at most one. */
  private bulky = 0;
  /** A bulky request read but not yet started (it waits for the one in flight, or the shared output). */
  private parked: JsonNode | undefined;
  private cancelTimer: CancelTimer | undefined;
  private readonly closedPromise: Promise<void>;

  constructor(
    private readonly socket: Duplex,
    private readonly env: DispatchEnv,
    private readonly limits: ConnectionLimits,
    private readonly turns: Turns,
    private readonly clock: Clock,
    onClose: () => void,
  ) {
    // Every pending wait of this connection listens to this signal: a thousand are not a leak.
    setMaxListeners(0, this.abort.signal);
    // Keep writing after the client ends its side: its pending responses still go out.
    socket.allowHalfOpen = true;
    let resolveClosed!: () => void;
    this.closedPromise = new Promise((r) => (resolveClosed = r));
    socket.on('data', (chunk: Buffer | string) => {
      if (this.hungUp) return;
      (this.framer ??= new JsonFramer(limits.maxRequestBytes)).push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
      this.exhausted = false;
      this.recount();
      if (!this.turns.inputAllows(this.counted)) {
        // Over the shared input budget: read no more here until it frees up.
        this.socket.pause();
        this.turns.hold(this);
      }
      this.turns.add(this);
    });
    socket.on('drain', () => {
      this.flush();
      this.turns.add(this);
    });
    socket.on('end', () => {
      // Requests already sent are still answered, but waits are not: nobody may be left to read them.
      this.clientEnded = true;
      this.abort.abort(new RpcError(CODE.LIGHTNINGD, 'Connection closed by client'));
      this.turns.add(this);
    });
    socket.on('error', (err) => env.logger.debug({ err: err.message }, 'rpc connection error'));
    socket.on('close', () => {
      this.closed = true;
      this.hungUp = true;
      this.dropFramer();
      this.turns.remove(this);
      this.turns.addOutput(-this.unsent);
      this.unsent = 0;
      for (const o of this.out.splice(0)) if ('stream' in o) void o.stream.cancel();
      this.abort.abort(new RpcError(CODE.LIGHTNINGD, 'Connection closed by client'));
      onClose();
      resolveClosed();
    });
  }

  /** Brings the shared count of buffered request bytes up to date, and the slow-request timer. */
  private recount(): void {
    const now = this.framer?.buffered ?? 0;
    if (now !== this.counted) {
      this.turns.addBuffered(now - this.counted);
      this.counted = now;
    }
    // The slow-request timer runs while a partial request waits for bytes from the client (not while
    // complete requests wait for us), from the last completed request on.
    if (now === 0) this.stopTimer();
    else if (this.exhausted && this.cancelTimer === undefined) this.armTimer();
  }

  private stopTimer(): void {
    this.cancelTimer?.();
    this.cancelTimer = undefined;
  }

  private armTimer(): void {
    this.cancelTimer = this.clock.setTimer(this.limits.requestTimeoutMs, () => {
      this.cancelTimer = undefined;
      if (this.closed || this.hungUp || (this.framer?.buffered ?? 0) === 0) return;
      const s = this.limits.requestTimeoutMs / 1000;
      this.env.logger.info({ buffered: this.framer?.buffered, seconds: s }, 'rpc request incomplete for too long: closing connection');
      this.write(errorResponse(new RawJson('null'), new RpcError(CODE.INVALID_REQUEST, `Request incomplete after ${s} seconds`)));
      this.hangUp(true);
    });
  }

  private dropFramer(): void {
    this.framer = undefined;
    this.recount();
  }

  /** We hold back complete requests (limits, turns): read no more, and the client is not the slow one. */
  private hold(): void {
    this.socket.pause();
    this.exhausted = false;
    this.stopTimer();
  }

  retry(): void {
    if (this.closed) return;
    if (!this.hungUp) this.socket.resume();
    this.turns.add(this);
  }

  /** Starts buffered requests while the limits allow (one slice of a turn). */
  startSome(max: number): { started: number; more: boolean } {
    let started = 0;
    const result = (more: boolean) => {
      this.recount();
      this.maybeEnd();
      return { started, more };
    };
    if (this.closed) return { started, more: false };
    while (!this.hungUp) {
      if (this.unsent > this.limits.highWaterMark || this.pending >= this.limits.maxPending) {
        this.hold();
        return result(false);
      }
      if (!this.turns.outputAllows(this.unsent)) {
        this.hold();
        this.turns.hold(this);
        return result(false);
      }
      if (started >= max) {
        // The rest waits for the next turn; meanwhile read no more from this client.
        this.hold();
        return result(true);
      }
      let root = this.parked;
      this.parked = undefined;
      if (root === undefined) {
        const frame = this.framer?.next();
        if (frame === undefined) {
          this.exhausted = true;
          break;
        }
        started++;
        // Progress: the slow-request timer starts again for what follows.
        this.stopTimer();
        if (frame.type === 'too-large') {
          this.env.logger.info({ limit: frame.limit }, 'rpc request too large: closing connection');
          this.write(errorResponse(new RawJson('null'), new RpcError(CODE.INVALID_REQUEST, `Request too large: more than ${frame.limit} bytes`)));
          this.hangUp(true);
          return result(false);
        }
        if (frame.type === 'malformed') {
          this.write(errorResponse(new RawJson('null'), new RpcError(CODE.INVALID_REQUEST, `Invalid JSON: ${frame.reason}`)));
          this.hangUp(false);
          return result(false);
        }
        try {
          root = parseJson(frame.text);
        } catch (e) {
          const reason = e instanceof JsonSyntaxError ? e.message : 'parse error';
          this.write(errorResponse(new RawJson('null'), new RpcError(CODE.INVALID_REQUEST, `Invalid JSON: ${reason}`)));
          this.hangUp(false);
          return result(false);
        }
      }
      const bulky = this.isBulky(root);
      if (bulky && (this.bulky > 0 || !this.turns.outputUnderCap())) {
        // Its answer counts only once built: wait for the listing in flight ('answered' adds this
        // connection to the turns again) or for the shared output to fall (the turns' release).
        this.parked = root;
        this.hold();
        if (this.bulky === 0) this.turns.hold(this);
        return result(false);
      }
      // Reference §1.2: no `jsonrpc` member → answer, then read nothing more (decided here, before any
      // later request in the buffer is started).
      this.pending++;
      if (root.kind !== 'object' || member(root, 'jsonrpc') === undefined) this.hangUp(false);
      if (bulky) {
        this.bulky++;
        void dispatch(root, this.env, this.abort.signal).then(this.answeredBulky, this.failedBulky);
      } else {
        void dispatch(root, this.env, this.abort.signal).then(this.answered, this.failed);
      }
    }
    if (!this.hungUp && this.turns.inputAllows(this.counted)) this.socket.resume();
    return result(false);
  }

  /** A request for a listing (see `Command.bulky`). */
  private isBulky(root: JsonNode): boolean {
    if (root.kind !== 'object') return false;
    const method = member(root, 'method');
    return method?.kind === 'string' && this.env.commands.get(method.value)?.bulky === true;
  }

  private readonly answeredBulky = (out: Outcome): void => {
    this.bulky--;
    this.answered(out);
  };

  private readonly failedBulky = (err: unknown): void => {
    this.bulky--;
    this.failed(err);
  };

  // The two continuations of every request, made once per connection rather than once per request
  // (a connection may hold many pending waits).
  private readonly answered = (out: Outcome): void => {
    this.pending--;
    if (out.stream) this.queue({ text: out.text, stream: out.stream, begun: false });
    else this.write(out.text);
    if (out.hangup) this.hangUp(false);
    else this.turns.add(this);
    this.maybeEnd();
  };

  private readonly failed = (err: unknown): void => {
    // dispatch answers every error itself; this is a last resort so one bug cannot wedge a connection.
    this.pending--;
    this.env.logger.error({ err: err instanceof Error ? err.message : String(err) }, 'rpc dispatch failed');
    this.write(errorResponse(new RawJson('null'), new RpcError(CODE.INTERNAL_ERROR, 'Internal error')));
    this.turns.add(this);
    this.maybeEnd();
  };

  private write(text: string): void {
    this.queue({ text: text + '\n\n' });
  }

  private queue(o: Out): void {
    if (this.closed || this.socket.destroyed || this.socket.writableEnded) {
      if ('stream' in o) void o.stream.cancel();
      return;
    }
    this.out.push(o);
    this.account(o.text.length);
    this.flush();
  }

  private account(bytes: number): void {
    this.unsent += bytes;
    this.turns.addOutput(bytes);
  }

  /** Hands queued answers to the socket while it takes them; pulls streams piece by piece. */
  private flush(): void {
    while (this.out.length > 0 && !this.pulling && !this.closed) {
      if (this.socket.writableLength > this.limits.highWaterMark) return; // 'drain' resumes
      const o = this.out[0]!;
      if (!('stream' in o)) {
        this.out.shift();
        this.send(o.text, o.text.length);
        continue;
      }
      if (!o.begun) {
        o.begun = true;
        this.send(o.text, o.text.length);
        continue;
      }
      this.pulling = true;
      o.stream.next().then(
        (piece) => {
          this.pulling = false;
          if (this.closed) return;
          if (piece === undefined) {
            this.out.shift();
            this.send('}\n\n', 0);
            this.maybeEnd();
          } else {
            this.account(piece.length);
            this.send(piece, piece.length);
          }
          this.flush();
        },
        (err: unknown) => {
          this.pulling = false;
          // Half an answer is out: the connection cannot carry another. Close it, and say why.
          this.env.logger.error({ err: err instanceof Error ? err.message : String(err) }, 'rpc streamed answer failed: closing connection');
          this.socket.destroy();
        },
      );
      return;
    }
    if (this.out.length === 0) this.maybeEnd();
  }

  /** Writes to the socket; `counted` bytes leave the unsent count once the socket has taken them. */
  private send(text: string, counted: number): void {
    if (this.socket.destroyed || this.socket.writableEnded) return;
    this.socket.write(text, () => {
      if (this.closed || counted === 0) return;
      this.unsent -= counted;
      this.turns.addOutput(-counted);
    });
  }

  /** Stops reading; with `now`, also aborts pending requests and ends the connection immediately. */
  private hangUp(now: boolean): void {
    this.hungUp = true;
    this.dropFramer();
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
    if (this.pending > 0 || this.closed || this.out.length > 0) return;
    // A partial request left when the client ended can never complete: it is dropped.
    if (this.hungUp || (this.clientEnded && this.exhausted)) this.endSocket();
  }

  private endSocket(): void {
    if (this.socket.writableEnded || this.socket.destroyed) return;
    // Once our last bytes are flushed there is nothing more to say: close fully, so a peer that keeps
    // its own side open does not hold the socket. A peer that never reads gets a grace period.
    this.socket.once('finish', () => this.socket.destroy());
    // Answers still queued (hang-up at once: the too-large refusal) go out first.
    for (const o of this.out.splice(0)) {
      if ('stream' in o) void o.stream.cancel();
      else this.send(o.text, o.text.length);
    }
    this.socket.end();
    const t = setTimeout(() => this.socket.destroy(), 5000);
    t.unref();
    this.socket.once('close', () => clearTimeout(t));
  }

  /** For shutdown: stop reading, abort waits, end; resolves when closed. */
  close(): Promise<void> {
    if (!this.closed) {
      this.hungUp = true;
      this.dropFramer();
      this.abort.abort(new RpcError(CODE.SHUTTING_DOWN, 'Shutting down'));
      // Let already-settling responses reach the socket before ending it.
      setImmediate(() => this.endSocket());
    }
    return this.closedPromise;
  }
}
