/** A raw Unix-socket client for the server tests: writes bytes, collects "\n\n"-terminated responses. */
import net from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RpcServer } from '../../src/rpc/index.js';
import { parseJson, toPlain } from '../../src/rpc/json-reader.js';

export interface Listening {
  path: string;
  close(): Promise<void>;
}

/** Listens on a fresh temp socket path and hands connections to `server`. */
export async function listen(server: RpcServer): Promise<Listening> {
  const dir = mkdtempSync(join(tmpdir(), 'rpc-test-'));
  const path = join(dir, 'rpc');
  const srv = net.createServer({ allowHalfOpen: true }, (s) => server.handleConnection(s));
  await new Promise<void>((res) => srv.listen(path, res));
  return {
    path,
    close: async () => {
      await server.closeConnections();
      await new Promise<void>((res) => srv.close(() => res()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export class RawClient {
  readonly socket: net.Socket;
  private buf = '';
  readonly responses: Record<string, unknown>[] = [];
  readonly texts: string[] = [];
  ended = false;
  closed = false;
  private waiters: (() => void)[] = [];

  private constructor(socket: net.Socket) {
    this.socket = socket;
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => {
      this.buf += d;
      let i: number;
      while ((i = this.buf.indexOf('\n\n')) >= 0) {
        const text = this.buf.slice(0, i);
        this.buf = this.buf.slice(i + 2);
        this.texts.push(text);
        this.responses.push(toPlain(parseJson(text)) as Record<string, unknown>);
      }
      this.notify();
    });
    socket.on('end', () => {
      this.ended = true;
      this.notify();
    });
    socket.on('close', () => {
      this.closed = true;
      this.notify();
    });
    socket.on('error', () => {});
  }

  static connect(path: string): Promise<RawClient> {
    return new Promise((res, rej) => {
      const s = net.createConnection({ path, allowHalfOpen: true }, () => res(new RawClient(s)));
      s.once('error', rej);
    });
  }

  private notify(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  /** Resolves once `pred` holds (re-checked on every event from the socket). */
  async until(pred: () => boolean): Promise<void> {
    while (!pred()) await new Promise<void>((r) => this.waiters.push(r));
  }

  write(data: string | Uint8Array): Promise<void> {
    return new Promise((res) => this.socket.write(data, () => res()));
  }

  async waitResponses(n: number): Promise<Record<string, unknown>[]> {
    await this.until(() => this.responses.length >= n || this.closed);
    return this.responses;
  }

  byId(id: unknown): Record<string, unknown> | undefined {
    return this.responses.find((r) => r['id'] === id);
  }
}

/** A request text. */
export function req(id: number | string, method: string, params: unknown = []): string {
  return JSON.stringify({ jsonrpc: '2.0', id, method, params });
}

/**
 * For checks that something does NOT happen: resolves with `f()` once it has stayed the same for `checks`
 * checks in a row, one every `everyMs` (real turns of I/O, so the server gets to act in between).
 */
export async function settled(f: () => number, { checks, everyMs }: { checks: number; everyMs: number }): Promise<number> {
  let last = -1;
  let same = 0;
  while (same < checks) {
    await new Promise((r) => setTimeout(r, everyMs));
    const v = f();
    same = v === last ? same + 1 : 0;
    last = v;
  }
  return last;
}
