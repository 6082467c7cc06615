/**
 * The BOLT 12 merchant flow end to end over the built daemon's socket, playing both sides: a test payer
 * sends signed invoice_requests for our offers through `onion_message_recv` (as a node bridge hands them
 * in) and checks every field of the reply by the spec's reader rules and an independent decoder; a test
 * bridge drains the outbox for `sendinvoice` and answers with a payment, an invoice_error, a delivery
 * failure or silence; and BOLT 12 payments go through `htlc_accepted` by path_id. SQLite, and
 * PostgreSQL when configured.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodeKeysFromSeed } from '../../src/crypto/node-keys.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { concatBytes } from '../../src/util/bytes.js';
import {
  buildInvoice,
  buildInvoiceError,
  buildOffer,
  checkInvoiceAnswers,
  derivePathId,
  encodeBolt12String,
  parseInvoice,
  parseInvoiceRequest,
} from '../../src/offers/index.js';
import { blindedPathsCodec } from '../../src/offers/bolt12/blinded-path.js';
import { fromHex, toHex } from '../../src/util/hex.js';
import { DEFAULT_CLTV_FINAL } from '../../src/util/network.js';
import { Bolt12Payer, invreqMessage, nodeSecretOf, REGTEST_CHAIN } from '../helpers/bolt12-payer.js';
import { invoiceErrorText, pathIdOf, verifyInvoice } from '../helpers/bolt12-verify.js';
import { dropPgSchemas, E2E_DATABASES, daemonBuilt, startDaemon, TEST_SEED, type TestDaemon } from '../helpers/daemon.js';
import { TestPayer } from '../helpers/payer.js';
import type { RpcClient } from '../helpers/rpc-client.js';

// Daemons of every suite here have stopped by now: drop the PostgreSQL schemas they made.
afterAll(dropPgSchemas);

const KEYS = nodeKeysFromSeed(TEST_SEED);
const NODE_ID = toHex(KEYS.nodeId);
const NODE_SECRET = nodeSecretOf(TEST_SEED);
const INVOICE_BASE = KEYS.deriveSecret('bolt12-invoice-base');
const INVOICE_KEYS = ['label', 'bolt12', 'payment_hash', 'amount_msat', 'status', 'description', 'expires_at', 'local_offer_id', 'invreq_payer_note', 'created_index', 'created_at'];

for (const db of E2E_DATABASES) {
  describe.skipIf(!daemonBuilt() || db.skip)(`BOLT 12 merchant flow over the socket (${db.name})`, () => {
    let d: TestDaemon;
    let c: RpcClient;
    let bridge: RpcClient;
    const htlcs = new TestPayer({ blockheight: 800_000 });
    beforeAll(async () => {
      d = await startDaemon(db.database ? { database: db.database } : {});
      c = await d.connect();
      bridge = await d.connect();
    });
    afterAll(async () => {
      c.destroy();
      bridge.destroy();
      expect(await d.stop()).toEqual({ code: 0, signal: null });
    });
    const call = async (method: string, params: unknown, via: RpcClient = c) => {
      const r = await via.call(method, params);
      if (r.error) throw new Error(`${method}: ${JSON.stringify(r.error)}`);
      return r.result as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- JSON results
    };
    const now = async () => (await call('dev-clock', {})).now as number;
    /** `stamp` is a time the daemon took while `f` ran: between the clock read before and after (the clock runs). */
    const stampedDuring = async <T>(f: () => Promise<T>, stamp: (r: T) => number | bigint) => {
      const before = await now();
      const r = await f();
      const at = Number(stamp(r));
      expect(at).toBeGreaterThanOrEqual(before);
      expect(at).toBeLessThanOrEqual(await now());
      return { r, at };
    };
    const offer = async (params: Record<string, unknown>) => (await call('offer', params)).bolt12 as string;
    /** Sends an invoice_request; returns the reply's invoice bytes or invoice_error text. */
    const ask = async (bytes: Uint8Array, extra: Record<string, unknown> = {}) => {
      const r = await call('onion_message_recv', invreqMessage(bytes, extra), bridge);
      expect(r.result).toBe('reply');
      expect(Object.keys(r).sort()).toEqual(['result', r.invoice !== undefined ? 'invoice' : 'invoice_error'].sort());
      return r.invoice !== undefined ? { invoice: fromHex(r.invoice as string) } : { error: invoiceErrorText(fromHex(r.invoice_error as string)) };
    };
    const errorFor = async (bytes: Uint8Array, extra: Record<string, unknown> = {}) => (await ask(bytes, extra)).error;
    const pay = (target: { payment_hash: Uint8Array; amount_msat: bigint; path_id: Uint8Array }, parts = 1) =>
      Promise.all(
        htlcs
          .pay({ ...target, payment_secret: target.path_id, min_final_cltv_expiry: 18 }, { parts })
          .map(async (p) => (await call('htlc_accepted', p, bridge)).result as string),
      );

    it('an invoice_request with a payer note gets an invoice every reader rule accepts, stored under CLN\'s label', async () => {
      const lno = await offer({ amount: 7000, description: 'Café ☕', issuer: 'shop' });
      const payer = new Bolt12Payer(0x41);
      const req = payer.request(lno, { note: 'ring the bell 🔔', quantity: undefined });
      const {
        r: { invoice },
        at: t,
      } = await stampedDuring(() => ask(req.bytes), (r) => verifyInvoice(r.invoice!, req.bytes, NODE_SECRET).created_at);
      // The codec's reader (every MUST of an invoice reader) and the payer's checks.
      const inv = parseInvoice(invoice!, { now: t, chain: REGTEST_CHAIN });
      checkInvoiceAnswers(inv, parseInvoiceRequest(req.bytes));
      // The independent reader: signature over its own Merkle root, mirror byte for byte, path_id.
      const v = verifyInvoice(invoice!, req.bytes, NODE_SECRET);
      expect(v).toMatchObject({ signatureValid: true, mirrorsRequest: true, amount: 7000n, created_at: BigInt(t) });
      expect(v.relative_expiry).toBeUndefined();
      expect(toHex(v.node_id)).toBe(NODE_ID);
      expect(toHex(v.features)).toBe('020000');
      expect(v.payinfo).toMatchObject({ fee_base_msat: 0, fee_ppm: 0, cltv_expiry_delta: DEFAULT_CLTV_FINAL.regtest, htlc_min: 0n, flen: 0 });
      expect(toHex(v.path_id!)).toBe(toHex(derivePathId(INVOICE_BASE, v.payment_hash)));
      const offer_id = toHex(inv.offer_id!);

      const listed = (await call('listinvoices', { offer_id })).invoices as Record<string, unknown>[];
      expect(listed).toHaveLength(1);
      expect(Object.keys(listed[0]!)).toEqual(INVOICE_KEYS);
      expect(listed[0]).toMatchObject({
        label: `${offer_id}-${toHex(payer.payerId)}-0`,
        bolt12: inv.string,
        payment_hash: toHex(v.payment_hash),
        amount_msat: 7000,
        status: 'unpaid',
        description: 'Café ☕',
        expires_at: t + 7200,
        local_offer_id: offer_id,
        invreq_payer_note: 'ring the bell 🔔',
      });
      // The same request again (a retransmission): the same invoice.
      expect(toHex((await ask(req.bytes)).invoice!)).toBe(toHex(invoice!));
      // The same payer key with a new request (new invreq_metadata, a quantity…): BOLT 12 says the writer MUST
      // NOT reply with the previous invoice, which mirrors the old request; a fresh one mirrors this one.
      const req2 = payer.request(lno, { note: 'second order' });
      const fresh = (await ask(req2.bytes)).invoice!;
      expect(toHex(fresh)).not.toBe(toHex(invoice!));
      expect(verifyInvoice(fresh, req2.bytes, NODE_SECRET)).toMatchObject({ signatureValid: true, mirrorsRequest: true, amount: 7000n });
      expect(toHex((await ask(req2.bytes)).invoice!)).toBe(toHex(fresh));
      const freshHash = toHex(verifyInvoice(fresh, req2.bytes, NODE_SECRET).payment_hash);
      expect((await call('listinvoices', { offer_id })).invoices.map((i: { payment_hash: string }) => i.payment_hash)).toContain(freshHash);

      // Paying it through its blinded path (two parts) marks it paid and the offer used.
      expect(await pay({ payment_hash: v.payment_hash, amount_msat: 7000n, path_id: v.path_id! }, 2)).toEqual(['resolve', 'resolve']);
      expect((await call('listinvoices', { offer_id })).invoices[0]).toMatchObject({ status: 'paid', amount_received_msat: 7000 });
      // Marked used in the payment's own transaction: already so when the payment is answered.
      expect((await call('listoffers', { offer_id })).offers[0]).toMatchObject({ active: true, used: true });
      // A wrong path_id is refused.
      const other = verifyInvoice((await ask(new Bolt12Payer(0x42).request(lno).bytes)).invoice!, new Uint8Array(0), NODE_SECRET);
      expect(await pay({ payment_hash: other.payment_hash, amount_msat: 7000n, path_id: new Uint8Array(32).fill(3) })).toEqual(['fail']);
    });

    it('quantity and amount rules, each refusal with its text', async () => {
      const lno = await offer({ amount: 1000, description: 'stickers', quantity_max: 10 });
      const p = new Bolt12Payer(0x43);
      const req = p.request(lno, { quantity: 4n, amount: 4500n });
      const { invoice } = await ask(req.bytes);
      expect(verifyInvoice(invoice!, req.bytes, NODE_SECRET).amount).toBe(4500n);
      expect(await errorFor(p.raw(lno, {}))).toBe('missing invreq_quantity');
      expect(await errorFor(p.raw(lno, { invreq_quantity: 0n }))).toBe('quantity zero invalid');
      expect(await errorFor(p.raw(lno, { invreq_quantity: 11n }))).toBe('quantity 11 > 10');
      expect(await errorFor(p.raw(lno, { invreq_quantity: 2n, invreq_amount: 1999n }))).toBe('Amount must be at least 2000msat');
      expect(await errorFor(p.raw(lno, { invreq_quantity: 2n, invreq_amount: 10_005n }))).toBe('Amount vastly exceeds 2000msat');
    });

    it('single-use, expired, disabled and unknown offers; bad signatures; requests over a blinded path', async () => {
      const once = await offer({ amount: 500, description: 'once', single_use: true });
      const a = new Bolt12Payer(0x44);
      const b = new Bolt12Payer(0x45);
      const va = verifyInvoice((await ask(a.request(once).bytes)).invoice!, new Uint8Array(0), NODE_SECRET);
      const vb = verifyInvoice((await ask(b.request(once).bytes)).invoice!, new Uint8Array(0), NODE_SECRET);
      expect(await pay({ payment_hash: va.payment_hash, amount_msat: 500n, path_id: va.path_id! })).toEqual(['resolve']);
      // The other payer's invoice expires and new requests are refused.
      for (let i = 0; i < 100; i++) {
        const [inv] = (await call('listinvoices', { payment_hash: toHex(vb.payment_hash) })).invoices;
        if (inv.status === 'expired') break;
        await new Promise((r) => setTimeout(r, 10));
      }
      expect((await call('listinvoices', { payment_hash: toHex(vb.payment_hash) })).invoices[0].status).toBe('expired');
      expect(await errorFor(new Bolt12Payer(0x46).request(once).bytes)).toBe('Offer no longer available');

      const expiry = (await now()) + 60;
      const soon = await offer({ amount: 600, description: 'soon', absolute_expiry: expiry });
      const req = a.request(soon);
      const shortened = verifyInvoice((await ask(req.bytes)).invoice!, req.bytes, NODE_SECRET);
      // Cut to end with the offer, whichever second the invoice was made in.
      expect(shortened.created_at + shortened.relative_expiry!).toBe(BigInt(expiry));
      await call('dev-clock', { advance: 61 });
      expect(await errorFor(b.request(soon).bytes)).toBe('Offer expired');

      const off = await call('offer', { amount: 700, description: 'off' });
      await call('disableoffer', { offer_id: off.offer_id });
      expect(await errorFor(a.request(off.bolt12).bytes)).toBe('Offer no longer available');

      const foreign = buildOffer({ offer_chains: [REGTEST_CHAIN], offer_amount: 1n, offer_description: 'not ours', offer_issuer_id: KEYS.nodeId });
      expect(await errorFor(a.request(foreign.string).bytes)).toBe('Unknown offer');
      const live = await offer({ amount: 800, description: 'live' });
      expect(await errorFor(Bolt12Payer.badSignature(a.request(live)))).toBe('bad signature');
      expect(await errorFor(a.request(live).bytes, { pathsecret: '00'.repeat(32) })).toBe('Unknown offer');
      // No reply path, or not a BOLT 12 message: continue.
      const noReply = await call('onion_message_recv', { onion_message: { invoice_request: toHex(a.request(live).bytes) } }, bridge);
      expect(noReply).toEqual({ result: 'continue' });
      expect(await call('onion_message_recv', { onion_message: { unknown_fields: [] } }, bridge)).toEqual({ result: 'continue' });
      const bad = await bridge.call('onion_message_recv', { onion_message: { invoice_request: 'zz' } });
      expect(bad.error?.code).toBe(-32602);
    });

    it('currency offers: refused without a rate, a 600 s invoice with one', async () => {
      const lno = await offer({ amount: '2.50EUR', description: 'croissant' });
      const p = new Bolt12Payer(0x47);
      expect(await errorFor(p.request(lno).bytes)).toBe('Cannot convert currency EUR: no exchange rate set');
      const { r: set, at: t } = await stampedDuring(() => call('setcurrencyrate', { currency: 'EUR', msat_per_unit: 1_100_000 }), (r) => r.set_at as number);
      expect(set).toEqual({ currency: 'EUR', msat_per_unit: 1_100_000, set_at: t, fresh: true });
      const req = p.request(lno);
      const v = verifyInvoice((await ask(req.bytes)).invoice!, req.bytes, NODE_SECRET);
      expect([v.amount, v.relative_expiry]).toEqual([2_750_000n, 600n]);
      await call('dev-clock', { advance: 3601 });
      expect(await errorFor(new Bolt12Payer(0x48).request(lno).bytes)).toBe(`Cannot convert currency EUR: exchange rate is stale (set at ${t})`);
      expect((await call('listcurrencyrates', {})).currencyrates).toEqual([{ currency: 'EUR', msat_per_unit: 1_100_000, set_at: t, fresh: false }]);
      const badCurrency = await c.call('setcurrencyrate', { currency: 'usd', msat_per_unit: 1 });
      expect(badCurrency.error?.code).toBe(-32602);
    });

    it('createinvoice signs and stores an unsigned lni for our offer (CLN offers-plugin style)', async () => {
      const lno = await offer({ amount: 1234, description: 'external' });
      const req = new Bolt12Payer(0x49).request(lno);
      const preimage = new Uint8Array(32).fill(0x77);
      const t = await now();
      const unsigned = buildInvoice(req, { invoice_created_at: BigInt(t), invoice_payment_hash: sha256(preimage), invoice_amount: 1234n });
      const lni = encodeBolt12String('lni', concatBytes(...unsigned.records.map((r) => r.bytes)));
      const r = await call('createinvoice', { invstring: lni, label: 'external-1', preimage: toHex(preimage) });
      const after = await now();
      expect(r).toMatchObject({ label: 'external-1', amount_msat: 1234, status: 'unpaid', description: 'external', local_offer_id: toHex(req.offer_id!) });
      // From the daemon's now at the call (as CLN), which a second may separate from `t`.
      expect(r.expires_at).toBeGreaterThanOrEqual(t + 7200);
      expect(r.expires_at).toBeLessThanOrEqual(after + 7200);
      const v = verifyInvoice(parseInvoice(r.bolt12 as string).bytes, req.bytes, NODE_SECRET);
      expect(v).toMatchObject({ signatureValid: true, mirrorsRequest: true });
      expect(toHex(v.path_id!)).toBe(toHex(derivePathId(INVOICE_BASE, sha256(preimage))));
      const again = await c.call('createinvoice', { invstring: r.bolt12, label: 'external-2', preimage: toHex(preimage) });
      expect(again.error).toMatchObject({ code: -32602, message: 'invoice already signed' });
    });

    it("check createinvoice of an lni makes the real run's checks up to the write, and stores nothing (issue 12)", async () => {
      const lno = await offer({ amount: 4321, description: 'checked lni' });
      const preimage = new Uint8Array(32).fill(0x78);
      const lniFor = async (offerString: string, extra: Record<string, unknown> = {}) => {
        const req = new Bolt12Payer(0x4a).request(offerString);
        const t = BigInt(await now());
        const unsigned = buildInvoice(req, { invoice_created_at: t, invoice_payment_hash: sha256(preimage), invoice_amount: 4321n, ...extra });
        return encodeBolt12String('lni', concatBytes(...unsigned.records.map((r) => r.bytes)));
      };
      /** The error of `check createinvoice` and of the real call, which must be the same. */
      const refusal = async (invstring: string, pre = preimage) => {
        const params = { invstring, label: 'checked-lni', preimage: toHex(pre) };
        const checked = await c.call('check', { command_to_check: 'createinvoice', ...params });
        const real = await c.call('createinvoice', params);
        expect(checked.error).toEqual(real.error);
        return checked.error;
      };
      const good = await lniFor(lno);
      expect(await call('check', { command_to_check: 'createinvoice', invstring: good, label: 'checked-lni', preimage: toHex(preimage) })).toEqual({
        command_to_check: 'createinvoice',
      });
      expect(await refusal(good, new Uint8Array(32).fill(0x79))).toEqual({ code: -32602, message: 'Incorrect preimage' });
      const huge = await lniFor(lno, { invoice_amount: 2_100_000_000_000_000_001n });
      expect(await refusal(huge)).toEqual({ code: -32602, message: 'Amount 2100000000000000001msat exceeds the total supply of 21 million bitcoin' });
      // The offer's state is read too: a disabled offer's invoice is refused with 907, as the real run does.
      const disabledOffer = await offer({ amount: 4321, description: 'checked lni, disabled' });
      const forDisabled = await lniFor(disabledOffer);
      await call('disableoffer', { offer_id: (await call('decode', [disabledOffer])).offer_id });
      expect(await refusal(forDisabled)).toEqual({ code: 907, message: 'offer not active' });
      // Nothing was stored by any of it.
      expect((await call('listinvoices', { label: 'checked-lni' })).invoices).toEqual([]);
    });

    describe('sendinvoice with a test bridge draining the outbox', () => {
      const refunder = new Bolt12Payer(0x51);
      const lnr = (extra: Parameters<Bolt12Payer['raw']>[1] = {}) =>
        encodeBolt12String('lnr', refunder.raw(undefined, { offer_description: 'refund', invreq_amount: 31_000n, ...extra }));
      let seen = 0;
      /** The bridge's loop step: wait for the next outbox entry and return it. */
      const nextMessage = async () => {
        const w = await call('wait', { subsystem: 'outbox', indexname: 'created', nextvalue: seen + 1 }, bridge);
        seen = w.created as number;
        const [entry] = (await call('listoutbox', { start: seen, limit: 1 }, bridge)).outbox;
        expect(entry).toMatchObject({ created_index: seen, status: 'pending', kind: 'invoice' });
        return entry as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- JSON
      };

      it('paid: the result is the paid invoice object', async () => {
        const s = lnr();
        const pending = c.call('sendinvoice', { invreq: s, label: 'refund-a' });
        const e = await nextMessage();
        expect(e.destination).toEqual({ node_id: toHex(refunder.payerId) });
        expect(e.reply_path.first_node_id).toBe(NODE_ID);
        const bytes = fromHex(e.invoice as string);
        const v = verifyInvoice(bytes, parseInvoiceRequest(s).bytes, NODE_SECRET);
        expect(v).toMatchObject({ signatureValid: true, mirrorsRequest: true, amount: 31_000n, relative_expiry: 90n });
        expect((await call('outbox-sent', { created_index: e.created_index }, bridge)).status).toBe('sent');
        expect(await pay({ payment_hash: v.payment_hash, amount_msat: 31_000n, path_id: v.path_id! })).toEqual(['resolve']);
        const r = await pending;
        expect(r.error).toBeUndefined();
        expect(r.result).toMatchObject({ label: 'refund-a', status: 'paid', amount_msat: 31_000, amount_received_msat: 31_000, payment_hash: toHex(v.payment_hash) });
        expect(r.result.created_index).toBeGreaterThan(0);
        expect(r.result.updated_index).toBeGreaterThan(0);
        expect(r.result.bolt12).toMatch(/^lni1/);
      });

      it('the payer answers with an invoice_error over our reply path: 1004', async () => {
        const pending = c.call('sendinvoice', { invreq: lnr(), label: 'refund-b', amount_msat: 40_000 });
        const e = await nextMessage();
        await call('outbox-sent', { created_index: e.created_index }, bridge);
        const pathsecret = toHex(pathIdOf(fromHex(e.reply_path.hex as string), NODE_SECRET)!);
        const answer = await call('onion_message_recv', {
          onion_message: { pathsecret, invoice_error: toHex(buildInvoiceError({ error: 'not the amount we agreed', erroneous_field: 170n }).bytes) },
        }, bridge);
        expect(answer).toEqual({ result: 'continue' });
        expect((await pending).error).toEqual({
          code: 1004,
          message: 'Remote node sent failure message',
          data: { error: 'not the amount we agreed', erroneous_field: 170 },
        });
      });

      it('an lnr with invreq_paths: the entry lists them (CLN decode names and wire hex) as the destination', async () => {
        const path = {
          first_node_id: { short_channel_id: (700_000n << 40n) | (12n << 16n) | 1n, direction: 1 as const },
          first_path_key: KEYS.nodeId,
          path: [{ blinded_node_id: refunder.payerId, encrypted_recipient_data: new Uint8Array(20).fill(0xab) }],
        };
        const pending = c.call('sendinvoice', { invreq: lnr({ invreq_paths: [path] }), label: 'refund-paths', timeout: 10 });
        const e = await nextMessage();
        expect(e.destination).toEqual({
          blinded_paths: [
            {
              first_scid: '700000x12x1',
              first_scid_dir: 1,
              first_path_key: NODE_ID,
              hops: [{ blinded_node_id: toHex(refunder.payerId), encrypted_recipient_data: 'ab'.repeat(20) }],
              hex: toHex(blindedPathsCodec.write([path])),
            },
          ],
        });
        await call('outbox-sent', { created_index: e.created_index }, bridge);
        await call('dev-clock', { advance: 10 });
        expect((await pending).error?.code).toBe(1005);
      });

      it('undeliverable: 1003; silence: 1005 with the invstring; an expired request: 1002', async () => {
        const failing = c.call('sendinvoice', { invreq: lnr(), label: 'refund-c' });
        const e = await nextMessage();
        expect((await call('outbox-failed', { created_index: e.created_index, error: 'no path to payer' }, bridge)).status).toBe('failed');
        expect((await failing).error).toEqual({ code: 1003, message: 'Failed: could not deliver the invoice: no path to payer' });

        const silent = c.call('sendinvoice', { invreq: lnr(), label: 'refund-d', timeout: 45 });
        const e2 = await nextMessage();
        await call('outbox-sent', { created_index: e2.created_index }, bridge);
        await call('dev-clock', { advance: 45 });
        const [inv] = (await call('listinvoices', { label: 'refund-d' })).invoices;
        expect((await silent).error).toEqual({ code: 1005, message: 'Failed: timeout waiting for response', data: { invstring: inv.bolt12 } });

        const t = await now();
        const expired = await c.call('sendinvoice', { invreq: lnr({ offer_absolute_expiry: BigInt(t - 1) }), label: 'refund-e' });
        expect(expired.error).toEqual({ code: 1002, message: 'Offer expired' });
        const offerBased = await c.call('sendinvoice', { invreq: lnr({ offer_issuer_id: KEYS.nodeId }), label: 'refund-f' });
        expect(offerBased.error?.code).toBe(-32602);
        expect(offerBased.error?.message).toMatch(/^invreq: This is based on an offer\?: invalid token/);
      });

      it("check sendinvoice makes the real run's checks before sending, and stores, queues and waits for nothing (issue 12)", async () => {
        const outboxBefore = (await call('listoutbox', {}, bridge)).outbox.length;
        /** The error of `check sendinvoice` and of the real call, which must be the same. */
        const refusal = async (params: Record<string, unknown>) => {
          const checked = await c.call('check', { command_to_check: 'sendinvoice', ...params });
          const real = await c.call('sendinvoice', params);
          expect(checked.error).toEqual(real.error);
          return checked.error;
        };
        const t = await now();
        expect(await refusal({ invreq: lnr({ offer_absolute_expiry: BigInt(t - 1) }), label: 'refund-chk' })).toEqual({ code: 1002, message: 'Offer expired' });
        const s = lnr();
        expect(await refusal({ invreq: s, label: 'refund-chk', quantity: 2 })).toEqual({
          code: -32602,
          message: "quantity: quantity parameter unnecessary: invalid token '2'",
        });
        expect(await refusal({ invreq: s, label: 'refund-chk', timeout: 0 })).toEqual({
          code: -32602,
          message: "timeout: should be between 1 and 4294967295 seconds: invalid token '0'",
        });
        expect(await refusal({ invreq: s, label: 'refund-chk', amount_msat: '0msat' })).toEqual({
          code: -32602,
          message: "amount_msat: must be greater than zero: invalid token '\"0msat\"'",
        });
        const offerBased = encodeBolt12String('lnr', refunder.raw(undefined, { offer_description: 'refund', invreq_amount: 31_000n, offer_issuer_id: KEYS.nodeId }));
        expect(await refusal({ invreq: offerBased, label: 'refund-chk' })).toEqual({
          code: -32602,
          message: `invreq: This is based on an offer?: invalid token '"${offerBased}"'`,
        });
        // A label in use: 900 with the invoice that has it, as the real run's store refuses it.
        await call('invoice', { amount_msat: 1000, label: 'refund-taken', description: 'd' });
        const [taken] = (await call('listinvoices', { label: 'refund-taken' })).invoices;
        expect(await refusal({ invreq: s, label: 'refund-taken' })).toEqual({ code: 900, message: 'Duplicate label', data: taken });
        // A good one: answered at once (nothing is sent, so nothing is waited for), nothing stored or queued.
        expect(await call('check', { command_to_check: 'sendinvoice', invreq: s, label: 'refund-chk' })).toEqual({ command_to_check: 'sendinvoice' });
        expect((await call('listinvoices', { label: 'refund-chk' })).invoices).toEqual([]);
        expect((await call('listoutbox', {}, bridge)).outbox).toHaveLength(outboxBefore);
      });
    });
  });
}
