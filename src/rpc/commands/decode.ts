/**
 * `decode string` (reference §4.10) and the old `decodepay bolt11 [description]` (§4.11).
 *
 * BOLT12 strings (`lno`, `lnr`, `lni`) go to `ctx.offers.decode` when the daemon provides one (the seam
 * for offers state, e.g. marking our own offers), else to the codec's `decodeBolt12Json`, checked against
 * our network's chain; a string that does not parse at all is -32602. A BOLT11 string is decoded by the codec (which refuses invalid
 * invoices, so `valid` is always true for them) and formatted by format-bolt11.ts.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { defineCommand, opt, req } from '../command.js';
import { CODE, ParamError, RpcError } from '../errors.js';
import { canonicalInvstring, string } from '../params.js';
import { Bolt11DecodeError, decodeBolt11 } from '../../invoice/bolt11/index.js';
import { formatBolt11 } from '../format-bolt11.js';
import { equalBytes, utf8 } from '../../util/bytes.js';
import { fromHex } from '../../util/hex.js';
import { CHAIN_HASH } from '../../util/network.js';
import { decodeBolt12Json } from '../../offers/index.js';

const BOLT12_PREFIXES = ['lno', 'lnr', 'lni'];

export const decode = defineCommand({
  name: 'decode',
  description: 'Decodes a BOLT11 invoice, or a BOLT12 offer, invoice_request or invoice.',
  result: "type, valid, and the decoded fields of the string (CLN's decode output); warnings for what makes it invalid.",
  params: { string: req(string, 'A BOLT11 invoice, or a BOLT12 offer (lno), invoice_request (lnr) or invoice (lni).') },
  check: 'run',
  run: async (p, ctx) => {
    const s = canonicalInvstring(p.string);
    // BOLT 12 strings may be split with `+` joins (even inside the prefix): look at the prefix once they are
    // gone, and let the codec remove them (it also checks where they stand).
    const joined = s.replace(/\+\s*/g, '').toLowerCase();
    if (BOLT12_PREFIXES.some((x) => joined.startsWith(x))) {
      try {
        return ctx.offers ? ctx.offers.decode(s) : decodeBolt12Json(s, { chain: fromHex(CHAIN_HASH[ctx.network], 32) });
      } catch (e) {
        throw new ParamError('string', e instanceof Error ? e.message : 'Unparsable string');
      }
    }
    if (!s.toLowerCase().startsWith('ln')) throw new ParamError('string', 'Unparsable string');
    try {
      return { type: 'bolt11 invoice', ...formatBolt11(decodeBolt11(s)), valid: true };
    } catch (e) {
      if (e instanceof Bolt11DecodeError) throw new ParamError('string', e.message);
      throw e;
    }
  },
});

export const decodepay = defineCommand({
  name: 'decodepay',
  description: 'Decodes a BOLT11 invoice (old form of decode, kept for old clients).',
  result: 'The decoded BOLT11 fields, as decode gives them for an invoice.',
  params: { bolt11: req(string, 'The BOLT11 invoice.'), description: opt(string, 'The description, to check an invoice that carries only its hash.') },
  check: 'run',
  run: async (p) => {
    let d;
    try {
      d = decodeBolt11(canonicalInvstring(p.bolt11));
    } catch (e) {
      if (e instanceof Bolt11DecodeError) throw new RpcError(CODE.LIGHTNINGD, `Invalid bolt11: ${e.message}`);
      throw e;
    }
    // With a description, a hash-only invoice must commit to it (why decodepay took the parameter).
    if (p.description !== undefined && d.description_hash !== undefined && !equalBytes(sha256(utf8(p.description)), d.description_hash)) {
      throw new RpcError(CODE.LIGHTNINGD, 'Invalid bolt11: h: does not match description');
    }
    return formatBolt11(d);
  },
});
