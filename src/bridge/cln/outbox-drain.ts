/**
 * Drains invoiced's outbox (docs/bridge.md §9): waits for entries with `wait outbox created N`, lists
 * the pending ones, sends each as an onion message and reports it with `outbox-sent` or `outbox-failed`.
 * The cursor starts again from 1 on every new connection, so an entry left unreported by a lost
 * connection or a restart of either side is found again (it may then be delivered twice, which
 * recipients treat as the same invoice).
 */
import { toPlain } from '../../rpc/json-reader.js';
import { fromHex } from '../../util/hex.js';
import { errorText, type Log } from './log.js';
import { ONIONMSG, type JsonBlindedPath, type MessageField, type OnionSender } from './onion-send.js';
import { ConnectionLost, RpcCallError, type RpcSocket } from './rpc-socket.js';

/** An outbox entry as `listoutbox` gives it (the fields used here). */
interface OutboxEntryJson {
  readonly created_index: number;
  readonly kind: string;
  readonly destination: { readonly node_id?: string; readonly blinded_paths?: readonly JsonBlindedPath[] };
  readonly reply_path: { readonly hex: string };
  readonly [field: string]: unknown;
}

const KIND_TYPES: Readonly<Record<string, bigint>> = { invoice: ONIONMSG.invoice, invoice_error: ONIONMSG.invoice_error };

export class OutboxDrain {
  private running: RpcSocket | undefined;
  private disabled = false;

  constructor(
    private readonly sender: OnionSender,
    private readonly log: Log,
  ) {}

  /** A new verified connection: drain through it until it closes. */
  onConnected(s: RpcSocket): void {
    if (this.running === s || this.disabled) return;
    void this.run(s);
  }

  private async run(s: RpcSocket): Promise<void> {
    this.running = s;
    let next = 1;
    try {
      for (;;) {
        const w = toPlain(await s.call('wait', { subsystem: 'outbox', indexname: 'created', nextvalue: next }), 'always') as { created: bigint };
        const list = toPlain(await s.call('listoutbox', { status: 'pending', start: next })) as { outbox: OutboxEntryJson[] };
        for (const e of list.outbox) await this.deliver(s, e);
        next = Number(w.created) + 1;
        for (const e of list.outbox) next = Math.max(next, e.created_index + 1);
      }
    } catch (e) {
      if (e instanceof ConnectionLost) return; // started again on reconnect
      if (e instanceof RpcCallError && (e.code === -32601 || e.code === -32602)) {
        this.disabled = true;
        this.log.warn(`invoiced has no outbox to drain (${e.message}): not sending its onion messages`);
        return;
      }
      this.log.error(`outbox: ${errorText(e)}; starting again after the next reconnect`);
    } finally {
      if (this.running === s) this.running = undefined;
    }
  }

  private async deliver(s: RpcSocket, e: OutboxEntryJson): Promise<void> {
    const type = KIND_TYPES[e.kind];
    const hex = e[e.kind];
    let error: string | undefined;
    if (type === undefined || typeof hex !== 'string') {
      error = `unknown outbox kind ${e.kind}`;
    } else {
      const fields: MessageField[] = [
        { type: ONIONMSG.reply_path, value: fromHex(e.reply_path.hex) },
        { type, value: fromHex(hex) },
      ];
      error = await this.send(e, fields);
    }
    try {
      if (error === undefined) {
        await s.call('outbox-sent', { created_index: e.created_index });
        this.log.info(`outbox ${e.created_index}: ${e.kind} sent`);
      } else {
        await s.call('outbox-failed', { created_index: e.created_index, error });
        this.log.warn(`outbox ${e.created_index}: ${e.kind} not delivered: ${error}`);
      }
    } catch (err) {
      // Reported meanwhile by another bridge (-1), say: nothing to do but go on with the next one.
      if (!(err instanceof RpcCallError)) throw err;
      this.log.warn(`outbox ${e.created_index}: reporting it: ${err.message}`);
    }
  }

  /** Undefined when sent; else why not. */
  private async send(e: OutboxEntryJson, fields: readonly MessageField[]): Promise<string | undefined> {
    const d = e.destination;
    if (d.node_id !== undefined) {
      try {
        await this.sender.sendToNode(d.node_id, fields);
        return undefined;
      } catch (err) {
        return errorText(err);
      }
    }
    const why: string[] = [];
    for (const p of d.blinded_paths ?? []) {
      try {
        await this.sender.sendToPath(p, fields);
        return undefined;
      } catch (err) {
        why.push(errorText(err));
      }
    }
    return why.length ? why.join('; ') : 'no destination';
  }
}
