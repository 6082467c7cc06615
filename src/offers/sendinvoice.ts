/**
 * `sendinvoice invreq label [amount_msat] [timeout] [quantity]` (lightning-sendinvoice(7), reference
 * §4.15): the payee side of an "offer to pay" (`lnr`, a refund or ATM-style invoice_request). The invoice
 * is built from the request, stored under `label` and queued in the outbox for the bridge to deliver (in
 * one transaction: both or neither), and the call waits until it is paid, or fails with the seed's codes:
 * 1002 expired request, 1003 not delivered, 1004 the payer answered with an invoice_error, 1005 timeout,
 * -1 otherwise.
 *
 * Correlating replies: the outbox entry carries a reply path to us whose final `path_id` is
 * SHA256(makesecret("bolt12-sendinvoice-reply") || payment_hash). An invoice_error (or anything else)
 * arriving over that path, i.e. with that `pathsecret` in onion_message_recv, answers this sendinvoice.
 */
import type { NodeKeys } from '../crypto/node-keys.js';
import type { InvoiceEngineImpl } from '../invoice/engine.js';
import type { Invoice } from '../invoice/invoice.js';
import { labelExists } from '../invoice/errors.js';
import { concatBytes, equalBytes } from '../util/bytes.js';
import { nowSeconds, type Clock, type RandomSource } from '../util/clock.js';
import { fromHex, toHex } from '../util/hex.js';
import { msat, type Msat } from '../util/msat.js';
import { CHAIN_HASH, type Network } from '../util/network.js';
import { writeBlindedPath } from './bolt12/blinded-path.js';
import type { Bolt12ParseError } from './bolt12/errors.js';
import { inspectInvoice } from './bolt12/invoice.js';
import { parseInvoiceError } from './bolt12/invoice-error.js';
import { inspectInvoiceRequest, isOfferResponse, type InvoiceRequest } from './bolt12/invoice-request.js';
import { MerchantError } from './merchant-errors.js';
import type { Outbox } from './outbox.js';
import { ourInvoiceWriter } from './our-invoice.js';
import { buildMessagePathToSelf, derivePathId } from './blinding/route-blinding.js';

/** lightning-sendinvoice(7): "default 90 seconds". */
export const DEFAULT_SENDINVOICE_TIMEOUT = 90n;

export interface SendInvoiceParams {
  readonly invreq: string;
  readonly label: string;
  readonly amount_msat?: Msat;
  readonly timeout?: bigint;
  readonly quantity?: bigint;
}

export interface SendInvoiceDeps {
  readonly invoices: Pick<InvoiceEngineImpl, 'storeInvoice' | 'getByPaymentHash' | 'onInvoiceChange' | 'list'>;
  readonly outbox: Outbox;
  readonly nodeKeys: NodeKeys;
  readonly network: Network;
  readonly clock: Clock;
  readonly random: RandomSource;
  readonly cltvFinal: number;
}

/** A message that arrived over one of our reply paths, or that names one of our invoices. */
export interface ReplyMessage {
  readonly pathSecret?: Uint8Array;
  readonly invoice?: Uint8Array;
  readonly invoice_error?: Uint8Array;
}

export interface SendInvoiceService {
  send(p: SendInvoiceParams, signal?: AbortSignal): Promise<Invoice>;
  /** `check sendinvoice`: the error `send` would give before sending, writing, sending and waiting for nothing. */
  check(p: SendInvoiceParams): Promise<void>;
  /** Offers a reply to the pending sendinvoice calls; true when one of them took it. */
  reply(m: ReplyMessage): boolean;
  /** Number of sendinvoice calls waiting (tests). */
  pending(): number;
}

const bad = (reason: string): MerchantError => new MerchantError('InvalidParams', reason, { param: 'invreq' });

/** Every check of the `lnr` (reference §4.15), as -32602 on `invreq`. */
function checkInvreq(s: string, chain: Uint8Array): InvoiceRequest {
  let view, problems;
  try {
    ({ invreq: view, problems } = inspectInvoiceRequest(s.replace(/^lightning:/i, ''), { chain }));
  } catch (err) {
    throw bad(`Unparsable invreq: ${err instanceof Error ? err.message : String(err)}`);
  }
  const first = (...kinds: Bolt12ParseError['kind'][]) => problems.find((p) => kinds.includes(p.kind));
  // BOLT 12: "MUST reject the invoice request if `invreq_payer_id` or `invreq_metadata` are not present."
  const missing = problems.find((p) => p.kind === 'MissingField' && /^invreq_(payer_id|metadata):/.test(p.message));
  if (missing) throw bad(missing.message);
  const feature = first('UnknownEvenFeature');
  if (feature) throw bad(feature.message);
  const sig = first('MissingSignature', 'InvalidSignature');
  if (sig) throw bad(sig.message);
  if (isOfferResponse(view.fields)) throw bad('This is based on an offer?');
  // Anything else (offer_chains / offer_features / offer_quantity_max, no invreq_amount, wrong chain, a
  // path with no hops): the codec's words.
  if (problems[0]) throw bad(problems[0].message);
  return Object.freeze({ ...view, string: s }) as InvoiceRequest;
}

export function createSendInvoice(deps: SendInvoiceDeps): SendInvoiceService {
  const { nodeKeys, clock, random, outbox, invoices } = deps;
  const chain = fromHex(CHAIN_HASH[deps.network], 32);
  const writeInvoice = ourInvoiceWriter(deps);
  const replyBase = nodeKeys.deriveSecret('bolt12-sendinvoice-reply');
  /** Pending calls by the hex of their reply path_id. */
  const waiting = new Map<string, { readonly invreq_id: Uint8Array; readonly fail: (e: MerchantError) => void }>();

  /**
   * Everything `send` does before it writes: the request's checks (reference §4.15), its expiry, the
   * parameters, and the invoice built and signed. Throws what `send` throws for those.
   */
  function prepare(p: SendInvoiceParams) {
    const invreq = checkInvreq(p.invreq, chain);
    const f = invreq.fields;
    const now = nowSeconds(clock);
    if (f.offer_absolute_expiry !== undefined && BigInt(now) > f.offer_absolute_expiry) {
      throw new MerchantError('OfferExpired', 'Offer expired');
    }
    // lightning-sendinvoice(7): quantity "is required if the *offer* specifies *quantity_max*, otherwise
    // it is not allowed" — and an invoice_request without an offer never has one.
    if (p.quantity !== undefined) throw new MerchantError('InvalidParams', 'quantity parameter unnecessary', { param: 'quantity' });
    const timeout = p.timeout ?? DEFAULT_SENDINVOICE_TIMEOUT;
    if (timeout <= 0n || timeout > 0xffffffffn) {
      throw new MerchantError('InvalidParams', 'should be between 1 and 4294967295 seconds', { param: 'timeout' });
    }
    const amount = p.amount_msat ?? msat(f.invreq_amount!);
    if (amount === 0n) throw new MerchantError('InvalidParams', 'must be greater than zero', { param: 'amount_msat' });

    const relative = Number(timeout);
    const written = writeInvoice(invreq, {
      now,
      // Reference §4.15: "relative expiry = timeout (omitted only if exactly 7200)".
      relativeExpiry: relative,
      amount,
      // BOLT 12 (refunds): any `invoice_node_id` may be used; ours, so the payer can pay our path.
      invoice_node_id: nodeKeys.nodeId,
    });
    return { invreq, f, now, relative, amount, ...written };
  }

  /**
   * `check sendinvoice`: what `send` would refuse before sending anything, without writing, sending or
   * waiting: `prepare`'s checks, then the label (900 with the invoice that has it, as the store refuses it).
   */
  async function check(p: SendInvoiceParams): Promise<void> {
    prepare(p);
    const [existing] = await invoices.list({ label: p.label });
    if (existing) throw labelExists(existing);
  }

  async function send(p: SendInvoiceParams, signal?: AbortSignal): Promise<Invoice> {
    const { invreq, f, now, relative, amount, invoice: signed, preimage, payment_hash } = prepare(p);
    const replyPathId = derivePathId(replyBase, payment_hash);
    const entry = {
      kind: 'invoice' as const,
      label: p.label,
      payment_hash,
      destination_paths: concatBytes(...(f.invreq_paths ?? []).map(writeBlindedPath)),
      ...(f.invreq_paths === undefined ? { destination_node_id: f.invreq_payer_id! } : {}),
      message: signed.bytes,
      reply_path: writeBlindedPath(buildMessagePathToSelf({ nodeId: nodeKeys.nodeId, ecdh: nodeKeys.ecdh }, random, { path_id: replyPathId })),
    };

    const key = toHex(replyPathId);
    let cleanup = () => {};
    // Listening starts before the invoice and its outbox entry commit, so a payment or a failure cannot
    // slip past.
    const result = new Promise<Invoice>((resolve, reject) => {
      let done = false;
      const finish = (err: unknown, inv?: Invoice) => {
        if (done) return;
        done = true;
        cleanup();
        if (err) reject(err);
        else resolve(inv!);
      };
      const timedOut = () => new MerchantError('Timeout', 'Failed: timeout waiting for response', { data: { invstring: signed.string } });
      const offInvoice = invoices.onInvoiceChange((ev) => {
        if (!equalBytes(ev.payment_hash, payment_hash)) return;
        if (ev.status === 'paid') {
          invoices.getByPaymentHash(payment_hash).then(
            (inv) => finish(inv ? undefined : new MerchantError('Failed', 'Invoice deleted during wait'), inv),
            (err: unknown) => finish(err),
          );
        } else if (ev.status === 'expired') {
          // The invoice's expiry is the timeout itself: whichever timer fires first, it is a timeout.
          finish(timedOut());
        } else {
          finish(new MerchantError('Failed', 'Invoice deleted during wait'));
        }
      });
      const offOutbox = outbox.onChange((e) => {
        if (e.status === 'failed' && equalBytes(e.payment_hash, payment_hash)) {
          finish(new MerchantError('RouteNotFound', `Failed: could not deliver the invoice: ${e.error ?? 'unknown reason'}`));
        }
      });
      const cancelTimer = clock.setTimer(relative * 1000, () => finish(timedOut()));
      const onAbort = () => {
        const err = new Error('sendinvoice aborted');
        err.name = 'AbortError';
        finish(err);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      waiting.set(key, { invreq_id: invreq.invreq_id, fail: (e) => finish(e) });
      cleanup = () => {
        offInvoice();
        offOutbox();
        cancelTimer();
        signal?.removeEventListener('abort', onAbort);
        waiting.delete(key);
      };
      if (signal?.aborted) onAbort();
    });
    // Settled while the write below runs (an abort): handled when returned, not reported as unhandled.
    result.catch(() => {});
    // The invoice and its outbox entry in ONE transaction: either both exist or neither (a crash between
    // two transactions would leave a stored invoice that is never sent).
    try {
      await invoices.storeInvoice(
        {
          label: p.label,
          kind: 'bolt12',
          invstring: signed.string,
          preimage,
          amount_msat: amount,
          ...(f.offer_description !== undefined ? { description: f.offer_description } : {}),
          expires_at: now + relative,
        },
        async (tx) => {
          await outbox.addIn(tx, entry);
        },
      );
    } catch (err) {
      cleanup();
      throw err;
    }
    return result;
  }

  function reply(m: ReplyMessage): boolean {
    let target = m.pathSecret !== undefined ? waiting.get(toHex(m.pathSecret)) : undefined;
    if (!target && m.invoice !== undefined) {
      // No path secret (a bridge that cannot tell): an invoice mirroring the request we answered is a reply too.
      let invreq_id: Uint8Array | undefined;
      try {
        invreq_id = inspectInvoice(m.invoice).invoice.invreq_id;
      } catch {
        // not an invoice we can read: not ours
      }
      for (const w of waiting.values()) if (invreq_id && equalBytes(invreq_id, w.invreq_id)) target = w;
    }
    if (!target) return false;
    if (m.invoice_error !== undefined) {
      let data: Record<string, unknown> = {};
      try {
        const e = parseInvoiceError(m.invoice_error).fields;
        data = {
          error: e.error,
          ...(e.erroneous_field !== undefined ? { erroneous_field: Number(e.erroneous_field) } : {}),
          ...(e.suggested_value !== undefined ? { suggested_value: toHex(e.suggested_value) } : {}),
        };
      } catch (err) {
        data = { error: `unparsable invoice_error: ${err instanceof Error ? err.message : String(err)}` };
      }
      target.fail(new MerchantError('BadReply', 'Remote node sent failure message', { data }));
    } else {
      target.fail(new MerchantError('BadReply', 'Remote node replied with an unexpected message'));
    }
    return true;
  }

  return { send, check, reply, pending: () => waiting.size };
}
