/**
 * The merchant flow in-process against a real database (each dialect): invoice_requests for our offers
 * answered with invoices that an independent reader checks (signature, Merkle root, fields mirrored
 * byte for byte, the blinded path decrypted by the node key to the path_id payments must present), every
 * refusal with CLN's invoice_error text, labels and re-sent invoices, currency offers through rates, and
 * BOLT 12 payments by path_id including single-use offers.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { sha256 } from '@noble/hashes/sha2.js';
import type { InvoiceEngineImpl } from '../../src/invoice/engine.js';
import { parseHtlcAccepted } from '../../src/invoice/payments/htlc-payload.js';
import { createPaymentProcessor, type PaymentProcessor } from '../../src/invoice/payments/processor.js';
import { buildInvoice, buildOffer, decodeBolt12String, derivePathId, encodeBolt12String } from '../../src/offers/index.js';
import { concatBytes } from '../../src/util/bytes.js';
import { createMerchant, type Merchant, type OnionMessageAnswer } from '../../src/offers/merchant.js';
import { createOfferEngine, type OfferEngine } from '../../src/offers/offer-engine.js';
import type { ManualClock } from '../../src/util/clock.js';
import { toHex } from '../../src/util/hex.js';
import { msat } from '../../src/util/msat.js';
import { Bolt12Payer, nodeSecretOf, REGTEST_CHAIN } from '../helpers/bolt12-payer.js';
import { invoiceErrorText, verifyInvoice } from '../helpers/bolt12-verify.js';
import { DIALECTS, openTestDatabase, startTestEngine, TEST_NODE_KEYS, testRandom, type TestDatabase } from '../helpers/db.js';
import { decodeFailure, TestPayer } from '../helpers/payer.js';

const NOW = 1_700_000_000;
const NODE_SECRET = nodeSecretOf(new Uint8Array(32).fill(1));
const INVOICE_BASE = TEST_NODE_KEYS.deriveSecret('bolt12-invoice-base');
const quiet = { debug() {}, info() {}, warn() {} };

function invoiceOf(a: OnionMessageAnswer): Uint8Array {
  if (a.result !== 'reply' || !('invoice' in a)) throw new Error(`expected an invoice, got ${JSON.stringify(a)}`);
  return a.invoice;
}
function errorOf(a: OnionMessageAnswer): string {
  if (a.result !== 'reply' || !('invoice_error' in a)) throw new Error(`expected an invoice_error, got ${JSON.stringify(a)}`);
  return invoiceErrorText(a.invoice_error);
}

for (const dialect of DIALECTS) {
  describe.skipIf(!dialect.available)(`merchant flow on ${dialect.name}`, () => {
    let t: TestDatabase;
    let invoices: InvoiceEngineImpl;
    let clock: ManualClock;
    let offers: OfferEngine;
    let merchant: Merchant;
    let payments: PaymentProcessor;
    /** Offers being marked used after a payment (the daemon's wiring, below): awaited before teardown. */
    const marks = new Set<Promise<unknown>>();
    const alice = new Bolt12Payer(0x21);
    const bob = new Bolt12Payer(0x22);

    beforeEach(async () => {
      t = await openTestDatabase(dialect);
      ({ engine: invoices, clock } = await startTestEngine(t.db));
      offers = createOfferEngine({ db: t.db, invoices, nodeKeys: TEST_NODE_KEYS, network: 'regtest', clock, random: testRandom('o') });
      merchant = createMerchant({
        db: t.db,
        invoices,
        nodeKeys: TEST_NODE_KEYS,
        network: 'regtest',
        clock,
        random: testRandom('m'),
        cltvFinal: 10,
      });
      payments = createPaymentProcessor({ engine: invoices, clock, cltvFinal: 10, logger: quiet, bolt12InvoiceBase: INVOICE_BASE });
      // As the daemon wires it: a paid offer invoice marks the offer used.
      invoices.onInvoiceChange((ev) => {
        if (ev.status !== 'paid') return;
        const marking = invoices.getByPaymentHash(ev.payment_hash).then((inv) => inv?.local_offer_id && offers.markOfferUsed(inv.local_offer_id));
        marks.add(marking);
        void marking.finally(() => marks.delete(marking));
      });
    });
    afterEach(async () => {
      // The marks a payment started finish before the database closes under them.
      await Promise.allSettled([...marks]);
      payments.close();
      await merchant.close();
      await offers.close();
      await invoices.close();
      await t.cleanup();
    });

    const ask = (bytes: Uint8Array, extra: { pathSecret?: Uint8Array; hasReplyPath?: boolean } = {}) =>
      merchant.onionMessage({ invoice_request: bytes, hasReplyPath: extra.hasReplyPath ?? true, ...(extra.pathSecret ? { pathSecret: extra.pathSecret } : {}) });
    const newOffer = async (p: Parameters<OfferEngine['createOffer']>[0]) => (await offers.createOffer(p)).offer;

    it('answers with an invoice every reader rule accepts, checked by an independent decoder', async () => {
      const offer = await newOffer({ amount: msat(5000n), description: 'coffee' });
      const req = alice.request(offer.bolt12, { note: 'no sugar ☕' });
      const bytes = invoiceOf(await ask(req.bytes));
      const v = verifyInvoice(bytes, req.bytes, NODE_SECRET);
      expect(v.signatureValid).toBe(true);
      expect(v.mirrorsRequest).toBe(true);
      expect(v.records.has(240n)).toBe(true);
      expect(v.amount).toBe(5000n);
      expect(v.created_at).toBe(BigInt(NOW));
      expect(v.relative_expiry).toBeUndefined();
      expect(toHex(v.node_id)).toBe(toHex(TEST_NODE_KEYS.nodeId));
      expect(toHex(v.features)).toBe('020000');
      expect(v.payinfo).toEqual({ fee_base_msat: 0, fee_ppm: 0, cltv_expiry_delta: 10, htlc_min: 0n, htlc_max: 21_000_000n * 10n ** 11n, flen: 0 });
      expect(toHex(v.path_id!)).toBe(toHex(derivePathId(INVOICE_BASE, v.payment_hash)));
      // The signature covers the Merkle root: any other byte breaks it.
      const tampered = bytes.slice();
      tampered[10] = (tampered[10] as number) ^ 1;
      expect(verifyInvoice(tampered, req.bytes, NODE_SECRET).signatureValid).toBe(false);

      const label = `${toHex(offer.id)}-${toHex(alice.payerId)}-0`;
      const [inv] = await invoices.list({ label });
      expect(inv).toMatchObject({
        label,
        kind: 'bolt12',
        status: 'unpaid',
        amount_msat: 5000n,
        description: 'coffee',
        expires_at: NOW + 7200,
        invreq_payer_note: 'no sugar ☕',
      });
      expect(toHex(inv!.local_offer_id!)).toBe(toHex(offer.id));
      expect(toHex(inv!.payment_hash)).toBe(toHex(v.payment_hash));
      expect(toHex(sha256(inv!.payment_preimage))).toBe(toHex(v.payment_hash));
      expect((await invoices.list({ offer_id: offer.id })).map((i) => i.label)).toEqual([label]);
    });

    it('a retransmitted request gets the same unpaid invoice; a new request of the same key, or another payer, a new one; expired ones are replaced', async () => {
      const offer = await newOffer({ amount: msat(1000n), description: 'tea' });
      const firstReq = alice.request(offer.bolt12);
      const first = invoiceOf(await ask(firstReq.bytes));
      const again = invoiceOf(await ask(firstReq.bytes));
      expect(toHex(again)).toBe(toHex(first));
      // BOLT 12: the writer MUST NOT reply with a previous invoice to a different request (new invreq_metadata).
      const secondReq = alice.request(offer.bolt12);
      const second = invoiceOf(await ask(secondReq.bytes));
      expect(toHex(second)).not.toBe(toHex(first));
      expect(verifyInvoice(second, secondReq.bytes, NODE_SECRET).mirrorsRequest).toBe(true);
      expect(toHex(invoiceOf(await ask(secondReq.bytes)))).toBe(toHex(second));
      const other = invoiceOf(await ask(bob.request(offer.bolt12).bytes));
      expect(toHex(other)).not.toBe(toHex(first));
      clock.advance(7200 * 1000);
      await invoices.idle();
      const fresh = invoiceOf(await ask(firstReq.bytes));
      expect(toHex(fresh)).not.toBe(toHex(first));
      expect(verifyInvoice(fresh, firstReq.bytes, NODE_SECRET).created_at).toBe(BigInt(NOW + 7200));
      expect((await invoices.list({ offer_id: offer.id })).map((i) => i.status).sort()).toEqual(['expired', 'expired', 'unpaid']);
    });

    it('one request sent twice at once (a retransmission) gets one invoice', async () => {
      const offer = await newOffer({ amount: msat(1000n), description: 'race' });
      const req = alice.request(offer.bolt12).bytes;
      const [a, b] = await Promise.all([ask(req), ask(req)]);
      expect(toHex(invoiceOf(a))).toBe(toHex(invoiceOf(b)));
      expect(await invoices.list({ offer_id: offer.id })).toHaveLength(1);
    });

    it('quantity: multiplied in, and every quantity rule with CLN text', async () => {
      const offer = await newOffer({ amount: msat(1000n), description: 'stickers', quantity_max: 5n });
      const req = alice.request(offer.bolt12, { quantity: 3n });
      expect(verifyInvoice(invoiceOf(await ask(req.bytes)), req.bytes, NODE_SECRET).amount).toBe(3000n);
      expect(errorOf(await ask(bob.raw(offer.bolt12, {})))).toBe('missing invreq_quantity');
      expect(errorOf(await ask(bob.raw(offer.bolt12, { invreq_quantity: 0n })))).toBe('quantity zero invalid');
      expect(errorOf(await ask(bob.raw(offer.bolt12, { invreq_quantity: 6n })))).toBe('quantity 6 > 5');
      const huge = await newOffer({ amount: msat(10n ** 18n), description: 'huge', quantity_max: 0n });
      expect(errorOf(await ask(bob.raw(huge.bolt12, { invreq_quantity: 100n })))).toBe('quantity 100 causes overflow');
      // Above all bitcoin (2.1e18 msat), though within u64: refused, as LDK refuses such invoices.
      expect(errorOf(await ask(bob.raw(huge.bolt12, { invreq_quantity: 3n })))).toBe(
        'quantity 3 makes the amount exceed the total supply of 21 million bitcoin',
      );
      const any = await newOffer({ amount: 'any', description: 'any amount' });
      expect(errorOf(await ask(bob.raw(any.bolt12, { invreq_amount: 2_100_000_000_000_713_333n })))).toBe(
        'Amount 2100000000000713333msat exceeds the total supply of 21 million bitcoin',
      );
      const single = await newOffer({ amount: msat(1000n), description: 'one' });
      expect(errorOf(await ask(bob.raw(single.bolt12, { invreq_quantity: 2n })))).toBe('unexpected invreq_quantity');
    });

    it('amounts: at least the offer amount, at most five times, required without one', async () => {
      const offer = await newOffer({ amount: msat(1000n), description: 'x', quantity_max: 0n });
      expect(errorOf(await ask(alice.raw(offer.bolt12, { invreq_quantity: 3n, invreq_amount: 2999n })))).toBe('Amount must be at least 3000msat');
      expect(errorOf(await ask(alice.raw(offer.bolt12, { invreq_quantity: 1n, invreq_amount: 5005n })))).toBe('Amount vastly exceeds 1000msat');
      const tip = alice.raw(offer.bolt12, { invreq_quantity: 1n, invreq_amount: 5004n });
      expect(verifyInvoice(invoiceOf(await ask(tip)), tip, NODE_SECRET).amount).toBe(5004n);
      const any = await newOffer({ amount: 'any', description: 'donations' });
      expect(errorOf(await ask(bob.raw(any.bolt12, {})))).toBe('missing invreq_amount');
      const given = bob.request(any.bolt12, { amount: 123_456n });
      expect(verifyInvoice(invoiceOf(await ask(given.bytes)), given.bytes, NODE_SECRET).amount).toBe(123_456n);
    });

    it('refusals: unknown, disabled, expired offer; bad signature; wrong chain; blinded arrival; not an offer; garbage', async () => {
      const offer = await newOffer({ amount: msat(1000n), description: 'a', absolute_expiry: BigInt(NOW + 100) });
      // Offer expiry shortens the invoice's.
      const req = alice.request(offer.bolt12);
      expect(verifyInvoice(invoiceOf(await ask(req.bytes)), req.bytes, NODE_SECRET).relative_expiry).toBe(100n);
      expect(errorOf(await ask(Bolt12Payer.badSignature(bob.request(offer.bolt12))))).toBe('bad signature');
      expect(errorOf(await ask(new Uint8Array(0)))).toBe('Invalid invreq');
      expect(errorOf(await ask(bob.request(offer.bolt12).bytes.subarray(0, 40)))).toBe('Invalid invreq');
      // BOLT 12: non-signature fields outside 0–159 and 1e9–2999999999 are refused (type 1001 here).
      expect(errorOf(await ask(Uint8Array.of(...bob.request(offer.bolt12).bytes, 0xfd, 0x03, 0xe9, 0x00)))).toBe('Invalid high fields');
      // Out of order (type 158 after the signature) is a parse failure.
      expect(errorOf(await ask(Uint8Array.of(...bob.request(offer.bolt12).bytes, 0x9e, 0x00)))).toBe('Invalid invreq');
      expect(errorOf(await ask(bob.request(offer.bolt12).bytes, { pathSecret: new Uint8Array(32) }))).toBe('Unknown offer');
      clock.advance(100_000);
      expect(errorOf(await ask(bob.request(offer.bolt12).bytes))).toBe('Offer expired');

      const other = await newOffer({ amount: msat(2000n), description: 'b' });
      await offers.disableOffer(other.id);
      expect(errorOf(await ask(bob.request(other.bolt12).bytes))).toBe('Offer no longer available');
      // An offer with our node id we never stored.
      const foreign = buildOffer({
        offer_chains: [REGTEST_CHAIN],
        offer_amount: 3000n,
        offer_description: 'never stored here',
        offer_issuer_id: TEST_NODE_KEYS.nodeId,
      });
      expect(errorOf(await ask(bob.request(foreign.string).bytes))).toBe('Unknown offer');
      const third = await newOffer({ amount: msat(3000n), description: 'c' });
      const mainnet = bob.raw(third.bolt12, { invreq_chain: new Uint8Array(32).fill(7) });
      expect(errorOf(await ask(mainnet))).toBe(`Wrong chain ${'07'.repeat(32)}`);
      const lnr = await offers.createInvoiceRequest({ amount_msat: msat(5000n), description: 'refund' });
      expect(errorOf(await ask(Buffer.from(lnr.bolt12)))).toBe('Invalid invreq');
      expect(errorOf(await ask(decodeBolt12String(lnr.bolt12).bytes))).toBe('Not based on an offer');
      // No reply path, or more than one message: nothing to answer.
      expect(await ask(bob.request(third.bolt12).bytes, { hasReplyPath: false })).toEqual({ result: 'continue' });
      expect(await merchant.onionMessage({ hasReplyPath: true, invoice_request: new Uint8Array(1), invoice_error: new Uint8Array(1) })).toEqual({
        result: 'continue',
      });
    });

    it('currency offers: an invoice_error without a fresh rate, a 600 s invoice with one', async () => {
      const offer = await newOffer({ amount: { currency: 'USD', whole: '10', fraction: '05' }, description: 'book' });
      expect(errorOf(await ask(alice.request(offer.bolt12).bytes))).toBe('Cannot convert currency USD: no exchange rate set');
      const rate = await merchant.rates.set('USD', 1_000_001n);
      expect(rate).toEqual({ currency: 'USD', msat_per_unit: 1_000_001n, set_at: NOW });
      const req = alice.request(offer.bolt12);
      const v = verifyInvoice(invoiceOf(await ask(req.bytes)), req.bytes, NODE_SECRET);
      // 1005 cents × 1000001 msat / 100, rounded up.
      expect(v.amount).toBe(10_050_011n);
      expect(v.relative_expiry).toBe(600n);
      expect((await invoices.list({ offer_id: offer.id }))[0]!.expires_at).toBe(NOW + 600);
      clock.advance(3601 * 1000);
      expect(errorOf(await ask(bob.request(offer.bolt12).bytes))).toBe(`Cannot convert currency USD: exchange rate is stale (set at ${NOW})`);
      expect((await merchant.rates.list()).map((r) => merchant.rates.isFresh(r))).toEqual([false]);
      await expect(merchant.rates.set('XYZ', 1n)).rejects.toThrow('ISO 4217');
    });

    it('property: for any amount, quantity and invreq_amount, the invoice amount or the refusal follows the rules', async () => {
      let run = 0;
      await fc.assert(
        fc.asyncProperty(
          fc.bigInt({ min: 1n, max: 1_000_000n }),
          fc.bigInt({ min: 0n, max: 50n }),
          fc.option(fc.bigInt({ min: 0n, max: 400_000_000n }), { nil: undefined }),
          async (amount, quantity, invreqAmount) => {
            run += 1;
            const offer = await newOffer({ amount: msat(amount), description: `prop ${run}`, quantity_max: 0n });
            const bytes = alice.raw(offer.bolt12, {
              invreq_quantity: quantity,
              ...(invreqAmount !== undefined ? { invreq_amount: invreqAmount } : {}),
            });
            const a = await ask(bytes);
            const expected = amount * quantity;
            if (quantity === 0n) return errorOf(a) === 'quantity zero invalid';
            if (invreqAmount === undefined) return verifyInvoice(invoiceOf(a), bytes, NODE_SECRET).amount === expected;
            if (invreqAmount < expected) return errorOf(a) === `Amount must be at least ${expected}msat`;
            if (invreqAmount / 5n > expected) return errorOf(a) === `Amount vastly exceeds ${expected}msat`;
            const v = verifyInvoice(invoiceOf(a), bytes, NODE_SECRET);
            return v.amount === invreqAmount && v.signatureValid && v.mirrorsRequest;
          },
        ),
        { numRuns: 40 },
      );
    });

    describe('createinvoice of an unsigned lni (reference §4.9)', () => {
      const unsigned = (req: ReturnType<Bolt12Payer['request']>, own: Parameters<typeof buildInvoice>[1]) =>
        encodeBolt12String('lni', concatBytes(...buildInvoice(req, own).records.map((r) => r.bytes)));
      const preimage = new Uint8Array(32).fill(0x5a);
      const hash = sha256(preimage);

      it('adds a path to us, signs, stores with local_offer_id and the payer note', async () => {
        const offer = await newOffer({ amount: msat(2500n), description: 'made elsewhere' });
        const req = alice.request(offer.bolt12, { note: 'hi' });
        const lni = unsigned(req, { invoice_created_at: BigInt(NOW), invoice_payment_hash: hash, invoice_amount: 2500n, invoice_relative_expiry: 300 });
        const inv = await merchant.createInvoice({ invstring: lni, label: 'made-1', preimage });
        expect(inv).toMatchObject({ label: 'made-1', kind: 'bolt12', status: 'unpaid', amount_msat: 2500n, description: 'made elsewhere', expires_at: NOW + 300, invreq_payer_note: 'hi' });
        expect(toHex(inv.local_offer_id!)).toBe(toHex(offer.id));
        const v = verifyInvoice(decodeBolt12String(inv.invstring).bytes, req.bytes, NODE_SECRET);
        expect(v).toMatchObject({ signatureValid: true, mirrorsRequest: true, amount: 2500n });
        expect(toHex(v.node_id)).toBe(toHex(TEST_NODE_KEYS.nodeId));
        expect(toHex(v.path_id!)).toBe(toHex(derivePathId(INVOICE_BASE, hash)));
        // The same label again: 900 with the existing invoice.
        const dup = await merchant.createInvoice({ invstring: lni, label: 'made-1', preimage }).catch((e: unknown) => e);
        expect(dup).toMatchObject({ kind: 'LabelExists', message: 'Duplicate label' });
      });

      it("refuses with CLN's texts", async () => {
        const offer = await newOffer({ amount: msat(2500n), description: 'refusals' });
        const req = alice.request(offer.bolt12);
        const good = { invoice_created_at: BigInt(NOW), invoice_payment_hash: hash, invoice_amount: 2500n };
        const fails = async (invstring: string, pre = preimage) => {
          const e = (await merchant.createInvoice({ invstring, label: `bad-${Math.random()}`, preimage: pre }).catch((x: unknown) => x)) as { kind: string; message: string };
          return [e.kind, e.message];
        };
        expect(await fails(unsigned(req, good), new Uint8Array(32))).toEqual(['InvalidParams', 'Incorrect preimage']);
        const { invoice_amount: _a, ...noAmount } = good;
        expect(await fails(unsigned(req, noAmount))).toEqual(['InvalidParams', 'Missing invoice_amount in invoice']);
        const { invoice_payment_hash: _h, ...noHash } = good;
        expect(await fails(unsigned(req, noHash))).toEqual(['InvalidParams', 'Missing payment_hash in invoice']);
        const signed = (await merchant.createInvoice({ invstring: unsigned(req, good), label: 'once', preimage })).invstring;
        expect(await fails(signed)).toEqual(['InvalidParams', 'invoice already signed']);
        expect(await fails('lni1bbbb')).toEqual(['InvalidParams', expect.stringMatching(/^Unparsable invoice 'lni1bbbb': /)]);
        await offers.disableOffer(offer.id);
        expect(await fails(unsigned(bob.request(offer.bolt12), { ...good, invoice_payment_hash: sha256(new Uint8Array(32).fill(1)) }), new Uint8Array(32).fill(1))).toEqual(['OfferInactive', 'offer not active']);
      });
    });

    describe('paying BOLT 12 invoices by path_id', () => {
      const htlc = new TestPayer({ blockheight: 800_000 });
      const send = (target: Parameters<TestPayer['pay']>[0], o: Parameters<TestPayer['pay']>[1] = {}) =>
        Promise.all(htlc.pay(target, o).map((j) => payments.htlcAccepted(parseHtlcAccepted(j.onion, j.htlc))));
      const invoiceFor = async (offer: { bolt12: string }, payer = alice) => {
        const req = payer.request(offer.bolt12);
        const v = verifyInvoice(invoiceOf(await ask(req.bytes)), req.bytes, NODE_SECRET);
        return { payment_hash: v.payment_hash, amount_msat: v.amount, path_id: v.path_id!, min_final_cltv_expiry: 10 };
      };

      it('exact, MPP and replayed payments resolve; a wrong path_id or none fails', async () => {
        const offer = await newOffer({ amount: msat(9000n), description: 'pay me' });
        const a = await invoiceFor(offer);
        const wrong = await send(a, { payment_secret: new Uint8Array(32).fill(9) });
        expect(decodeFailure(toHex((wrong[0] as { failure_message: Uint8Array }).failure_message)).name).toBe('incorrect_or_unknown_payment_details');
        const none = await send(a, { payment_secret: null });
        expect(none[0]!.result).toBe('fail');
        // CLN's hook shows the path_id as payment_secret; a bridge may also send it as path_id.
        const parts = await send({ ...a, payment_secret: a.path_id }, { parts: 3 });
        expect(parts.map((r) => r.result)).toEqual(['resolve', 'resolve', 'resolve']);
        const [paid] = await invoices.list({ payment_hash: a.payment_hash });
        expect(paid).toMatchObject({ status: 'paid', amount_received_msat: 9000n });
        const b = await invoiceFor(offer, bob);
        const [exact] = await send(b, { payment_secret: null, path_id: b.path_id });
        expect(exact!.result).toBe('resolve');
        // The same HTLC sent again (a bridge retry) is answered resolve again, with the same preimage.
        const [j] = htlc.pay(b, { payment_secret: null, path_id: b.path_id });
        const c = await invoiceFor(offer, new Bolt12Payer(0x24));
        const [jc] = htlc.pay(c, { payment_secret: null, path_id: c.path_id });
        const firstTry = await payments.htlcAccepted(parseHtlcAccepted(jc!.onion, jc!.htlc));
        expect(firstTry.result).toBe('resolve');
        expect(await payments.htlcAccepted(parseHtlcAccepted(jc!.onion, jc!.htlc))).toEqual(firstTry);
        // A new HTLC for an invoice already paid fails.
        expect((await payments.htlcAccepted(parseHtlcAccepted(j!.onion, j!.htlc))).result).toBe('fail');
        const late = await send(b, { payment_secret: null, path_id: b.path_id });
        expect(late[0]!.result).toBe('fail');
        expect((await offers.listOffers(offer.id, false))[0]).toMatchObject({ used: true, active: true });
      });

      it('an expired invoice is not paid', async () => {
        const offer = await newOffer({ amount: msat(1000n), description: 'late' });
        const a = await invoiceFor(offer);
        clock.advance(7200 * 1000);
        const r = await send({ ...a, payment_secret: a.path_id });
        expect(r[0]!.result).toBe('fail');
      });

      it('paying a single-use offer consumes it: inactive, used, its other unpaid invoices expired with bumps', async () => {
        const offer = await newOffer({ amount: msat(1000n), description: 'once', single_use: true });
        const a = await invoiceFor(offer, alice);
        const b = await invoiceFor(offer, bob);
        const before = (await invoices.counts()).updated_index;
        expect((await send({ ...a, payment_secret: a.path_id }))[0]!.result).toBe('resolve');
        // Consumed in the payment's own transaction: already so when the payment is answered.
        expect((await offers.listOffers(offer.id, false))[0]).toMatchObject({ active: false, used: true, single_use: true });
        const [other] = await invoices.list({ payment_hash: b.payment_hash });
        expect(other!.status).toBe('expired');
        expect((await invoices.counts()).updated_index).toBe(before + 2);
        expect(errorOf(await ask(new Bolt12Payer(0x23).request(offer.bolt12).bytes))).toBe('Offer no longer available');
      });
    });
  });
}
