/**
 * `onion_message_recv` and `onion_message_recv_secret`: each onion message for us goes to invoiced's
 * `onion_message_recv` with the hook's payload byte for byte. When invoiced answers `reply`, the reply
 * (an invoice, or an invoice_error) is sent along the sender's `reply_blindedpath` and lightningd is
 * told the message was handled, so no later plugin answers it too. Everything else is `continue`, and
 * CLN's own offers plugin (registered after us) sees the message: its own offers keep working. An
 * `Unknown offer` from invoiced is passed on the same way rather than sent, since the offer may be
 * one of the node's own.
 */
import { member, toPlain, type JsonNode } from '../../rpc/json-reader.js';
import { RawJson } from '../../rpc/json-writer.js';
import { parseInvoiceError } from '../../offers/index.js';
import { fromHex } from '../../util/hex.js';
import type { DaemonLink } from './daemon-link.js';
import { CONTINUE } from './htlc-forwarder.js';
import { errorText, type Log } from './log.js';
import { ONIONMSG, type JsonBlindedPath, type OnionSender } from './onion-send.js';
import { raw } from './rpc-socket.js';

/** Any result but `continue` ends the hook chain (lightningd's plugin_hook_continue). */
const HANDLED = new RawJson('{"result":"resolve"}');

export interface OnionHookDeps {
  readonly link: DaemonLink;
  readonly sender: OnionSender;
  readonly log: Log;
  /** How long to wait for the daemon when it is not connected. */
  readonly holdMs: number;
}

function isUnknownOffer(hex: string): boolean {
  try {
    return parseInvoiceError(fromHex(hex)).fields.error === 'Unknown offer';
  } catch {
    return false;
  }
}

/** The hook's answer. Never rejects; the reply is sent in the background. */
export async function onOnionMessage(deps: OnionHookDeps, params: JsonNode): Promise<RawJson> {
  try {
    const s = deps.link.current ?? (await deps.link.ready(Date.now() + deps.holdMs));
    if (!s) {
      deps.log.warn('onion message: invoiced is not reachable; passing it on');
      return CONTINUE;
    }
    const answer = toPlain(await s.call('onion_message_recv', raw(params))) as { result?: string; invoice?: string; invoice_error?: string };
    if (answer.result !== 'reply') return CONTINUE;
    const om = params.kind === 'object' ? member(params, 'onion_message') : undefined;
    const reply = om?.kind === 'object' ? member(om, 'reply_blindedpath') : undefined;
    if (!reply) return CONTINUE;
    let field;
    if (typeof answer.invoice === 'string') field = { type: ONIONMSG.invoice, value: fromHex(answer.invoice) };
    else if (typeof answer.invoice_error === 'string') {
      if (isUnknownOffer(answer.invoice_error)) return CONTINUE;
      field = { type: ONIONMSG.invoice_error, value: fromHex(answer.invoice_error) };
    } else return CONTINUE;
    const path = toPlain(reply) as JsonBlindedPath;
    const kind = field.type === ONIONMSG.invoice ? 'invoice' : 'invoice_error';
    deps.sender.sendToPath(path, [field]).then(
      () => deps.log.debug(`onion message: ${kind} sent along the reply path`),
      (e) => deps.log.warn(`onion message: could not send the ${kind} along the reply path: ${errorText(e)}`),
    );
    return HANDLED;
  } catch (e) {
    deps.log.warn(`onion message: ${errorText(e)}; passing it on`);
    return CONTINUE;
  }
}
