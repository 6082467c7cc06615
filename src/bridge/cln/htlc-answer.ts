/**
 * What lightningd accepts as an `htlc_accepted` answer. lightningd stops itself (`fatal`) on an answer it
 * cannot use (peer_htlcs.c `htlc_accepted_hook_deserialize`: no `result`, an unknown one, `fail` without a
 * hex `failure_message`/`failure_onion`, `resolve` without a valid `payment_key`), so the daemon's answer is
 * checked before it is passed on: a bad one is treated as no answer at all (the HTLC stays held).
 * A `resolve` must also carry the preimage of this HTLC's payment hash.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { member, type JsonNode } from '../../rpc/json-reader.js';
import { fromHex, isHex, toHex } from '../../util/hex.js';

/** Members lightningd reads besides `result`; the daemon's contract (docs/bridge.md §3) uses none of them. */
const STEERING = ['invoice_msat', 'extra_tlvs', 'payload', 'forward_to'];

/** Undefined when lightningd can act on `answer` for an HTLC of `paymentHash`; else what is wrong. */
export function htlcAnswerProblem(answer: JsonNode, paymentHash: string | undefined): string | undefined {
  if (answer.kind !== 'object') return 'not an object';
  const result = member(answer, 'result');
  if (result?.kind !== 'string') return 'no result';
  for (const k of STEERING) if (member(answer, k)) return `unexpected ${k}`;
  const hex = (k: string) => {
    const v = member(answer, k);
    return v?.kind === 'string' && v.value.length > 0 && isHex(v.value) ? v.value : undefined;
  };
  switch (result.value) {
    case 'continue':
      return undefined;
    case 'fail':
      return hex('failure_message') || hex('failure_onion') ? undefined : 'fail without a hex failure_message';
    case 'resolve': {
      const key = hex('payment_key');
      if (!key || key.length !== 64) return 'resolve without a 32-byte payment_key';
      if (paymentHash !== undefined && toHex(sha256(fromHex(key))) !== paymentHash.toLowerCase()) return "resolve with a payment_key that is not this HTLC's preimage";
      return undefined;
    }
    default:
      return `unknown result ${result.value}`;
  }
}
