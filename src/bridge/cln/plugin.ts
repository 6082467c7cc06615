/**
 * The plugin: answers lightningd's `getmanifest` and `init`, routes hook calls and notifications, and
 * owns the connections (lightningd's RPC socket, invoiced's socket). Built from its streams, home
 * directory and an exit function, so tests can run it in-process as well as through `main.ts`.
 */
import type { Readable, Writable } from 'node:stream';
import { member, toPlain, type JsonNode } from '../../rpc/json-reader.js';
import { DaemonLink, identityMismatchText, LINK_TIMING, type LinkTiming } from './daemon-link.js';
import { CONTINUE, HtlcForwarder } from './htlc-forwarder.js';
import { createLog, errorText, type Log } from './log.js';
import { ConfigError, manifest, readConfig, type PluginConfig } from './manifest.js';
import { NodeFacts } from './node-facts.js';
import { onOnionMessage } from './onion-hook.js';
import { OnionSender } from './onion-send.js';
import { OutboxDrain } from './outbox-drain.js';
import { PluginIo, type Incoming } from './plugin-io.js';
import { RpcSocket } from './rpc-socket.js';

export interface PluginEnv {
  readonly stdin: Readable;
  readonly stdout: Writable;
  readonly home: string;
  /** Ends the process (after `shutdown`, or when lightningd goes away). */
  exit(code: number): void;
  /** Shorter limits for the daemon link; only tests set them (main.ts, docs/cln-plugin.md §8). */
  readonly timing?: Partial<LinkTiming>;
}

interface Running {
  readonly config: PluginConfig;
  readonly lightning: RpcSocket;
  readonly link: DaemonLink;
  readonly htlcs: HtlcForwarder;
  readonly facts: NodeFacts;
  readonly sender: OnionSender;
}

export class Plugin {
  private readonly io: PluginIo;
  readonly log: Log;
  private running: Running | undefined;
  /** Hook calls that arrive before `init` is done wait for it. */
  private readonly started: Promise<Running | undefined>;
  private resolveStarted!: (r: Running | undefined) => void;
  private stopping = false;

  constructor(private readonly env: PluginEnv) {
    this.io = new PluginIo(env.stdin, env.stdout, {
      onMessage: (m) => this.onMessage(m),
      onClose: (why) => void this.shutdown(`lightningd went away (${why})`),
    });
    this.log = createLog((level, message) => this.io.notify('log', { level, message }));
    this.started = new Promise((resolve) => (this.resolveStarted = resolve));
  }

  private onMessage(m: Incoming): void {
    const id = m.id;
    const answer = (p: Promise<unknown>, hook = false) => {
      p.then(
        (r) => id && this.io.respond(id, r),
        (e) => {
          this.log.error(`${m.method}: ${errorText(e)}`);
          // lightningd stops itself on an error answer to a hook call: a hook always gets a result.
          if (id && hook) this.io.respond(id, CONTINUE);
          else if (id) this.io.respondError(id, -32603, errorText(e));
        },
      );
    };
    switch (m.method) {
      case 'getmanifest':
        return answer(Promise.resolve(manifest()));
      case 'init':
        return answer(this.init(m.params).catch((e) => this.disable(`init failed: ${errorText(e)}`)));
      case 'htlc_accepted':
        return answer(this.started.then((r) => (r ? r.htlcs.forward(m.params) : CONTINUE)), true);
      case 'onion_message_recv':
      case 'onion_message_recv_secret':
        return answer(
          this.started.then((r) =>
            r ? onOnionMessage({ link: r.link, sender: r.sender, log: this.log, holdMs: r.config.holdMs }, m.params) : CONTINUE,
          ),
          true,
        );
      case 'block_added': {
        const h = inner(m.params, 'block_added', 'height');
        if (typeof h === 'number') void this.started.then((r) => r?.facts.setHeight(h));
        return;
      }
      case 'channel_state_changed':
        void this.started.then((r) => r?.facts.refresh());
        return;
      case 'shutdown':
        void this.shutdown('lightningd asked us to shut down');
        return;
      default:
        if (id) this.io.respondError(id, -32601, `Unknown method ${m.method}`);
    }
  }

  private async init(params: JsonNode): Promise<Record<string, unknown>> {
    let config: PluginConfig;
    try {
      config = readConfig(params, this.env.home);
    } catch (e) {
      if (e instanceof ConfigError) return this.disable(e.message);
      throw e;
    }
    this.log.setLevel(config.logLevel);
    let lightning: RpcSocket;
    let nodeId: string;
    let height: number | undefined;
    let noconnect = false;
    try {
      lightning = await RpcSocket.connect(config.lightningRpc, 'invoiced-cln');
      const info = toPlain(await lightning.call('getinfo')) as { id: string; blockheight?: number };
      nodeId = info.id;
      height = info.blockheight;
      noconnect = await readNoconnect(lightning);
    } catch (e) {
      return this.disable(`cannot use lightningd's RPC at ${config.lightningRpc}: ${errorText(e)}`);
    }
    const sender = new OnionSender({ lightning, ourId: nodeId, noconnect, log: this.log });
    const outbox = new OutboxDrain(sender, this.log);
    let facts: NodeFacts | undefined;
    const link = new DaemonLink(
      config.daemonRpc,
      nodeId,
      config.lightningDir,
      this.log,
      (s) => {
        facts?.onConnected(s);
        outbox.onConnected(s);
      },
      { ...LINK_TIMING, ...this.env.timing },
    );
    const first = await link.connectOnce();
    if (first.kind === 'mismatch') {
      lightning.close();
      return this.disable(identityMismatchText(first.daemonId, nodeId, config.lightningDir));
    }
    facts = new NodeFacts({ lightning, link, log: this.log, intervalMs: config.factsIntervalMs });
    if (height !== undefined) facts.setHeight(height);
    const htlcs = new HtlcForwarder({ link, log: this.log, holdMs: config.holdMs });
    this.running = { config, lightning, link, htlcs, facts, sender };
    if (first.kind === 'ok') this.log.info(`connected to invoiced at ${config.daemonRpc} (node ${nodeId})`);
    else this.log.warn(`invoiced is not reachable at ${config.daemonRpc} (${first.reason}); HTLCs will be held until it is`);
    link.start(first.kind === 'ok' ? first.socket : undefined);
    facts.start();
    this.resolveStarted(this.running);
    return {};
  }

  private disable(reason: string): Record<string, unknown> {
    this.log.error(reason);
    this.resolveStarted(undefined);
    return { disable: reason };
  }

  /** Closes everything and exits. */
  async shutdown(why: string): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.log.info(`shutting down: ${why}`);
    const r = this.running;
    this.resolveStarted(undefined);
    if (r) {
      r.facts.stop();
      r.link.stop();
      r.lightning.close();
    }
    await this.io.flush();
    this.env.exit(0);
  }
}

/** `params.<outer>.<key>` as a plain value (CLN wraps each notification's fields in an object named after it). */
function inner(params: JsonNode, outer: string, key: string): unknown {
  const o = params.kind === 'object' ? member(params, outer) : undefined;
  const v = o?.kind === 'object' ? member(o, key) : undefined;
  return v === undefined ? undefined : toPlain(v);
}

/** CLN's `fetchinvoice-noconnect` (an option of its offers plugin); false when it cannot be read. */
async function readNoconnect(lightning: RpcSocket): Promise<boolean> {
  try {
    const r = toPlain(await lightning.call('listconfigs', { config: 'fetchinvoice-noconnect' })) as {
      configs?: Record<string, { set?: boolean }>;
    };
    return r.configs?.['fetchinvoice-noconnect']?.set === true;
  } catch {
    return false;
  }
}
