/**
 * `sendinvoice` and the outbox in-process, on each dialect: the invoice built from an "offer to pay"
 * (checked by the independent reader), queued for the bridge with its destination and a reply path
 * that decrypts to the correlation path_id, and each way the call ends — paid, invoice_error (1004),
 * undeliverable (1003), timeout (1005), expired request (1002) — plus every refusal of the `lnr`.
 */
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { InvoiceEngineImpl } from '../../src/invoice/engine.js';
import { parseHtlcAccepted } from '../../src/invoice/payments/htlc-payload.js';
import { createPaymentProcessor, type PaymentProcessor } from '../../src/invoice/payments/processor.js';
import { buildInvoiceError, derivePathId, encodeBolt12String, type BlindedPath } from '../../src/offers/index.js';
import { blindedPathsCodec } from '../../src/offers/bolt12/blinded-path.js';
import { createMerchant, type Merchant } from '../../src/offers/merchant.js';
import { MerchantError } from '../../src/offers/merchant-errors.js';
import type { ManualClock } from '../../src/util/clock.js';
import { toHex } from '../../src/util/hex.js';
import { msat } from '../../src/util/msat.js';
import { Bolt12Payer, nodeSecretOf } from '../helpers/bolt12-payer.js';
import { pathIdOf, verifyInvoice } from '../helpers/bolt12-verify.js';
import { DIALECTS, openTestDatabase, startTestEngine, TEST_NODE_KEYS, testRandom, type TestDatabase } from '../helpers/db.js';
import { TestPayer } from '../helpers/payer.js';

const NOW = 1_700_000_000;
const NODE_SECRET = nodeSecretOf(new Uint8Array(32).fill(1));
const REPLY_BASE = TEST_NODE_KEYS.deriveSecret('bolt12-sendinvoice-reply');
const quiet = { debug() {}, info() {}, warn() {} };

async function rejection(p: Promise<unknown>): Promise<MerchantError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(MerchantError);
  return e as MerchantError;
}

for (const dialect of DIALECTS) {
  describe.skipIf(!dialect.available)(`sendinvoice and the outbox on ${dialect.name}`, () => {
    let t: TestDatabase;
    let invoices: InvoiceEngineImpl;
    let clock: ManualClock;
    let merchant: Merchant;
    let payments: PaymentProcessor;
    const payer = new Bolt12Payer(0x31);

    beforeEach(async () => {
      t = await openTestDatabase(dialect);
      ({ engine: invoices, clock } = await startTestEngine(t.db));
      merchant = createMerchant({ db: t.db, invoices, nodeKeys: TEST_NODE_KEYS, network: 'regtest', clock, random: testRandom('s'), cltvFinal: 10 });
      payments = createPaymentProcessor({
        engine: invoices,
        clock,
        cltvFinal: 10,
        logger: quiet,
        bolt12InvoiceBase: TEST_NODE_KEYS.deriveSecret('bolt12-invoice-base'),
      });
    });
    afterEach(async () => {
      payments.close();
      await merchant.close();
      await invoices.close();
      await t.cleanup();
    });

    /** An offer to pay from `payer` (refund style: no issuer id, its own key, an amount). */
    const lnr = (extra: Parameters<Bolt12Payer['raw']>[1] = {}) => {
      const bytes = payer.raw(undefined, { offer_description: 'refund for order 7', invreq_amount: 42_000n, ...extra });
      return { bytes, string: encodeBolt12String('lnr', bytes) };
    };
    /** The first pending outbox entry, once it is there. */
    const nextEntry = async (start = 1) => {
      const r = await merchant.outbox.wait(start);
      return (await merchant.outbox.get(r.created))!;
    };

    it('paid: the invoice mirrors the request, goes to the payer id with a reply path, and the call returns it paid', async () => {
      const req = lnr();
      const call = merchant.sendinvoice.send({ invreq: req.string, label: 'refund-7' });
      const e = await nextEntry();
      expect(e).toMatchObject({ created_index: 1, kind: 'invoice', label: 'refund-7', status: 'pending', created_at: NOW });
      expect(toHex(e.destination_node_id!)).toBe(toHex(payer.payerId));
      expect(e.destination_paths.length).toBe(0);
      const v = verifyInvoice(e.message, req.bytes, NODE_SECRET);
      expect(v).toMatchObject({ signatureValid: true, mirrorsRequest: true, amount: 42_000n, relative_expiry: 90n, created_at: BigInt(NOW) });
      expect(toHex(v.node_id)).toBe(toHex(TEST_NODE_KEYS.nodeId));
      expect(toHex(pathIdOf(e.reply_path, NODE_SECRET)!)).toBe(toHex(derivePathId(REPLY_BASE, e.payment_hash)));
      expect((await merchant.outbox.markSent(1)).status).toBe('sent');
      expect((await merchant.outbox.markSent(1)).status).toBe('sent');
      await expect(merchant.outbox.markFailed(1, 'late')).rejects.toThrow('Outbox message is sent, not pending');
      // The payer pays through the invoice's blinded path.
      const [j] = new TestPayer().pay({ payment_hash: v.payment_hash, amount_msat: v.amount, payment_secret: v.path_id!, min_final_cltv_expiry: 10 });
      expect((await payments.htlcAccepted(parseHtlcAccepted(j!.onion, j!.htlc))).result).toBe('resolve');
      const inv = await call;
      expect(inv).toMatchObject({ label: 'refund-7', kind: 'bolt12', status: 'paid', amount_msat: 42_000n, amount_received_msat: 42_000n, description: 'refund for order 7', expires_at: NOW + 90, created_index: 1, updated_index: 1 });
      expect(merchant.sendinvoice.pending()).toBe(0);
    });

    it('an invoice_error over our reply path ends it with 1004 and its fields; the invoice stays stored', async () => {
      const req = lnr();
      const call = rejection(merchant.sendinvoice.send({ invreq: req.string, label: 'r2', amount_msat: msat(50_000n), timeout: 7200n }));
      const e = await nextEntry();
      // A timeout of exactly 7200 s is the default relative expiry, so it is left out; amount_msat overrides.
      const v = verifyInvoice(e.message, req.bytes, NODE_SECRET);
      expect([v.mirrorsRequest, v.relative_expiry, v.amount]).toEqual([true, undefined, 50_000n]);
      // Something else over an unknown path is not ours.
      expect(merchant.sendinvoice.reply({ pathSecret: new Uint8Array(32), invoice_error: buildInvoiceError({ error: 'x' }).bytes })).toBe(false);
      const answer = await merchant.onionMessage({
        hasReplyPath: false,
        pathSecret: pathIdOf(e.reply_path, NODE_SECRET)!,
        invoice_error: buildInvoiceError({ error: 'amount too high', erroneous_field: 170n, suggested_value: Uint8Array.of(0xa4, 0x10) }).bytes,
      });
      expect(answer).toEqual({ result: 'continue' });
      const err = await call;
      expect({ kind: err.kind, message: err.message, data: err.extra.data }).toEqual({
        kind: 'BadReply',
        message: 'Remote node sent failure message',
        data: { error: 'amount too high', erroneous_field: 170, suggested_value: 'a410' },
      });
      expect((await invoices.list({ label: 'r2' }))[0]).toMatchObject({ status: 'unpaid', amount_msat: 50_000n });
    });

    it('an invoice sent back without a path secret is matched by the request it mirrors: 1004', async () => {
      const call = rejection(merchant.sendinvoice.send({ invreq: lnr().string, label: 'echo' }));
      const e = await nextEntry();
      expect(await merchant.onionMessage({ hasReplyPath: true, invoice: e.message })).toEqual({ result: 'continue' });
      const err = await call;
      expect([err.kind, err.message]).toEqual(['BadReply', 'Remote node replied with an unexpected message']);
      // Nothing pending any more: a second copy is not ours.
      expect(merchant.sendinvoice.reply({ invoice: e.message })).toBe(false);
    });

    it('undeliverable (outbox-failed) is 1003; silence until the timeout is 1005 with the invstring', async () => {
      const failing = rejection(merchant.sendinvoice.send({ invreq: lnr().string, label: 'r3' }));
      const e = await nextEntry();
      await merchant.outbox.markFailed(e.created_index, 'no route to payer');
      const err = await failing;
      expect([err.kind, err.message]).toEqual(['RouteNotFound', 'Failed: could not deliver the invoice: no route to payer']);

      const silent = rejection(merchant.sendinvoice.send({ invreq: lnr().string, label: 'r4', timeout: 30n }));
      await nextEntry(2);
      clock.advance(29_000);
      // Whatever the clock's timers started has run: the call is still waiting, one second short.
      await invoices.idle();
      await new Promise((r) => setImmediate(r));
      expect(merchant.sendinvoice.pending()).toBe(1);
      clock.advance(1_000);
      // The expiry sweep runs at the same moment: either way the answer is the timeout.
      await invoices.idle();
      const timeout = await silent;
      const [inv] = await invoices.list({ label: 'r4' });
      expect([timeout.kind, timeout.message, timeout.extra.data]).toEqual(['Timeout', 'Failed: timeout waiting for response', { invstring: inv!.invstring }]);
    });

    it('destination: the invoice_request paths when it has them', async () => {
      const path: BlindedPath = {
        first_node_id: { node_id: payer.payerId },
        first_path_key: TEST_NODE_KEYS.nodeId,
        path: [{ blinded_node_id: payer.payerId, encrypted_recipient_data: new Uint8Array(17).fill(5) }],
      };
      const call = rejection(merchant.sendinvoice.send({ invreq: lnr({ invreq_paths: [path] }).string, label: 'r5', timeout: 5n }));
      const e = await nextEntry();
      expect(e.destination_node_id).toBeUndefined();
      expect(toHex(e.destination_paths)).toBe(toHex(blindedPathsCodec.write([path])));
      clock.advance(5_000);
      expect((await call).kind).toBe('Timeout');
    });

    it('refuses what the seed refuses, before storing anything', async () => {
      const bad = async (p: Parameters<Merchant['sendinvoice']['send']>[0]) => {
        const e = await rejection(merchant.sendinvoice.send(p));
        return [e.kind, e.message, e.extra.param];
      };
      expect(await bad({ invreq: lnr({ offer_absolute_expiry: BigInt(NOW - 1) }).string, label: 'x' })).toEqual(['OfferExpired', 'Offer expired', undefined]);
      expect(await bad({ invreq: 'lnr1qqq', label: 'x' })).toEqual(['InvalidParams', expect.stringMatching(/^Unparsable invreq: /), 'invreq']);
      expect(await bad({ invreq: lnr({ offer_issuer_id: payer.payerId }).string, label: 'x' })).toEqual(['InvalidParams', 'This is based on an offer?', 'invreq']);
      expect(await bad({ invreq: lnr({ invreq_amount: undefined }).string, label: 'x' })).toEqual(['InvalidParams', 'invreq_amount: required without an offer', 'invreq']);
      expect(await bad({ invreq: lnr({ offer_quantity_max: 3n }).string, label: 'x' })).toEqual(['InvalidParams', 'offer_quantity_max: not allowed without an offer', 'invreq']);
      const req = lnr();
      const broken = req.bytes.slice();
      broken[broken.length - 1] = (broken[broken.length - 1] as number) ^ 1;
      expect(await bad({ invreq: encodeBolt12String('lnr', broken), label: 'x' })).toEqual(['InvalidParams', 'signature: invalid', 'invreq']);
      expect(await bad({ invreq: req.string, label: 'x', quantity: 2n })).toEqual(['InvalidParams', 'quantity parameter unnecessary', 'quantity']);
      expect(await bad({ invreq: req.string, label: 'x', amount_msat: msat(0n) })).toEqual(['InvalidParams', 'must be greater than zero', 'amount_msat']);
      expect(await invoices.list({})).toEqual([]);
      expect(await merchant.outbox.list({})).toEqual([]);
      // A label in use: 900 with the existing invoice, and nothing queued.
      await invoices.create({ label: 'taken', description: 'd', amount_msat: msat(1n) });
      const dup = await merchant.sendinvoice.send({ invreq: req.string, label: 'taken' }).catch((e: unknown) => e);
      expect(dup).toMatchObject({ kind: 'LabelExists', message: 'Duplicate label' });
      expect(await merchant.outbox.list({})).toEqual([]);
    });

    it('the invoice and its outbox entry commit together: when queueing fails, no invoice is left behind', async () => {
      const before = await invoices.counts();
      // The outbox out of reach: the entry's insert fails inside the invoice's own transaction.
      await t.schemaChange(() => sql`alter table outbox rename to outbox_away`.execute(t.db.db));
      try {
        const err = await merchant.sendinvoice.send({ invreq: lnr().string, label: 'half' }).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(err).toBeInstanceOf(Error);
        expect(await invoices.list({ label: 'half' })).toEqual([]);
        expect(await invoices.counts()).toEqual(before);
        expect(merchant.sendinvoice.pending()).toBe(0);
      } finally {
        await t.schemaChange(() => sql`alter table outbox_away rename to outbox`.execute(t.db.db));
      }
      // Nothing was half written: the label is free, and now invoice and entry arrive together.
      const call = merchant.sendinvoice.send({ invreq: lnr().string, label: 'half', timeout: 1n }).catch((e: unknown) => e);
      const e = await nextEntry();
      expect(e).toMatchObject({ created_index: 1, label: 'half' });
      const stored = (await invoices.list({ label: 'half' }))[0]!;
      expect([stored.status, stored.created_index]).toEqual(['unpaid', before.created_index + 1]);
      clock.advance(1_000);
      expect(await call).toMatchObject({ kind: 'Timeout' });
    });

    it.skipIf(dialect.name !== 'postgres')('two daemons on one database: a bridge on either hears every entry and report', async () => {
      const db2 = await t.openAnother();
      const { engine: invoices2 } = await startTestEngine(db2, { clock, random: testRandom('e2') });
      const other = createMerchant({ db: db2, invoices: invoices2, nodeKeys: TEST_NODE_KEYS, network: 'regtest', clock, random: testRandom('s2'), cltvFinal: 10 });
      try {
        await Promise.all([merchant.outbox.ready(), other.outbox.ready()]);
        const waiting = other.outbox.wait(1);
        // The answer may come (over the notification) before the step that causes it returns: listen now.
        const call = rejection(merchant.sendinvoice.send({ invreq: lnr().string, label: 'cross' }));
        const w = await waiting;
        // The wait reads the index once: when that read comes after the commit, it answers with the index
        // alone (as `wait` does), and the entry is read from the outbox.
        const entry = w.entry ?? (await other.outbox.get(w.created));
        expect([w.created, entry?.label]).toEqual([1, 'cross']);
        await other.outbox.markFailed(w.created, 'reported elsewhere');
        const err = await call;
        expect([err.kind, err.message]).toEqual(['RouteNotFound', 'Failed: could not deliver the invoice: reported elsewhere']);
        // An invoice_error handed to the other daemon still reaches the sendinvoice waiting here.
        const waiting2 = other.outbox.wait(2);
        const call2 = rejection(merchant.sendinvoice.send({ invreq: lnr().string, label: 'cross-2' }));
        const e2 = (await other.outbox.get((await waiting2).created))!;
        const pathSecret = pathIdOf(e2.reply_path, NODE_SECRET)!;
        await other.onionMessage({ hasReplyPath: false, pathSecret, invoice_error: buildInvoiceError({ error: 'via B' }).bytes });
        const err2 = await call2;
        expect([err2.kind, err2.extra.data]).toEqual(['BadReply', { error: 'via B' }]);
      } finally {
        await other.close();
        await invoices2.close();
      }
    });

    it('the outbox: indexes from 1, wait returns at once or when a message comes, list filters', async () => {
      expect(await merchant.outbox.wait(0)).toEqual({ created: 0 });
      const waiting = merchant.outbox.wait(2);
      void merchant.sendinvoice.send({ invreq: lnr().string, label: 'o1', timeout: 1n }).catch(() => {});
      void merchant.sendinvoice.send({ invreq: lnr().string, label: 'o2', timeout: 1n }).catch(() => {});
      const w = await waiting;
      expect(w.created).toBe(2);
      expect(w.entry?.label).toBe('o2');
      expect((await merchant.outbox.list({ status: 'pending' })).map((e) => e.created_index)).toEqual([1, 2]);
      await merchant.outbox.markFailed(1, 'gone');
      expect((await merchant.outbox.list({ status: 'pending' })).map((e) => e.label)).toEqual(['o2']);
      expect((await merchant.outbox.list({ start: 2, limit: 5 })).map((e) => e.label)).toEqual(['o2']);
      await expect(merchant.outbox.markSent(9)).rejects.toThrow('Unknown outbox message');
      const ac = new AbortController();
      const aborted = merchant.outbox.wait(10, ac.signal);
      ac.abort();
      await expect(aborted).rejects.toMatchObject({ name: 'AbortError' });
      clock.advance(1_000);
    });
  });
}
