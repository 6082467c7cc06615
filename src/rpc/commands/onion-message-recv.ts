/**
 * `onion_message_recv onion_message`: a node bridge hands in an onion message for us, in the shape of
 * Core Lightning's `onion_message_recv` / `onion_message_recv_secret` hook payload (docs/bridge.md §5).
 * Answers `{"result":"continue"}` (not ours, or nothing to send back) or `{"result":"reply", "invoice":
 * HEX}` / `{"result":"reply", "invoice_error": HEX}`, which the bridge sends along the reply path.
 */
import type { IncomingOnionMessage, OnionMessageAnswer } from '../../offers/merchant.js';
import { fromHex, isHex, toHex } from '../../util/hex.js';
import { bindKnownMembers, defineCommand, req } from '../command.js';
import { CODE, ParamError, RpcError } from '../errors.js';
import { member, toPlain, type JsonNode } from '../json-reader.js';
import { anyJson } from '../params.js';
import { requireMerchant } from './outbox.js';

const PARAMS = { onion_message: req(anyJson, "The hook payload's onion_message object.") };

/** A hex member of the payload; a bad one is refused with its token (echoed or logged as any refusal). */
function hexMember(payload: JsonNode, o: Record<string, unknown>, name: string, len?: number): Uint8Array | undefined {
  const v = o[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string' || !isHex(v) || (len !== undefined && v.length !== len * 2)) {
    throw new ParamError(`onion_message.${name}`, `should be ${len !== undefined ? `${len}-byte ` : ''}hex`, payload.kind === 'object' ? member(payload, name) : undefined);
  }
  return fromHex(v);
}

export function formatOnionAnswer(a: OnionMessageAnswer): Record<string, string> {
  if (a.result === 'continue') return { result: 'continue' };
  return 'invoice' in a ? { result: 'reply', invoice: toHex(a.invoice) } : { result: 'reply', invoice_error: toHex(a.invoice_error) };
}

/** The hook payload as the merchant flow takes it; -32602 for a payload that is not one. */
function incomingOf(node: JsonNode): IncomingOnionMessage {
  const m = toPlain(node);
  if (typeof m !== 'object' || m === null || Array.isArray(m)) {
    throw new RpcError(CODE.INVALID_PARAMS, 'onion_message: should be an object');
  }
  const o = m as Record<string, unknown>;
  const pathSecret = hexMember(node, o, 'pathsecret', 32) ?? hexMember(node, o, 'path_id');
  const invoice_request = hexMember(node, o, 'invoice_request');
  const invoice = hexMember(node, o, 'invoice');
  const invoice_error = hexMember(node, o, 'invoice_error');
  const reply = o['reply_blindedpath'] ?? o['reply_path'];
  return {
    ...(pathSecret !== undefined ? { pathSecret } : {}),
    hasReplyPath: reply !== undefined && reply !== null,
    ...(invoice_request !== undefined ? { invoice_request } : {}),
    ...(invoice !== undefined ? { invoice } : {}),
    ...(invoice_error !== undefined ? { invoice_error } : {}),
  };
}

export const onionMessageRecv = defineCommand({
  name: 'onion_message_recv',
  description: "A node bridge hands in an onion message (CLN's onion_message_recv hook payload); answers continue or a reply to send back.",
  result: '{"result":"continue"}, or a reply onion message for the bridge to send.',
  params: PARAMS,
  // The hook payload grows over CLN versions; fields we do not know are ignored, not refused.
  bind: bindKnownMembers(PARAMS),
  // The payload's refusals; the message is not handled (no invoice is written, no reply relayed).
  check: async (p, ctx) => {
    requireMerchant(ctx);
    incomingOf(p.onion_message);
  },
  run: async (p, ctx) => {
    const merchant = requireMerchant(ctx);
    return formatOnionAnswer(await merchant.onionMessage(incomingOf(p.onion_message)));
  },
});
