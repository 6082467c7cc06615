/**
 * The connection to invoiced, kept open for the plugin's whole life: connected at `init`, and
 * reconnected with a capped backoff whenever the daemon stops, restarts or crashes. Every connection
 * is checked before use: the daemon's `getinfo.id` must be this node's id (a daemon on another key
 * would sign invoices this node cannot settle), and until it is, nothing is sent to it.
 *
 * A connected daemon can also stop answering without closing (a hung process, a frozen database). Calls
 * are never timed out themselves (an HTLC of a hold invoice waits until the merchant settles), so while
 * any call waits the daemon is asked `getinfo` every `livenessIntervalMs`; one not answered within
 * `livenessTimeoutMs` drops the connection: the waiting calls fail with ConnectionLost, HTLCs are held
 * and sent again on the next connection (htlc-forwarder.ts), and reconnecting starts as for a crash.
 */
import { member } from '../../rpc/json-reader.js';
import { errorText, type Log } from './log.js';
import { ConnectionLost, RpcSocket } from './rpc-socket.js';

const BACKOFF_MIN_MS = 50;
const BACKOFF_MAX_MS = 1000;

/** The link's time limits: `LINK_TIMING` in production; only tests shorten them (docs/cln-plugin.md §8). */
export interface LinkTiming {
  /** A daemon that accepts but does not answer getinfo on connecting (stuck starting) counts as down, so init never waits long. */
  readonly connectTimeoutMs: number;
  /** While calls wait on the connection, the daemon is asked getinfo this often… */
  readonly livenessIntervalMs: number;
  /** …and a getinfo not answered within this drops the connection. */
  readonly livenessTimeoutMs: number;
}

export const LINK_TIMING: LinkTiming = { connectTimeoutMs: 10_000, livenessIntervalMs: 10_000, livenessTimeoutMs: 10_000 };

const seconds = (ms: number) => `${ms / 1000} s`;

export type ConnectResult =
  | { readonly kind: 'ok'; readonly socket: RpcSocket }
  | { readonly kind: 'down'; readonly reason: string }
  | { readonly kind: 'mismatch'; readonly daemonId: string };

export class DaemonLink {
  private socket: RpcSocket | undefined;
  private readonly waiters = new Set<(s: RpcSocket | undefined) => void>();
  private isStopped = false;
  private loopRunning = false;
  private timer: NodeJS.Timeout | undefined;
  private wake: (() => void) | undefined;
  /** The last problem logged, so a daemon that stays down is reported once, not at every retry. */
  private lastProblem = '';
  /** The connection the liveness check dropped (already logged, so its close is not logged again). */
  private droppedSilent: RpcSocket | undefined;

  constructor(
    readonly path: string,
    private readonly nodeId: string,
    private readonly lightningDir: string,
    private readonly log: Log,
    /** Called with each new verified connection (block height, node facts, the outbox start from it). */
    private readonly onConnected: (s: RpcSocket) => void,
    private readonly timing: LinkTiming = LINK_TIMING,
  ) {}

  /** True once `stop` was called. */
  get stopped(): boolean {
    return this.isStopped;
  }

  /** The verified connection, if there is one now. */
  get current(): RpcSocket | undefined {
    return this.socket?.open ? this.socket : undefined;
  }

  /** One attempt: connect and compare ids. */
  async connectOnce(): Promise<ConnectResult> {
    let s: RpcSocket;
    try {
      s = await RpcSocket.connect(this.path, 'invoiced-cln');
    } catch (e) {
      return { kind: 'down', reason: errorText(e) };
    }
    const limit = this.timing.connectTimeoutMs;
    const stuck = setTimeout(() => s.close(new ConnectionLost(`no answer to getinfo within ${seconds(limit)}`)), limit);
    try {
      const info = await s.call('getinfo');
      const id = info.kind === 'object' ? member(info, 'id') : undefined;
      const daemonId = id?.kind === 'string' ? id.value : '';
      if (daemonId !== this.nodeId) {
        s.close();
        return { kind: 'mismatch', daemonId };
      }
      return { kind: 'ok', socket: s };
    } catch (e) {
      s.close();
      return { kind: 'down', reason: errorText(e) };
    } finally {
      clearTimeout(stuck);
    }
  }

  /** Adopts a connection made by `connectOnce` (at init) and keeps reconnecting from then on. */
  start(first?: RpcSocket): void {
    if (first) this.adopt(first);
    if (!this.loopRunning) void this.loop();
  }

  /** Resolves with a verified connection, waiting for one until `deadline` (epoch ms); undefined after it, or once stopped. */
  ready(deadline: number): Promise<RpcSocket | undefined> {
    const now = this.current;
    if (now || this.isStopped) return Promise.resolve(now);
    return new Promise((resolve) => {
      const t = setTimeout(() => done(undefined), Math.max(0, deadline - Date.now()));
      const done = (s: RpcSocket | undefined) => {
        clearTimeout(t);
        this.waiters.delete(done);
        resolve(s);
      };
      this.waiters.add(done);
    });
  }

  /** Closes the connection and stops reconnecting; waiters get undefined. */
  stop(): void {
    this.isStopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.wake?.();
    this.socket?.close();
    for (const w of [...this.waiters]) w(undefined);
  }

  private adopt(s: RpcSocket): void {
    this.socket = s;
    this.watch(s);
    if (this.lastProblem !== '') this.log.info(`connected to invoiced at ${this.path}`);
    this.lastProblem = '';
    try {
      this.onConnected(s);
    } catch (e) {
      this.log.error(`after connecting to invoiced: ${errorText(e)}`);
    }
    for (const w of [...this.waiters]) w(s);
  }

  /** The liveness check: while calls wait on `s`, a getinfo every interval, each answered in time or the connection is dropped. */
  private watch(s: RpcSocket): void {
    const { livenessIntervalMs, livenessTimeoutMs } = this.timing;
    let probing = false;
    const tick = setInterval(() => {
      if (probing || !s.open || s.pendingCalls === 0) return;
      probing = true;
      const silent = setTimeout(() => {
        if (!s.open) return;
        this.droppedSilent = s;
        this.problem(
          `invoiced at ${this.path} did not answer getinfo within ${seconds(livenessTimeoutMs)} while calls were waiting; ` +
            'dropping the connection and reconnecting (HTLCs are held meanwhile)',
          'warn',
        );
        s.close(new ConnectionLost(`invoiced did not answer getinfo within ${seconds(livenessTimeoutMs)}`));
      }, livenessTimeoutMs);
      // Any answer, an error too, shows the daemon is reading and answering.
      s.call('getinfo').then(
        () => {},
        () => {},
      ).finally(() => {
        clearTimeout(silent);
        probing = false;
      });
    }, livenessIntervalMs);
    tick.unref();
    void s.closed.then(() => clearInterval(tick));
  }

  private problem(text: string, level: 'warn' | 'error'): void {
    if (text === this.lastProblem) return;
    this.lastProblem = text;
    this.log[level](text);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.wake = resolve;
      this.timer = setTimeout(resolve, ms);
    });
  }

  private async loop(): Promise<void> {
    this.loopRunning = true;
    let backoff = BACKOFF_MIN_MS;
    while (!this.isStopped) {
      const s = this.socket;
      if (s?.open) {
        await s.closed;
        if (this.isStopped) break;
        if (s !== this.droppedSilent) this.problem(`lost the connection to invoiced at ${this.path}; reconnecting (HTLCs are held meanwhile)`, 'warn');
        backoff = BACKOFF_MIN_MS;
        continue;
      }
      const r = await this.connectOnce();
      if (this.isStopped) {
        if (r.kind === 'ok') r.socket.close();
        break;
      }
      if (r.kind === 'ok') {
        this.adopt(r.socket);
        continue;
      }
      if (r.kind === 'mismatch') {
        this.problem(identityMismatchText(r.daemonId, this.nodeId, this.lightningDir), 'error');
      } else {
        this.problem(`invoiced is not reachable at ${this.path} (${r.reason}); retrying`, 'warn');
      }
      await this.sleep(backoff);
      backoff = Math.min(backoff * 2, BACKOFF_MAX_MS);
    }
    this.loopRunning = false;
  }
}

/** The one line logged (and given as the `disable` reason) when invoiced runs on another node key. */
export function identityMismatchText(daemonId: string, nodeId: string, lightningDir: string): string {
  const hsm = lightningDir !== '' ? `${lightningDir.replace(/\/$/, '')}/hsm_secret` : "the node's hsm_secret";
  return (
    `invoiced's node id ${daemonId || '(none)'} is not this node's id ${nodeId}: ` +
    `run invoiced on this node's key (invoiced --hsm-secret=${hsm}, see docs/cln-plugin.md)`
  );
}
