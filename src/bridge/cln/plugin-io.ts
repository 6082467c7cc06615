/**
 * Core Lightning's plugin protocol on stdin/stdout: lightningd is the JSON-RPC client, we are the server.
 * Requests (`getmanifest`, `init`, hook calls) carry an `id` that we echo exactly as received (lightningd
 * matches answers by the id's full text, quotes included); notifications carry none. Every message we
 * write is one JSON object followed by "\n\n"; nothing else ever goes to stdout (a stray byte there
 * makes lightningd kill the plugin).
 */
import type { Readable, Writable } from 'node:stream';
import { JsonFramer } from '../../rpc/json-framer.js';
import { feedFrames } from './frames.js';
import { member, parseJson, rawText, type JsonNode, type JsonObjectNode } from '../../rpc/json-reader.js';
import { RawJson, writeJson } from '../../rpc/json-writer.js';

/** Hook payloads are small, but an init or a big onion message must fit. */
const MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

/** One message from lightningd. */
export interface Incoming {
  readonly method: string;
  /** The `params` node (an empty object when absent). */
  readonly params: JsonNode;
  /** The `id` token as received, for requests; undefined for notifications. */
  readonly id: RawJson | undefined;
}

export interface PluginIoEvents {
  onMessage(m: Incoming): void;
  /** stdin ended or became unreadable: lightningd is gone. */
  onClose(reason: string): void;
}

export class PluginIo {
  private readonly framer = new JsonFramer(MAX_MESSAGE_BYTES);
  private closed = false;

  constructor(
    input: Readable,
    private readonly output: Writable,
    private readonly events: PluginIoEvents,
  ) {
    input.on('data', (chunk: Buffer) => this.onData(chunk));
    input.on('end', () => this.close('stdin closed'));
    input.on('error', (e) => this.close(`stdin: ${e.message}`));
    output.on('error', (e) => this.close(`stdout: ${e.message}`));
  }

  /** Answers request `id` with `result` (any JSON value; `RawJson` is written verbatim). */
  respond(id: RawJson, result: unknown): void {
    this.write({ jsonrpc: '2.0', id, result });
  }

  /** Answers request `id` with a JSON-RPC error. */
  respondError(id: RawJson, code: number, message: string): void {
    this.write({ jsonrpc: '2.0', id, error: { code, message } });
  }

  /** Sends a notification (`log`, …). */
  notify(method: string, params: unknown): void {
    this.write({ jsonrpc: '2.0', method, params });
  }

  /** Resolves once everything written so far is handed to the OS. */
  flush(): Promise<void> {
    return new Promise((resolve) => {
      if (this.closed) resolve();
      else this.output.write('', () => resolve());
    });
  }

  private write(msg: unknown): void {
    if (this.closed) return;
    this.output.write(writeJson(msg) + '\n\n');
  }

  private close(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.events.onClose(reason);
  }

  private onData(chunk: Buffer): void {
    feedFrames(
      this.framer,
      chunk,
      (text) => {
        let node: JsonNode;
        try {
          node = parseJson(text);
        } catch {
          return; // Not JSON after all: nothing to answer, nothing to act on.
        }
        const m = node.kind === 'object' ? incoming(node) : undefined;
        if (m) this.events.onMessage(m);
      },
      (why) => this.close(`unreadable input from lightningd (${why})`),
    );
  }
}

function incoming(node: JsonObjectNode): Incoming | undefined {
  const method = member(node, 'method');
  if (!method || method.kind !== 'string') return undefined;
  const id = member(node, 'id');
  const params = member(node, 'params') ?? parseJson('{}');
  return { method: method.value, params, id: id && id.kind !== 'null' ? new RawJson(rawText(id)) : undefined };
}
