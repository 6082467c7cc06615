/**
 * What invoiced learns about the node from us: its block height (`setblockheight`, at init and on every
 * `block_added`, so expiry checks never wait for the next HTLC) and its facts (`setnodefacts`: lightningd's
 * `getinfo`, `listpeerchannels.channels` and `listincoming.incoming`, passed on as they are, for route
 * hints, blinded paths and `getinfo`: docs/bridge.md §11). Facts
 * are sent at init, after each `channel_state_changed` (bursts coalesce into one refresh), every
 * `invoiced-facts-interval` seconds, and again whenever the daemon reconnects.
 */
import { member, type JsonNode } from '../../rpc/json-reader.js';
import type { DaemonLink } from './daemon-link.js';
import { errorText, type Log } from './log.js';
import { raw, RpcCallError, type RpcSocket } from './rpc-socket.js';

export interface NodeFactsDeps {
  readonly lightning: RpcSocket;
  readonly link: DaemonLink;
  readonly log: Log;
  readonly intervalMs: number;
}

/** The JSON-RPC code for a command the daemon does not have (an older invoiced). */
const UNKNOWN_COMMAND = -32601;

export class NodeFacts {
  private height: number | undefined;
  private refreshing: Promise<void> | undefined;
  private again = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly missing = new Set<string>();

  constructor(private readonly deps: NodeFactsDeps) {}

  /** The last height lightningd told us. */
  get blockheight(): number | undefined {
    return this.height;
  }

  /** Starts the periodic refresh. */
  start(): void {
    this.timer = setInterval(() => void this.refresh(), this.deps.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** A new chain tip (`block_added`, or `getinfo.blockheight` at init). */
  setHeight(height: number): void {
    this.height = height;
    const s = this.deps.link.current;
    if (s) void this.send(s, 'setblockheight', { blockheight: height });
  }

  /** A fresh connection to the daemon: tell it everything. */
  onConnected(s: RpcSocket): void {
    if (this.height !== undefined) void this.send(s, 'setblockheight', { blockheight: this.height });
    void this.refresh();
  }

  /** Reads the node's facts from lightningd and sends them; concurrent calls coalesce. Never rejects. */
  refresh(): Promise<void> {
    if (this.refreshing) {
      this.again = true;
      return this.refreshing;
    }
    this.refreshing = (async () => {
      do {
        this.again = false;
        await this.refreshOnce();
      } while (this.again);
      this.refreshing = undefined;
    })();
    return this.refreshing;
  }

  private async refreshOnce(): Promise<void> {
    const s = this.deps.link.current;
    if (!s) return; // sent on reconnect
    let getinfo: JsonNode;
    let channels: JsonNode | undefined;
    let incoming: JsonNode | undefined;
    const { lightning } = this.deps;
    try {
      getinfo = await lightning.call('getinfo');
      const lpc = await lightning.call('listpeerchannels');
      channels = lpc.kind === 'object' ? member(lpc, 'channels') : undefined;
    } catch (e) {
      this.deps.log.warn(`cannot read the node's channels from lightningd: ${errorText(e)}`);
      return;
    }
    try {
      // Optional (it tells dead-end peers apart): a node without the topology plugin has no listincoming.
      const li = await lightning.call('listincoming');
      incoming = li.kind === 'object' ? member(li, 'incoming') : undefined;
    } catch (e) {
      this.deps.log.debug(`listincoming: ${errorText(e)} (route hints are chosen without it)`);
    }
    await this.send(s, 'setnodefacts', {
      getinfo: raw(getinfo),
      ...(channels ? { channels: raw(channels) } : {}),
      ...(incoming ? { incoming: raw(incoming) } : {}),
    });
  }

  private async send(s: RpcSocket, method: string, params: Record<string, unknown>): Promise<void> {
    try {
      await s.call(method, params);
    } catch (e) {
      if (e instanceof RpcCallError && e.code === UNKNOWN_COMMAND) {
        if (!this.missing.has(method)) this.deps.log.warn(`invoiced has no ${method} command (an older version?): not reporting it`);
        this.missing.add(method);
      } else {
        this.deps.log.debug(`${method}: ${errorText(e)} (sent again on reconnect)`);
      }
    }
  }
}
