/**
 * `htlc_accepted`: every HTLC lightningd offers us goes to invoiced's `htlc_accepted` with the hook's
 * payload byte for byte, and invoiced's answer goes back to lightningd as it is (`continue`, `fail` with
 * its failure message, or `resolve` with the preimage). Each HTLC is its own request, answered as soon
 * as the daemon answers it: parts of a multi-part payment wait for their whole set, and nothing waits
 * behind them.
 *
 * When the daemon cannot answer (it is down, restarting, or answers with a JSON-RPC error, which is
 * never a decision: docs/bridge.md §3), the HTLC is held and sent again once it is back. A held HTLC
 * that has had no answer after the hold limit gets `continue` (lightningd then settles it if it is one
 * of the node's own invoices, or fails it), with a log line. Nothing is ever answered `resolve` here:
 * only the daemon's own answer, which carries the preimage, can be.
 */
import { member, rawText, type JsonNode } from '../../rpc/json-reader.js';
import { RawJson } from '../../rpc/json-writer.js';
import type { DaemonLink } from './daemon-link.js';
import { htlcAnswerProblem } from './htlc-answer.js';
import { errorText, type Log } from './log.js';
import { raw, RpcCallError } from './rpc-socket.js';

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
    const { link, log, holdMs } = this.deps;
    const deadline = this.now() + holdMs;
    const payload = raw(params);
    let holding = false;
    const startHolding = (why: string) => {
      if (holding) return;
      holding = true;
      this.held++;
      log.warn(`${describeHtlc(params)}: ${why}; holding it until invoiced answers (${this.held} held)`);
    };
    try {
      for (;;) {
        if (link.stopped) return CONTINUE; // shutting down: lightningd is not waiting for this answer
        let s = link.current;
        if (!s) {
          startHolding('invoiced is not connected');
          s = await link.ready(deadline);
          if (!s) break;
        }
        try {
          const answer = await s.call('htlc_accepted', payload);
          const problem = htlcAnswerProblem(answer, field(params, 'payment_hash'));
          if (problem !== undefined) throw new RpcCallError('htlc_accepted', -32603, `unusable answer (${problem}): ${rawText(answer).slice(0, 200)}`, rawText(answer));
          if (holding) log.info(`${describeHtlc(params)}: invoiced answered after holding`);
          return raw(answer);
        } catch (e) {
          if (link.stopped) return CONTINUE;
          startHolding(`no answer from invoiced (${errorText(e)})`);
          if (e instanceof RpcCallError) {
            if (this.now() + ERROR_RETRY_MS >= deadline) break;
            await new Promise((r) => setTimeout(r, ERROR_RETRY_MS));
          } else if (this.now() >= deadline) break;
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
