/**
 * A tiny JSON-RPC client for end-to-end tests: raw bytes on the daemon's Unix socket, responses split on
 * the "\n\n" the daemon writes after each one, matched to calls by id (so out-of-order completion works),
 * with unmatched messages queued for `next()`. Each reply keeps its raw text, so tests can check numbers
 * above 2^53 exactly.
 */
import * as net from 'node:net';

export interface RpcReply {
  readonly jsonrpc?: string;
  readonly id?: unknown;
  // Results are command-specific JSON; tests index into them freely.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly result?: any;
  readonly error?: { readonly code: number; readonly message: string; readonly data?: any }; // eslint-disable-line @typescript-eslint/no-explicit-any
  /** The message as received (without the trailing "\n\n"). */
  readonly raw: string;
}

export interface CallOptions {
  readonly id?: string | number;
  readonly filter?: unknown;
}

let seq = 0;

export class RpcClient {
  private buf = '';
  private readonly pending = new Map<string, (r: RpcReply) => void>();
  private readonly queue: RpcReply[] = [];
  private readonly waiters: Array<(r: RpcReply | undefined) => void> = [];
  private ended = false;
  /** Resolves when the socket is fully closed. */
  readonly closed: Promise<void>;

  private constructor(readonly socket: net.Socket) {
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => this.onData(chunk));
    socket.on('error', () => {});
    this.closed = new Promise((resolve) =>
      socket.on('close', () => {
        this.ended = true;
        for (const w of this.waiters.splice(0)) w(undefined);
        resolve();
      }),
    );
    socket.on('end', () => {
      this.ended = true;
      for (const w of this.waiters.splice(0)) w(undefined);
    });
  }

  /** Connects to the daemon's socket. */
  static connect(path: string): Promise<RpcClient> {
    return new Promise((resolve, reject) => {
      const s = net.connect({ path });
      s.once('connect', () => {
        s.off('error', reject);
        resolve(new RpcClient(s));
      });
      s.once('error', reject);
    });
  }

  /** True once the daemon ended its side or the socket closed. */
  get remoteEnded(): boolean {
    return this.ended;
  }

  /** Sends a request and resolves with the reply carrying its id. */
  call(method: string, params: unknown = {}, opts: CallOptions = {}): Promise<RpcReply> {
    const id = opts.id ?? `test:${method}#${++seq}`;
    const req: Record<string, unknown> = { jsonrpc: '2.0', id, method, params };
    if (opts.filter !== undefined) req.filter = opts.filter;
    const p = this.expect(id);
    this.write(JSON.stringify(req));
    return p;
  }

  /** A promise for the reply with this id (register before writing a raw request with that id). */
  expect(id: string | number): Promise<RpcReply> {
    return new Promise((resolve, reject) => {
      this.pending.set(JSON.stringify(id), resolve);
      this.closed.then(() => reject(new Error(`connection closed before reply to ${JSON.stringify(id)}`)));
    });
  }

  /** Writes raw text or bytes. */
  write(data: string | Uint8Array): void {
    this.socket.write(data);
  }

  /** The next message not claimed by a call, or undefined if the connection ends first. */
  next(): Promise<RpcReply | undefined> {
    const q = this.queue.shift();
    if (q) return Promise.resolve(q);
    if (this.ended) return Promise.resolve(undefined);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Closes our side and waits for the socket to close. */
  async close(): Promise<void> {
    this.socket.end();
    this.socket.destroySoon?.();
    await this.closed;
  }

  /** Drops the connection at once. */
  destroy(): void {
    this.socket.destroy();
  }

  private onData(chunk: string): void {
    this.buf += chunk;
    for (;;) {
      const end = this.buf.indexOf('\n\n');
      if (end < 0) return;
      const raw = this.buf.slice(0, end);
      this.buf = this.buf.slice(end + 2);
      if (raw.trim() === '') continue;
      const msg = { ...(JSON.parse(raw) as object), raw } as RpcReply;
      const key = JSON.stringify(msg.id);
      const resolve = msg.id !== undefined && msg.id !== null ? this.pending.get(key) : undefined;
      if (resolve) {
        this.pending.delete(key);
        resolve(msg);
      } else {
        const w = this.waiters.shift();
        if (w) w(msg);
        else this.queue.push(msg);
      }
    }
  }
}
