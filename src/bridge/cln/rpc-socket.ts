/**
 * A JSON-RPC 2.0 client on a Unix socket, for both sockets the plugin talks to: lightningd's own
 * (`lightning-rpc`) and invoiced's (`invoice-rpc`). Both speak Core Lightning's dialect: concatenated
 * JSON objects, "\n\n" after each response.
 *
 * Any number of calls may be in flight on one connection; each gets its own id and is matched to its
 * response by that id, so a slow answer (a part of a multi-part payment waits for its whole set) never
 * holds up another. Results are kept as exact JSON trees (`JsonNode`): numbers above 2^53 are never
 * turned into JS numbers, and a result can be passed on byte for byte with `rawText`.
 */
import * as net from 'node:net';
import { JsonFramer } from '../../rpc/json-framer.js';
import { feedFrames } from './frames.js';
import { member, parseJson, rawText, toPlain, type JsonNode } from '../../rpc/json-reader.js';
import { RawJson, writeJson } from '../../rpc/json-writer.js';

/** The largest response accepted (listpeerchannels on a big node is large, but not this large). */
const MAX_RESPONSE_BYTES = 256 * 1024 * 1024;

/** The server answered with a JSON-RPC error. */
export class RpcCallError extends Error {
  override readonly name = 'RpcCallError';
  constructor(
    readonly method: string,
    readonly code: number,
    readonly rpcMessage: string,
    /** The whole error object, as received. */
    readonly raw: string,
  ) {
    super(`${method}: ${code} ${rpcMessage}`);
  }
}

/** The connection closed (or never opened) before the answer came. */
export class ConnectionLost extends Error {
  override readonly name = 'ConnectionLost';
}

interface Pending {
  readonly method: string;
  resolve(result: JsonNode): void;
  reject(e: Error): void;
}

export class RpcSocket {
  private readonly pending = new Map<string, Pending>();
  private readonly framer = new JsonFramer(MAX_RESPONSE_BYTES);
  private seq = 0;
  private lost: ConnectionLost | undefined;
  /** Resolves once the connection is closed, for whatever reason. */
  readonly closed: Promise<void>;

  private constructor(
    private readonly socket: net.Socket,
    private readonly idPrefix: string,
  ) {
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (e) => this.close(new ConnectionLost(e.message)));
    this.closed = new Promise((resolve) => socket.on('close', () => {
      this.close(new ConnectionLost('connection closed'));
      resolve();
    }));
  }

  /** Connects to `path`; `idPrefix` names our requests in the server's logs (CLN's "plugin:method#N" habit). */
  static connect(path: string, idPrefix: string): Promise<RpcSocket> {
    return new Promise((resolve, reject) => {
      const s = net.connect({ path });
      const onError = (e: Error) => reject(new ConnectionLost(`cannot connect to ${path}: ${e.message}`));
      s.once('error', onError);
      s.once('connect', () => {
        s.off('error', onError);
        resolve(new RpcSocket(s, idPrefix));
      });
    });
  }

  /** True until the connection is lost or closed. */
  get open(): boolean {
    return this.lost === undefined;
  }

  /** How many calls are waiting for their answer. */
  get pendingCalls(): number {
    return this.pending.size;
  }

  /**
   * Sends one request and resolves with its `result` node. `params` is any JSON value (`bigint`s are
   * written as numbers, `RawJson` verbatim, so a hook's payload can be forwarded exactly).
   * @throws RpcCallError when the server answers with an error; ConnectionLost when the connection ends first.
   */
  call(method: string, params: unknown = {}): Promise<JsonNode> {
    if (this.lost) return Promise.reject(this.lost);
    const id = `${this.idPrefix}:${method}#${++this.seq}`;
    const text = writeJson({ jsonrpc: '2.0', id, method, params });
    return new Promise((resolve, reject) => {
      this.pending.set(id, { method, resolve, reject });
      this.socket.write(text);
    });
  }

  /** Like `call`, but converts the result to plain values (integers beyond 2^53 as bigints). */
  async callPlain(method: string, params: unknown = {}): Promise<unknown> {
    return toPlain(await this.call(method, params));
  }

  /** Closes the connection; calls still in flight fail with ConnectionLost. */
  close(reason = new ConnectionLost('connection closed by us')): void {
    if (!this.lost) this.lost = reason;
    for (const p of this.pending.values()) p.reject(this.lost);
    this.pending.clear();
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    feedFrames(
      this.framer,
      chunk,
      (text) => this.onMessage(text),
      (why) => this.close(new ConnectionLost(`unreadable response stream (${why})`)),
    );
  }

  private onMessage(text: string): void {
    let node: JsonNode;
    try {
      node = parseJson(text);
    } catch {
      this.close(new ConnectionLost('unparsable response'));
      return;
    }
    if (node.kind !== 'object') return;
    const idNode = member(node, 'id');
    // Notifications (no id) are not asked for; anything else not ours is ignored.
    if (!idNode || idNode.kind !== 'string') return;
    const p = this.pending.get(idNode.value);
    if (!p) return;
    this.pending.delete(idNode.value);
    const err = member(node, 'error');
    if (err) {
      const code = err.kind === 'object' ? member(err, 'code') : undefined;
      const msg = err.kind === 'object' ? member(err, 'message') : undefined;
      p.reject(
        new RpcCallError(
          p.method,
          code?.kind === 'number' ? Number(code.text) : -32603,
          msg?.kind === 'string' ? msg.value : rawText(err),
          rawText(err),
        ),
      );
      return;
    }
    const result = member(node, 'result');
    if (!result) p.reject(new RpcCallError(p.method, -32603, 'response without result', text));
    else p.resolve(result);
  }
}

/** A JSON node passed on verbatim. */
export function raw(node: JsonNode): RawJson {
  return new RawJson(rawText(node));
}
