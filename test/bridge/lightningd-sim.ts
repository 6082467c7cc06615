/**
 * A faithful stand-in for lightningd v26.06 as a plugin sees it (lightningd/plugin.c, plugin_hook.c,
 * notification.c, peer_htlcs.c, onion_message.c):
 * - it executes the BUILT `invoiced-cln` (run `npm run build` first) with the network directory as working
 *   directory and LIGHTNINGD_PLUGIN / LIGHTNINGD_VERSION set, and speaks JSON-RPC on its stdin/stdout,
 *   every message followed by "\n\n", ids of the form "cln:<method>#<n>";
 * - it checks everything the plugin writes as lightningd does: a JSON object with "jsonrpc": "2.0", a
 *   response to a request it sent (matched by the id's full text), or a notification (`log` with a string
 *   `message` and a known level); anything else is recorded as a violation (lightningd kills the plugin);
 * - it sends `getmanifest`, then `init` with the options the manifest declared (defaults, as lightningd
 *   fills them, overridden by `options`) and a real `configuration` object;
 * - hook calls and notifications carry CLN's payloads, fields in CLN's order;
 * - it answers the lightningd RPC calls the plugin makes on a real Unix socket (`lightning-rpc`).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, expect } from 'vitest';
import { JsonFramer } from '../../src/rpc/json-framer.js';
import { member, parseJson, rawText, toPlain, type JsonNode } from '../../src/rpc/json-reader.js';
import { writeJson } from '../../src/rpc/json-writer.js';
import { nodeKeysFromSeed } from '../../src/crypto/node-keys.js';
import { toHex } from '../../src/util/hex.js';
import { REPO_ROOT, TEST_SEED } from '../helpers/daemon.js';
import type { HtlcPayloadJson } from '../helpers/payer.js';
import { tempDir } from '../helpers/tmp.js';
import { JsonServer, type Handler } from './json-server.js';

export const PLUGIN_MAIN = path.join(REPO_ROOT, 'dist/src/bridge/cln/main.js');
/** What lightningd v26.06.6 really sent, captured on regtest (test/fixtures/cln-payloads/README.md). */
export const PAYLOADS = path.join(REPO_ROOT, 'test/fixtures/cln-payloads');
/** The feature set lightningd v26.06.6 sent in init (test/fixtures/cln-payloads/init.plugin.json). */
export const FEATURE_SET = {
  init: '800898880a8a59a1',
  node: '808898880a8a59a1',
  channel: '',
  invoice: '02000002024100',
  bolt12_offer: '',
  bolt12_invreq: '',
  bolt12_invoice: '020000',
  channel_type: '08800000800000',
};
/** A peer's features as lightningd v26.06 sends them (option_onion_messages: bit 39), as listpeers shows them. */
export const ONION_PEER_FEATURES = '800898880a8a59a1';

const LEVELS = new Set(['trace', 'debug', 'info', 'warn', 'error', 'unusual', 'broken']);

export interface SimOptions {
  readonly nodeId: string;
  readonly blockheight?: number;
  /** Plugin options as set on lightningd's command line (strings; ints are sent as numbers, as lightningd does). */
  readonly options?: Readonly<Record<string, string | number>>;
  /** Replaces or adds lightningd RPC commands. */
  readonly rpc?: Readonly<Record<string, Handler>>;
  readonly noconnect?: boolean;
  /** Added to the plugin's environment (e.g. INVOICED_CLN_TEST_TIMING, src/bridge/cln/main.ts). */
  readonly env?: Readonly<Record<string, string>>;
}

export interface Reply {
  /** The `result` node, or undefined for an error reply. */
  readonly result?: JsonNode;
  readonly error?: JsonNode;
  /** The result's exact text. */
  readonly raw: string;
}

export class LightningdSim {
  readonly violations: string[] = [];
  readonly logs: Array<{ level: string; message: string }> = [];
  readonly peers: Array<Record<string, unknown>> = [];
  readonly channels: Array<Record<string, unknown>> = [];
  /** What `listincoming` answers (CLN's topology plugin). */
  readonly incoming: Array<Record<string, unknown>> = [];
  blockheight: number;
  private readonly pending = new Map<string, (r: Reply) => void>();
  private readonly logWatchers: Array<{ re: RegExp; resolve: (m: string) => void }> = [];
  private seq = 40;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stderr = '';

  private constructor(
    readonly dir: string,
    readonly netDir: string,
    readonly rpc: JsonServer,
    readonly proc: ChildProcess,
    readonly opts: SimOptions,
  ) {
    this.blockheight = opts.blockheight ?? 800_000;
    const framer = new JsonFramer(64 * 1024 * 1024);
    proc.stdout!.on('data', (chunk: Buffer) => {
      framer.push(chunk);
      for (let f = framer.next(); f; f = framer.next()) {
        if (f.type !== 'message') this.violations.push(`unreadable stdout: ${f.type}`);
        else this.onPluginMessage(f.text);
      }
    });
    proc.stderr!.setEncoding('utf8').on('data', (d: string) => (this.stderr += d));
    // 'close', not 'exit': 'exit' can come before the plugin's last messages have been read from its stdout.
    this.exited = new Promise((resolve) => proc.on('close', (code, signal) => resolve({ code, signal })));
  }

  /** Creates the node's directory and RPC socket and spawns the plugin (not yet initialised). */
  static async start(opts: SimOptions): Promise<LightningdSim> {
    const dir = tempDir('clns-');
    const netDir = path.join(dir, 'regtest');
    fs.mkdirSync(netDir);
    let sim: LightningdSim | undefined;
    const rpc = await JsonServer.listen(path.join(dir, 'lightning-rpc'), {
      getinfo: () => sim!.getinfo(),
      listconfigs: (p: { config?: string }) => {
        if (p.config !== 'fetchinvoice-noconnect') return { configs: {} };
        return { configs: { 'fetchinvoice-noconnect': { set: opts.noconnect === true, source: 'default', plugin: '/usr/libexec/c-lightning/plugins/offers' } } };
      },
      listpeerchannels: () => ({ channels: sim!.channels }),
      listincoming: () => ({ incoming: sim!.incoming }),
      listpeers: () => ({ peers: sim!.peers }),
      listnodes: () => ({ nodes: [] }),
      listchannels: () => ({ channels: [] }),
      connect: (p: { id: string }) => ({ id: p.id, features: ONION_PEER_FEATURES, direction: 'out', address: { type: 'ipv4', address: '127.0.0.1', port: 9735 } }),
      injectonionmessage: () => ({}),
      ...opts.rpc,
    });
    // lightningd executes the plugin file itself (its #! line finds node), as npm's bin links allow.
    fs.chmodSync(PLUGIN_MAIN, 0o755);
    const proc = spawn(PLUGIN_MAIN, [], {
      cwd: netDir,
      env: { ...process.env, LIGHTNINGD_PLUGIN: '1', LIGHTNINGD_VERSION: 'v26.06.6', ...opts.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    sim = new LightningdSim(dir, netDir, rpc, proc, opts);
    running.add(sim);
    void sim.exited.then(() => running.delete(sim!));
    return sim;
  }

  /** lightningd's `getinfo`, in its field order. */
  getinfo(): Record<string, unknown> {
    const active = this.channels.filter((c) => c.state === 'CHANNELD_NORMAL').length;
    return {
      id: this.opts.nodeId,
      alias: 'SILENTARTIST',
      color: '0387cb',
      num_peers: this.peers.length,
      num_pending_channels: 0,
      num_active_channels: active,
      num_inactive_channels: this.channels.length - active,
      address: [],
      binding: [{ type: 'ipv4', address: '127.0.0.1', port: 19846 }],
      version: 'v26.06.6',
      blockheight: this.blockheight,
      network: 'regtest',
      fees_collected_msat: 0,
      'lightning-dir': this.netDir,
      our_features: { init: FEATURE_SET.init, node: FEATURE_SET.node, channel: '', invoice: FEATURE_SET.invoice },
    };
  }

  /** `getmanifest` then `init`; returns both results. */
  async handshake(): Promise<{ manifest: Record<string, any>; init: Record<string, any> }> { // eslint-disable-line @typescript-eslint/no-explicit-any -- JSON from the plugin, indexed freely by tests
    const m = await this.request('getmanifest', '{"allow-deprecated-apis":false}');
    const manifest = toPlain(m.result!) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- JSON from the plugin, indexed freely by tests
    this.checkManifest(manifest);
    const options: Record<string, unknown> = {};
    for (const o of manifest.options as Array<{ name: string; type: string; default?: unknown }>) {
      const set = this.opts.options?.[o.name];
      const v = set ?? o.default;
      if (v === undefined) continue; // lightningd leaves out options neither set nor defaulted
      options[o.name] = o.type === 'int' ? Number(v) : String(v);
    }
    const params = {
      options,
      configuration: {
        'lightning-dir': this.netDir,
        'rpc-file': this.rpc.path,
        startup: true,
        network: 'regtest',
        feature_set: FEATURE_SET,
      },
    };
    const i = await this.request('init', writeJson(params));
    return { manifest, init: toPlain(i.result!) as Record<string, any> }; // eslint-disable-line @typescript-eslint/no-explicit-any -- JSON from the plugin, indexed freely by tests
  }

  /** Sends a request with `paramsText` as its params; resolves with the plugin's reply. */
  request(method: string, paramsText: string): Promise<Reply> {
    const id = `"cln:${method}#${++this.seq}"`;
    return this.sendRequest(id, `{"jsonrpc":"2.0","id":${id},"method":"${method}","params":${paramsText}}`);
  }

  /** Sends a request exactly as given (a captured line); `idText` is its id token. */
  sendRequest(idText: string, text: string): Promise<Reply> {
    const p = new Promise<Reply>((resolve) => this.pending.set(idText, resolve));
    this.proc.stdin!.write(text + '\n\n');
    return p;
  }

  /** A notification, wrapped as lightningd wraps them: `params: {<method>: {…}}`. */
  notify(method: string, body: Record<string, unknown>): void {
    this.proc.stdin!.write(writeJson({ jsonrpc: '2.0', method, params: { [method]: body } }) + '\n\n');
  }

  /** A new block: lightningd's `block_added`. */
  addBlock(): void {
    this.blockheight++;
    this.notify('block_added', { hash: this.blockheight.toString(16).padStart(64, '0'), height: this.blockheight });
  }

  /** The `htlc_accepted` hook for one payer payload, in CLN's field order (peer_htlcs.c). */
  htlc(p: HtlcPayloadJson, peerId = '027537b83b9efc17659dd1a11749ef073ed8c05541c299424301d48824628d2bbe'): Promise<Reply> {
    const o = p.onion;
    const params = {
      peer_id: peerId,
      onion: {
        payload: o.payload,
        type: o.type,
        forward_msat: o.forward_msat,
        outgoing_cltv_value: o.outgoing_cltv_value,
        total_msat: o.total_msat,
        payment_secret: o.payment_secret,
        payment_metadata: o.payment_metadata,
        next_onion: o.next_onion,
        shared_secret: o.shared_secret,
      },
      htlc: p.htlc,
    };
    return this.request('htlc_accepted', writeJson(params));
  }

  /** The result of an htlc_accepted reply, as plain values. */
  static result(r: Reply): Record<string, any> { // eslint-disable-line @typescript-eslint/no-explicit-any -- JSON from the plugin, indexed freely by tests
    if (!r.result) throw new Error(`error reply: ${r.raw}`);
    return toPlain(r.result) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- JSON from the plugin, indexed freely by tests
  }

  /** Resolves with the first log message (past or future) matching. */
  waitForLog(re: RegExp): Promise<string> {
    const found = this.logs.find((l) => re.test(l.message));
    if (found) return Promise.resolve(found.message);
    return new Promise((resolve) => this.logWatchers.push({ re, resolve }));
  }

  /** `shutdown`, as lightningd sends it to stop a plugin; resolves with the plugin's exit. */
  async shutdown(): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    this.proc.stdin!.write('{"jsonrpc":"2.0","method":"shutdown","params":{"shutdown":{}}}\n\n');
    return this.stop();
  }

  /** Waits for the exit (SIGKILL after 10 s, as lightningd would), then closes the RPC socket. */
  async stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    const t = setTimeout(() => this.proc.kill('SIGKILL'), 10_000);
    const e = await this.exited;
    clearTimeout(t);
    await this.rpc.close();
    return e;
  }

  kill(): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    this.proc.kill('SIGKILL');
    return this.stop();
  }

  private checkManifest(m: Record<string, unknown>): void {
    // What plugin_parse_getmanifest_response and plugin_opt_add insist on.
    for (const o of (m.options ?? []) as Array<Record<string, unknown>>) {
      if (typeof o.name !== 'string' || typeof o.type !== 'string' || typeof o.description !== 'string') this.violations.push(`bad option ${JSON.stringify(o)}`);
      else if (!/^[0-9a-z_-]+$/.test(o.name)) this.violations.push(`option name ${o.name}`);
      else if (!['string', 'string-conceal', 'int', 'bool', 'flag'].includes(o.type)) this.violations.push(`option type ${o.type}`);
    }
    if (m.nonnumericids !== undefined && m.nonnumericids !== true) this.violations.push('nonnumericids must be true');
    if (m.dynamic !== undefined && typeof m.dynamic !== 'boolean') this.violations.push('dynamic must be a bool');
  }

  private onPluginMessage(text: string): void {
    let node: JsonNode;
    try {
      node = parseJson(text);
    } catch {
      this.violations.push(`not JSON: ${text.slice(0, 200)}`);
      return;
    }
    if (node.kind !== 'object') return void this.violations.push(`not an object: ${text.slice(0, 200)}`);
    const v = member(node, 'jsonrpc');
    if (v?.kind !== 'string' || v.value !== '2.0') this.violations.push(`no "jsonrpc": "2.0": ${text.slice(0, 200)}`);
    const id = member(node, 'id');
    if (id) {
      const resolve = this.pending.get(rawText(id));
      if (!resolve) return void this.violations.push(`response to no request: ${text.slice(0, 200)}`);
      this.pending.delete(rawText(id));
      const result = member(node, 'result');
      const error = member(node, 'error');
      if ((result === undefined) === (error === undefined)) this.violations.push(`needs exactly one of result/error: ${text.slice(0, 200)}`);
      return resolve({ ...(result && { result }), ...(error && { error }), raw: result ? rawText(result) : text });
    }
    const method = member(node, 'method');
    const params = member(node, 'params');
    if (method?.kind !== 'string' || !params) return void this.violations.push(`notification without method or params: ${text.slice(0, 200)}`);
    if (method.value !== 'log') return void this.violations.push(`undeclared notification ${method.value}`);
    const p = toPlain(params) as { level?: unknown; message?: unknown };
    if (typeof p.message !== 'string') return void this.violations.push('log without a string message');
    const level = p.level === undefined ? 'info' : String(p.level);
    if (!LEVELS.has(level)) this.violations.push(`unknown log level ${level}`);
    this.logs.push({ level, message: p.message });
    for (const w of [...this.logWatchers]) {
      if (w.re.test(p.message)) {
        this.logWatchers.splice(this.logWatchers.indexOf(w), 1);
        w.resolve(p.message);
      }
    }
  }
}

/**
 * For suites that start simulators test by test: the list to add them to, checked after each test
 * (nothing the plugin wrote would have made lightningd kill it) and killed if still running.
 */
export function simsCheckedAfterEach(): LightningdSim[] {
  const sims: LightningdSim[] = [];
  afterEach(async () => {
    for (const s of sims.splice(0)) {
      expect(s.violations).toEqual([]);
      if (s.proc.exitCode === null && s.proc.signalCode === null) await s.kill();
    }
  });
  return sims;
}

const running = new Set<LightningdSim>();
process.on('exit', () => {
  for (const s of running) s.proc.kill('SIGKILL');
});

/** Lines of a captured stream (test/fixtures/cln-payloads/hooks.*.raw.jsonl): each message's exact text. */
export function capturedMessages(file: string): Array<{ kind: string; method: string; text: string; id?: string; params: string }> {
  const out = [];
  for (const line of fs.readFileSync(path.join(PAYLOADS, file), 'utf8').split('\n')) {
    if (!line.trim()) continue;
    const node = parseJson(line);
    if (node.kind !== 'object') continue;
    const msg = member(node, 'msg');
    const kind = member(node, 'kind');
    const method = member(node, 'method');
    if (!msg || msg.kind !== 'object' || kind?.kind !== 'string' || method?.kind !== 'string') continue;
    const id = member(msg, 'id');
    out.push({ kind: kind.value, method: method.value, text: rawText(msg), params: rawText(member(msg, 'params')!), ...(id ? { id: rawText(id) } : {}) });
  }
  return out;
}

/** The node id of the test seed: the stand-in daemons and the simulated lightningd share it. */
export const TEST_NODE_ID = toHex(nodeKeysFromSeed(TEST_SEED).nodeId);

/**
 * A stand-in for invoiced on its own socket, recording every call: the test node's `getinfo`, `continue`
 * for every hook, an empty outbox that never grows; `handlers` replace any of these. Closed after each test.
 */
export async function fakeInvoiced(handlers: Record<string, Handler> = {}): Promise<JsonServer> {
  const s = await JsonServer.listen(path.join(tempDir('fkd-'), 'invoice-rpc'), {
    getinfo: () => ({ id: TEST_NODE_ID, blockheight: 0 }),
    htlc_accepted: () => ({ result: 'continue' }),
    onion_message_recv: () => ({ result: 'continue' }),
    setblockheight: (p: { blockheight: number }) => ({ blockheight: p.blockheight }),
    setnodefacts: () => ({}),
    wait: () => new Promise(() => {}), // the outbox stays empty
    listoutbox: () => ({ outbox: [] }),
    ...handlers,
  });
  fakes.push(s);
  return s;
}
const fakes: JsonServer[] = [];
afterEach(async () => {
  for (const s of fakes.splice(0)) await s.close();
});
