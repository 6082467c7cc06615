/**
 * `htlc_accepted`: every HTLC lightningd offers us goes to invoiced's `htlc_accepted` with the hook's
 * payload byte for byte, and invoiced's answer goes back to lightningd as it is (`continue`, `fail` with
 * its failure message, or `resolve` with the preimage). Each HTLC is its own request, answered as soon
 * as the daemon answers it: parts of a multi-part payment wait for their whole set, and nothing waits
 * behind them.
 *
 * When the daemon cannot answer (it is down, restarting, stopped answering (daemon-link.ts's liveness
 * check), or answers with a JSON-RPC error, which is never a decision: docs/bridge.md §3), the HTLC is
 * held and sent again once it is back. The hold limit is how long one outage may last, counted from the
 * first failed attempt since the HTLC was last sent on a working connection; never from the HTLC's
 * arrival, since the daemon itself may keep a call open for as long as a hold invoice waits to be
 * settled. A held HTLC that has had no answer when its outage reaches the hold limit gets `continue`
 * (lightningd then settles it if it is one of the node's own invoices, or fails it), with a log line.
 * Nothing is ever answered `resolve` here: only the daemon's own answer, which carries the preimage, can be.
 *
 * Two kinds of HTLC get `continue` at once: forwards (the onion names a next hop: lightningd forwards
 * them, they are not payments to us), and those the daemon refuses as invalid params (-32602: the
 * payload itself is unusable, e.g. CLN leaves out `forward_msat` when the onion payload did not parse),
 * which no retry can change; the daemon recorded nothing for them.
 */
import { member, rawText, type JsonNode } from '../../rpc/json-reader.js';
import { RawJson } from '../../rpc/json-writer.js';
import type { DaemonLink } from './daemon-link.js';
import { htlcAnswerProblem } from './htlc-answer.js';
import { errorText, type Log } from './log.js';
import { raw, RpcCallError, type RpcSocket } from './rpc-socket.js';

/** How long to wait before sending again after a JSON-RPC error (the daemon is stopping, its database is away). */
const ERROR_RETRY_MS = 250;

export const CONTINUE = new RawJson('{"result":"continue"}');

export interface HtlcForwarderDeps {
  readonly link: DaemonLink;
  readonly log: Log;
  readonly holdMs: number;
  readonly now?: () => number;
}

/** `params.htlc.<key>` as text (numbers as written), if present. */
function field(params: JsonNode, key: string): string | undefined {
  const htlc = params.kind === 'object' ? member(params, 'htlc') : undefined;
  const v = htlc?.kind === 'object' ? member(htlc, key) : undefined;
  return v?.kind === 'string' ? v.value : v?.kind === 'number' ? v.text : undefined;
}

/** True when the onion names a next hop (`short_channel_id`, or `next_node_id` in a blinded path): lightningd forwards it. */
export function isForward(params: JsonNode): boolean {
  const onion = params.kind === 'object' ? member(params, 'onion') : undefined;
  return onion?.kind === 'object' && (member(onion, 'short_channel_id') !== undefined || member(onion, 'next_node_id') !== undefined);
}

/** JSON-RPC "invalid params": the daemon refuses the payload itself. */
const INVALID_PARAMS = -32602;

/** A short name for an HTLC in log lines: channel/id and payment hash (never the preimage). */
export function describeHtlc(params: JsonNode): string {
  const f = (k: string) => field(params, k) ?? '?';
  return `HTLC ${f('short_channel_id')}/${f('id')} for ${f('payment_hash')}`;
}

export class HtlcForwarder {
  private readonly now: () => number;
  /** HTLCs waiting for the daemon to come back (shown in the holding log line). */
  private held = 0;
  constructor(private readonly deps: HtlcForwarderDeps) {
    this.now = deps.now ?? Date.now;
  }

  /** The hook's answer for one HTLC. Never rejects. */
  async forward(params: JsonNode): Promise<RawJson> {
    if (isForward(params)) return CONTINUE;
    const { link, log, holdMs } = this.deps;
    const payload = raw(params);
    let holding = false;
    const startHolding = (why: string) => {
      if (holding) return;
      holding = true;
      this.held++;
      log.warn(`${describeHtlc(params)}: ${why}; holding it until invoiced answers (${this.held} held)`);
    };
    /** When the current outage began (the first failed attempt since the last working connection), if one is on. */
    let outageSince: number | undefined;
    /** The connection the last attempt failed on. */
    let failedOn: RpcSocket | undefined;
    const deadline = () => (outageSince ??= this.now()) + holdMs;
    try {
      for (;;) {
        if (link.stopped) return CONTINUE; // shutting down: lightningd is not waiting for this answer
        let s = link.current;
        if (!s) {
          startHolding('invoiced is not connected');
          s = await link.ready(deadline());
          if (!s) break;
        }
        // A connection made since the last failure: the outage is over, a new one has its own hold limit.
        if (s !== failedOn) outageSince = undefined;
        try {
          const answer = await s.call('htlc_accepted', payload);
          const problem = htlcAnswerProblem(answer, field(params, 'payment_hash'));
          if (problem !== undefined) throw new RpcCallError('htlc_accepted', -32603, `unusable answer (${problem}): ${rawText(answer).slice(0, 200)}`, rawText(answer));
          if (holding) log.info(`${describeHtlc(params)}: invoiced answered after holding`);
          return raw(answer);
        } catch (e) {
          if (link.stopped) return CONTINUE;
          if (e instanceof RpcCallError && e.code === INVALID_PARAMS) {
            log.warn(`${describeHtlc(params)}: invoiced refused the payload (${errorText(e)}); answering continue, so lightningd decides`);
            return CONTINUE;
          }
          failedOn = s;
          const end = deadline();
          startHolding(`no answer from invoiced (${errorText(e)})`);
          if (e instanceof RpcCallError) {
            if (this.now() + ERROR_RETRY_MS >= end) break;
            await new Promise((r) => setTimeout(r, ERROR_RETRY_MS));
          } else if (this.now() >= end) break;
        }
      }
      log.warn(
        `${describeHtlc(params)}: invoiced did not answer within ${Math.round(holdMs / 1000)} s (invoiced-hold-seconds); ` +
          'answering continue, so lightningd decides',
      );
      return CONTINUE;
    } catch (e) {
      log.error(`${describeHtlc(params)}: ${errorText(e)}; answering continue`);
      return CONTINUE;
    } finally {
      if (holding) this.held--;
    }
  }
}
