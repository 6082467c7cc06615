/**
 * `htlc_accepted onion htlc [peer_id] [forward_to]`: Core Lightning's `htlc_accepted` hook payload, as a
 * bridge inside the node forwards it unchanged (docs/bridge.md). Answers the hook's own result:
 * `{"result":"continue"}`, `{"result":"fail","failure_message":HEX}` or `{"result":"resolve","payment_key":HEX}`.
 * The answer to a part of a multi-part payment comes when the whole set is decided.
 */
import { bindKnownMembers, defineCommand, opt, req, type CommandContext } from '../command.js';
import { CODE, ParamError, RpcError } from '../errors.js';
import { member, toPlain, type JsonNode } from '../json-reader.js';
import { anyJson } from '../params.js';
import { InvoiceError } from '../../invoice/errors.js';
import { parseHtlcAccepted, type HtlcAccepted } from '../../invoice/payments/htlc-payload.js';
import type { PaymentProcessor } from '../../invoice/payments/processor.js';
import { toHex } from '../../util/hex.js';

const PARAMS = {
  onion: req(anyJson, "The hook payload's onion object."),
  htlc: req(anyJson, "The hook payload's htlc object."),
  // Sent by CLN, not used: a payment is ours by its hash, not by the peer it came from.
  peer_id: opt(anyJson, 'The peer the HTLC came from.'),
  forward_to: opt(anyJson, 'Where the node would forward it (ignored).'),
};

/** The hook's JSON result. */
export type HtlcAcceptedJson =
  | { result: 'continue' }
  | { result: 'fail'; failure_message: string }
  | { result: 'resolve'; payment_key: string };

function isPaymentProcessor(x: unknown): x is PaymentProcessor {
  return typeof x === 'object' && x !== null && typeof (x as PaymentProcessor).htlcAccepted === 'function';
}

/** The token of `onion.forward_msat`-style names, for CLN's `invalid token` form. */
function tokenOf(param: string, onion: JsonNode, htlc: JsonNode): JsonNode | undefined {
  const [top, field] = param.split('.', 2);
  const obj = top === 'onion' ? onion : top === 'htlc' ? htlc : undefined;
  if (!obj) return undefined;
  if (field === undefined) return obj;
  return obj.kind === 'object' ? member(obj, field) : undefined;
}

function processorOf(ctx: CommandContext): PaymentProcessor {
  if (!isPaymentProcessor(ctx.payments)) throw new RpcError(CODE.INTERNAL_ERROR, 'payments are not enabled');
  return ctx.payments;
}

/** The hook payload parsed; a refused field as -32602, echoed or logged as any refused token (dispatch.ts). */
function payloadOf(onion: JsonNode, htlc: JsonNode): HtlcAccepted {
  try {
    return parseHtlcAccepted(toPlain(onion), toPlain(htlc));
  } catch (e) {
    if (e instanceof InvoiceError && e.kind === 'InvalidParams' && e.extra.param !== undefined) {
      const param = e.extra.param;
      const token = tokenOf(param, onion, htlc);
      // A missing member has no token.
      const prefix = `${param}: `;
      if (token !== undefined && e.message.startsWith(prefix)) throw new ParamError(param, e.message.slice(prefix.length), token);
      throw new RpcError(CODE.INVALID_PARAMS, e.message);
    }
    throw e;
  }
}

export const htlcAccepted = defineCommand({
  name: 'htlc_accepted',
  description: "A node bridge hands in an incoming HTLC (CLN's htlc_accepted hook payload); answers continue, fail or resolve.",
  result: '{"result":"continue"}, {"result":"fail", failure_message} or {"result":"resolve", payment_key}.',
  params: PARAMS,
  // The hook payload grows over CLN versions; fields we do not know are ignored, not refused.
  bind: bindKnownMembers(PARAMS),
  // The payload's refusals; the HTLC is not handled (no payment recorded, nothing held).
  check: async (p, ctx) => {
    processorOf(ctx);
    payloadOf(p.onion, p.htlc);
  },
  run: async (p, ctx): Promise<HtlcAcceptedJson> => {
    const r = await processorOf(ctx).htlcAccepted(payloadOf(p.onion, p.htlc));
    switch (r.result) {
      case 'continue':
        return { result: 'continue' };
      case 'fail':
        return { result: 'fail', failure_message: toHex(r.failure_message) };
      case 'resolve':
        return { result: 'resolve', payment_key: toHex(r.payment_key) };
    }
  },
});
