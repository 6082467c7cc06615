/**
 * A JSON-RPC server on a Unix socket, in CLN's dialect (concatenated requests, "\n\n" after each
 * response), for tests: it stands in for lightningd's RPC socket in the simulator, and for invoiced where
 * a test must see the exact bytes the plugin sends. Every request is recorded with its params' exact text.
 */
import * as net from 'node:net';
import { JsonFramer } from '../../src/rpc/json-framer.js';
import { member, parseJson, rawText, toPlain } from '../../src/rpc/json-reader.js';
import { RawJson, writeJson } from '../../src/rpc/json-writer.js';

/** Thrown by a handler: answered as a JSON-RPC error. */
export class RpcFail extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

export interface Recorded {
  readonly method: string;
  /** The params as plain values (integers beyond 2^53 as bigints). */
  // Test data: callers index into it freely.
  readonly params: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  /** The params' exact text. */
  readonly raw: string;
}

export type Handler = (params: any, raw: string) => unknown; // eslint-disable-line @typescript-eslint/no-explicit-any -- request params are JSON each handler reads as it needs

export class JsonServer {
  readonly calls: Recorded[] = [];
  private readonly conns = new Set<net.Socket>();
  private readonly watchers: Array<{ pred: (r: Recorded) => boolean; resolve: (r: Recorded) => void }> = [];

  private constructor(
    private readonly server: net.Server,
    readonly path: string,
    readonly handlers: Map<string, Handler>,
  ) {}

  static listen(path: string, handlers: Record<string, Handler>): Promise<JsonServer> {
    const map = new Map(Object.entries(handlers));
    return new Promise((resolve, reject) => {
      let self: JsonServer;
      const server = net.createServer((sock) => self.serve(sock));
      self = new JsonServer(server, path, map);
      server.once('error', reject);
      server.listen(path, () => resolve(self));
    });
  }

  /** Resolves with the first recorded call (past or future) matching. */
  waitFor(method: string, pred: (r: Recorded) => boolean = () => true): Promise<Recorded> {
    const match = (r: Recorded) => r.method === method && pred(r);
    const found = this.calls.find(match);
    if (found) return Promise.resolve(found);
    return new Promise((resolve) => this.watchers.push({ pred: match, resolve }));
  }

  callsOf(method: string): Recorded[] {
    return this.calls.filter((c) => c.method === method);
  }

  /** Drops every connection (as a dying server would) without closing the listener. */
  dropConnections(): void {
    for (const c of this.conns) c.destroy();
  }

  close(): Promise<void> {
    this.dropConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private serve(sock: net.Socket): void {
    this.conns.add(sock);
    sock.on('close', () => this.conns.delete(sock));
    sock.on('error', () => {});
    const framer = new JsonFramer(64 * 1024 * 1024);
    sock.on('data', (chunk: Buffer) => {
      framer.push(chunk);
      for (let f = framer.next(); f; f = framer.next()) {
        if (f.type !== 'message') return void sock.destroy();
        void this.answer(sock, f.text);
      }
    });
  }

  private async answer(sock: net.Socket, text: string): Promise<void> {
    const req = parseJson(text);
    if (req.kind !== 'object') return;
    const id = member(req, 'id');
    const method = member(req, 'method');
    const paramsNode = member(req, 'params');
    if (!id || method?.kind !== 'string') return;
    const raw = paramsNode ? rawText(paramsNode) : '{}';
    const rec: Recorded = { method: method.value, params: paramsNode ? toPlain(paramsNode) : {}, raw };
    this.calls.push(rec);
    for (const w of [...this.watchers]) {
      if (w.pred(rec)) {
        this.watchers.splice(this.watchers.indexOf(w), 1);
        w.resolve(rec);
      }
    }
    const h = this.handlers.get(method.value);
    let body: Record<string, unknown>;
    try {
      if (!h) throw new RpcFail(-32601, `Unknown command '${method.value}'`);
      body = { result: await h(rec.params, raw) };
    } catch (e) {
      body = e instanceof RpcFail ? { error: { code: e.code, message: e.message } } : { error: { code: -32603, message: String(e) } };
    }
    if (!sock.destroyed) sock.write(writeJson({ jsonrpc: '2.0', id: new RawJson(rawText(id)), ...body }) + '\n\n');
  }
}
