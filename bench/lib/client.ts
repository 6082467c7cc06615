/**
 * A lean JSON-RPC client for the benchmark: requests written as single JSON texts on the daemon's Unix
 * socket, answers split on the "\n\n" the daemon writes after each one and matched to calls by id (the
 * daemon may answer out of order). Kept minimal so the client side costs little next to the daemon.
 */
import * as net from 'node:net';

/** One answer: `result` or `error`, as JSON. */
export interface Reply {
  readonly id?: number;
  // Results are command-specific JSON that the scenarios index into.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly result?: any;
  readonly error?: { readonly code: number; readonly message: string };
}

/** One connection to the daemon. */
export class BenchClient {
  private buf = '';
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (r: Reply) => void; reject: (e: Error) => void }>();

  private constructor(private readonly socket: net.Socket) {
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => this.onData(chunk));
    socket.on('error', (err) => this.failAll(err));
    socket.on('close', () => this.failAll(new Error('connection closed')));
  }

  static connect(path: string): Promise<BenchClient> {
    return new Promise((resolve, reject) => {
      const s = net.connect({ path });
      s.once('connect', () => {
        s.off('error', reject);
        resolve(new BenchClient(s));
      });
      s.once('error', reject);
    });
  }

  /** Sends one request; resolves with its answer (errors are answers too, not rejections). */
  call(method: string, params: unknown): Promise<Reply> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.socket.write(`{"jsonrpc":"2.0","id":${id},"method":${JSON.stringify(method)},"params":${JSON.stringify(params)}}`);
    });
  }

  /** Like `call`, but an error answer rejects. */
  async ok(method: string, params: unknown): Promise<Reply> {
    const r = await this.call(method, params);
    if (r.error) throw new Error(`${method}: ${r.error.code} ${r.error.message}`);
    return r;
  }

  close(): void {
    this.socket.destroy();
  }

  private onData(chunk: string): void {
    this.buf += chunk;
    let at: number;
    while ((at = this.buf.indexOf('\n\n')) >= 0) {
      const text = this.buf.slice(0, at);
      this.buf = this.buf.slice(at + 2);
      if (text.trim() === '') continue;
      const msg = JSON.parse(text) as Reply;
      const p = typeof msg.id === 'number' ? this.pending.get(msg.id) : undefined;
      if (!p) continue; // notifications are not expected; ignore anything unmatched
      this.pending.delete(msg.id as number);
      p.resolve(msg);
    }
  }

  private failAll(err: Error): void {
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
  }
}

/** Opens `n` connections. */
export async function connectMany(path: string, n: number): Promise<BenchClient[]> {
  const out: BenchClient[] = [];
  // In slices: thousands of simultaneous connects would overflow the listen backlog.
  for (let i = 0; i < n; i += 200) {
    out.push(...(await Promise.all(Array.from({ length: Math.min(200, n - i) }, () => BenchClient.connect(path)))));
  }
  return out;
}
