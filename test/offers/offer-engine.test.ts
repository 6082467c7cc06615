/**
 * The offer engine against a real database, once per dialect: offers (amounts, currencies, description
 * rule, quantity_max, identical offers), listing, disable/enable with the status bits, the expiry of an
 * offer's unpaid invoices (bumps, waiter wake-ups, one transaction), "used", invoice_requests, decode.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { InvoiceEngineImpl } from '../../src/invoice/engine.js';
import { InvoiceError } from '../../src/invoice/errors.js';
import { computeInvreqId, parseInvoiceRequest, parseOffer } from '../../src/offers/index.js';
import { createOfferEngine, type OfferEngine } from '../../src/offers/offer-engine.js';
import { OfferError } from '../../src/offers/offer-errors.js';
import type { ManualClock } from '../../src/util/clock.js';
import { fromHex, toHex } from '../../src/util/hex.js';
import { msat } from '../../src/util/msat.js';
import { CHAIN_HASH, type Network } from '../../src/util/network.js';
import { DIALECTS, openTestDatabase, startTestEngine, TEST_NODE_KEYS, testRandom, type TestDatabase } from '../helpers/db.js';

const REGTEST = fromHex(CHAIN_HASH.regtest, 32);
const NODE_ID = toHex(TEST_NODE_KEYS.nodeId);

/** Expects `p` to reject with an OfferError of `kind`, exactly `message` and `param`. */
async function rejects(p: Promise<unknown>, kind: OfferError['kind'], message: string, param?: string): Promise<void> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(OfferError);
  const e = err as OfferError;
  expect({ kind: e.kind, message: e.message, param: e.extra.param }).toEqual({ kind, message, param });
}

for (const dialect of DIALECTS) {
  describe.skipIf(!dialect.available)(`offer engine on ${dialect.name}`, () => {
    let t: TestDatabase;
    let invoices: InvoiceEngineImpl;
    let clock: ManualClock;
    let offers: OfferEngine;

    const makeOffers = (network: Network = 'regtest'): OfferEngine =>
      createOfferEngine({ db: t.db, invoices, nodeKeys: TEST_NODE_KEYS, network, clock, random: testRandom('offers') });

    beforeEach(async () => {
      t = await openTestDatabase(dialect);
      ({ engine: invoices, clock } = await startTestEngine(t.db));
      offers = makeOffers();
    });
    afterEach(async () => {
      await offers.close();
      await invoices.close();
      await t.cleanup();
    });

    /** Stores an unpaid BOLT 12 invoice of `offer_id` (as the merchant flow would). */
    let n = 0;
    const offerInvoice = (offer_id: Uint8Array, label?: string) => {
      n += 1;
      return invoices.storeInvoice({
        label: label ?? `inv-${n}`,
        kind: 'bolt12',
        invstring: `lni1fake${n}`,
        preimage: new Uint8Array(32).fill(n),
        amount_msat: msat(1000n),
        expires_at: 1_700_007_200,
        local_offer_id: offer_id,
      });
    };

    describe('offer', () => {
      it('any amount: issuer id = node id, regtest chain, active, multi-use, no description needed', async () => {
        const { offer, created } = await offers.createOffer({ amount: 'any' });
        expect(created).toBe(true);
        expect(offer).toMatchObject({ active: true, single_use: false, used: false });
        expect(offer.label).toBeUndefined();
        const parsed = parseOffer(offer.bolt12, { chain: REGTEST });
        expect(toHex(parsed.offer_id)).toBe(toHex(offer.id));
        expect(toHex(parsed.fields.offer_issuer_id!)).toBe(NODE_ID);
        expect(parsed.fields.offer_chains?.map(toHex)).toEqual([CHAIN_HASH.regtest]);
        expect(parsed.fields.offer_amount).toBeUndefined();
        expect(parsed.fields.offer_paths).toBeUndefined();
      });

      it('an amount needs a description (the empty string will do)', async () => {
        await rejects(
          offers.createOffer({ amount: msat(1000n) }),
          'InvalidParams',
          'description: description is required for the user to know what it was they paid for',
        );
        const { offer } = await offers.createOffer({ amount: msat(1000n), description: '' });
        expect(parseOffer(offer.bolt12).fields).toMatchObject({ offer_amount: 1000n, offer_description: '' });
      });

      it.each([
        [{ currency: 'USD', whole: '10', fraction: '05' }, 'USD', 1005n],
        [{ currency: 'USD', whole: '10' }, 'USD', 1000n],
        [{ currency: 'JPY', whole: '1000' }, 'JPY', 1000n],
        [{ currency: 'KWD', whole: '1', fraction: '250' }, 'KWD', 1250n],
      ])('currency amount %j → %s %d minor units', async (amount, currency, minor) => {
        const { offer } = await offers.createOffer({ amount, description: 'coffee' });
        expect(parseOffer(offer.bolt12).fields).toMatchObject({ offer_currency: currency, offer_amount: minor });
      });

      it.each([
        [{ currency: 'AUD', whole: '10', fraction: '5' }, 'Currency AUD requires 2 minor units', undefined],
        [{ currency: 'JPY', whole: '10', fraction: '50' }, 'Currency JPY requires 0 minor units', undefined],
        [{ currency: 'XYZ', whole: '10' }, 'Unknown currency suffix XYZ', undefined],
        [{ currency: 'usd', whole: '10' }, 'Unknown currency suffix usd', undefined],
        [{ currency: 'USD', whole: '0', fraction: '00' }, 'must be greater than zero', 'amount'],
        [{ currency: 'USD', whole: '184467440737095517' }, 'excessively large value', 'amount'],
      ])('refuses currency amount %j: %s', async (amount, message, param) => {
        await rejects(offers.createOffer({ amount, description: 'x' }), 'InvalidParams', message, param);
      });

      it('quantity_max: 0 (unlimited) and 2 are fine, 1 is refused as CLN does', async () => {
        await rejects(offers.createOffer({ amount: 'any', quantity_max: 1n }), 'InvalidParams', 'must be 0 or > 1', 'quantity_max');
        const zero = await offers.createOffer({ amount: 'any', quantity_max: 0n });
        expect(parseOffer(zero.offer.bolt12).fields.offer_quantity_max).toBe(0n);
        const two = await offers.createOffer({ amount: 'any', quantity_max: 2n });
        expect(parseOffer(two.offer.bolt12).fields.offer_quantity_max).toBe(2n);
      });

      it('every field, non-ASCII text kept byte for byte', async () => {
        const { offer } = await offers.createOffer({
          amount: msat(5000n),
          description: 'café ☕ "quoted" \\ back',
          issuer: 'bücher@例え.jp',
          label: 'ラベル 1',
          absolute_expiry: 1_800_000_000n,
          single_use: true,
        });
        expect(offer).toMatchObject({ single_use: true, label: 'ラベル 1', description: 'café ☕ "quoted" \\ back' });
        expect(parseOffer(offer.bolt12).fields).toMatchObject({
          offer_description: 'café ☕ "quoted" \\ back',
          offer_issuer: 'bücher@例え.jp',
          offer_absolute_expiry: 1_800_000_000n,
        });
      });

      it('an identical active offer comes back with created:false; an identical disabled one is 1000', async () => {
        const a = await offers.createOffer({ amount: msat(1000n), description: 'same', label: 'first' });
        const b = await offers.createOffer({ amount: msat(1000n), description: 'same', label: 'second', single_use: true });
        expect(b.created).toBe(false);
        expect(b.offer).toEqual(a.offer); // the stored one: its label and single_use
        const other = await offers.createOffer({ amount: msat(1001n), description: 'same' });
        expect(other.created).toBe(true);
        await offers.disableOffer(a.offer.id);
        await rejects(offers.createOffer({ amount: msat(1000n), description: 'same' }), 'AlreadyExists', "Already exists, but isn't active");
      });

      it('on bitcoin the offer has no offer_chains', async () => {
        const { offer } = await makeOffers('bitcoin').createOffer({ amount: 'any' });
        const parsed = parseOffer(offer.bolt12, { chain: fromHex(CHAIN_HASH.bitcoin, 32) });
        expect(parsed.fields.offer_chains).toBeUndefined();
      });
    });

    describe('listoffers, disableoffer, enableoffer', () => {
      it('lists in creation order, by id, and active only', async () => {
        const a = (await offers.createOffer({ amount: 'any', description: 'a' })).offer;
        clock.advance(1000);
        const b = (await offers.createOffer({ amount: 'any', description: 'b' })).offer;
        expect((await offers.listOffers(undefined, false)).map((o) => o.description)).toEqual(['a', 'b']);
        expect(await offers.listOffers(b.id, false)).toEqual([b]);
        expect(await offers.listOffers(new Uint8Array(32), false)).toEqual([]);
        await offers.disableOffer(a.id);
        expect((await offers.listOffers(undefined, true)).map((o) => o.description)).toEqual(['b']);
        expect(await offers.listOffers(a.id, true)).toEqual([]);
        expect((await offers.listOffers(a.id, false))[0]).toMatchObject({ active: false, description: 'a' });
      });

      it('disable: unknown is NotFound, twice is 1001; enable: unknown, already active (1006), again after disabling', async () => {
        const { offer } = await offers.createOffer({ amount: 'any' });
        await rejects(offers.disableOffer(new Uint8Array(32)), 'NotFound', 'Unknown offer');
        await rejects(offers.enableOffer(new Uint8Array(32)), 'NotFound', 'Unknown offer');
        await rejects(offers.enableOffer(offer.id), 'AlreadyEnabled', 'offer already active');
        expect(await offers.disableOffer(offer.id)).toMatchObject({ active: false, used: false });
        await rejects(offers.disableOffer(offer.id), 'AlreadyDisabled', 'offer is not active');
        expect(await offers.enableOffer(offer.id)).toMatchObject({ active: true });
      });

      it("disabling expires the offer's unpaid invoices with updated bumps and wakes their waiters", async () => {
        const { offer } = await offers.createOffer({ amount: 'any' });
        const other = (await offers.createOffer({ amount: 'any', description: 'other' })).offer;
        const i1 = await offerInvoice(offer.id, 'o-1');
        const i2 = await offerInvoice(offer.id, 'o-2');
        const paid = await offerInvoice(offer.id, 'o-paid');
        await invoices.markPaid(paid.payment_hash, msat(1000n), []);
        const keep = await offerInvoice(other.id, 'other-1');
        const before = (await invoices.counts()).updated_index;
        const waiting = invoices.waitInvoice('o-1').then(
          () => undefined,
          (e: unknown) => e,
        );
        const nextUpdate = invoices.wait('updated', BigInt(before + 1));
        await offers.disableOffer(offer.id);
        const err = await waiting;
        expect(err).toBeInstanceOf(InvoiceError);
        expect((err as InvoiceError).kind).toBe('ExpiredDuringWait');
        expect(await nextUpdate).toEqual({ index: 'updated', value: before + 1, details: { status: 'expired', label: 'o-1' } });
        const byLabel = async (label: string) => (await invoices.list({ label }))[0]!;
        expect(await byLabel('o-1')).toMatchObject({ status: 'expired', updated_index: before + 1 });
        expect(await byLabel('o-2')).toMatchObject({ status: 'expired', updated_index: before + 2 });
        expect((await byLabel('o-paid')).status).toBe('paid');
        expect((await byLabel('other-1')).status).toBe('unpaid');
        expect((await invoices.counts()).updated_index).toBe(before + 2);
        // Enabling again does not bring them back.
        await offers.enableOffer(offer.id);
        expect((await byLabel('o-2')).status).toBe('expired');
        expect([i1.label, i2.label, keep.label]).toEqual(['o-1', 'o-2', 'other-1']);
      });

      it('a refused disable changes nothing (same transaction)', async () => {
        const { offer } = await offers.createOffer({ amount: 'any' });
        await offers.disableOffer(offer.id);
        await offerInvoice(offer.id, 'late');
        const before = (await invoices.counts()).updated_index;
        await rejects(offers.disableOffer(offer.id), 'AlreadyDisabled', 'offer is not active');
        expect((await invoices.list({ label: 'late' }))[0]!.status).toBe('unpaid');
        expect((await invoices.counts()).updated_index).toBe(before);
      });

      it('used: a multi-use offer stays active; a single-use one goes inactive, expires the rest, and cannot be enabled (1007)', async () => {
        const multi = (await offers.createOffer({ amount: 'any', description: 'multi' })).offer;
        expect(await offers.markOfferUsed(multi.id)).toMatchObject({ active: true, used: true, single_use: false });
        await offers.disableOffer(multi.id);
        expect(await offers.enableOffer(multi.id)).toMatchObject({ active: true, used: true });

        const single = (await offers.createOffer({ amount: 'any', description: 'single', single_use: true })).offer;
        await offerInvoice(single.id, 's-other');
        expect(await offers.markOfferUsed(single.id)).toMatchObject({ active: false, used: true, single_use: true });
        expect((await invoices.list({ label: 's-other' }))[0]!.status).toBe('expired');
        await rejects(offers.enableOffer(single.id), 'UsedSingleUse', 'cannot activate an used single use offer');
        await rejects(offers.disableOffer(single.id), 'AlreadyDisabled', 'offer is not active');
        expect(await offers.markOfferUsed(new Uint8Array(32))).toBeUndefined();
      });
    });

    describe('invoicerequest', () => {
      it('builds a signed lnr for our chain, payer id = node id, fresh 16-byte metadata, single-use by default', async () => {
        const r = await offers.createInvoiceRequest({
          amount_msat: msat(21_000n),
          description: 'refund ünïcödé',
          issuer: 'shop.example',
          label: 'r1',
          absolute_expiry: 1_800_000_000n,
        });
        expect(r).toMatchObject({ active: true, single_use: true, used: false, label: 'r1' });
        const parsed = parseInvoiceRequest(r.bolt12, { chain: REGTEST });
        expect(toHex(computeInvreqId(parsed.records))).toBe(toHex(r.id));
        expect(parsed.fields).toMatchObject({
          invreq_amount: 21_000n,
          offer_description: 'refund ünïcödé',
          offer_issuer: 'shop.example',
          offer_absolute_expiry: 1_800_000_000n,
        });
        expect(parsed.fields.invreq_metadata).toHaveLength(16);
        expect(toHex(parsed.fields.invreq_payer_id!)).toBe(NODE_ID);
        expect(toHex(parsed.fields.invreq_chain!)).toBe(CHAIN_HASH.regtest);
        expect(parsed.fields.offer_issuer_id).toBeUndefined();
        const again = await offers.createInvoiceRequest({ amount_msat: msat(21_000n), description: 'refund ünïcödé', single_use: false });
        expect(toHex(again.id)).not.toBe(toHex(r.id));
        expect(again.single_use).toBe(false);
      });

      it('lists, disables once (1001 after), and knows no unknown ids', async () => {
        const a = await offers.createInvoiceRequest({ amount_msat: msat(1n), description: 'a' });
        const b = await offers.createInvoiceRequest({ amount_msat: msat(2n), description: 'b' });
        expect(new Set((await offers.listInvoiceRequests(undefined, false)).map((x) => toHex(x.id)))).toEqual(
          new Set([toHex(a.id), toHex(b.id)]),
        );
        expect(await offers.disableInvoiceRequest(a.id)).toMatchObject({ active: false });
        await rejects(offers.disableInvoiceRequest(a.id), 'AlreadyDisabled', 'invoice_request is not active');
        await rejects(offers.disableInvoiceRequest(new Uint8Array(32)), 'NotFound', 'Unknown invoice_request');
        expect((await offers.listInvoiceRequests(undefined, true)).map((x) => toHex(x.id))).toEqual([toHex(b.id)]);
        expect(await offers.listInvoiceRequests(a.id, true)).toEqual([]);
        expect(await offers.listInvoiceRequests(new Uint8Array(32), false)).toEqual([]);
      });

      it('on bitcoin there is no invreq_chain', async () => {
        const r = await makeOffers('bitcoin').createInvoiceRequest({ amount_msat: msat(5n), description: 'x' });
        expect(parseInvoiceRequest(r.bolt12).fields.invreq_chain).toBeUndefined();
      });
    });

    describe('decode', () => {
      it('judges offers by our chain and clock: expired → valid:false with warning_offer_expired', async () => {
        const { offer } = await offers.createOffer({ amount: 'any', absolute_expiry: 1_700_000_100n });
        expect(offers.decode(offer.bolt12)).toMatchObject({ type: 'bolt12 offer', valid: true, offer_absolute_expiry: 1_700_000_100n });
        clock.advance(101_000);
        const d = offers.decode(`LIGHTNING:${offer.bolt12.toUpperCase()}`);
        expect(d).toMatchObject({ valid: false, warning_offer_expired: 'offer_absolute_expiry: offer expired at 1700000100' });
        const mainnet = makeOffers('bitcoin').decode((await offers.createOffer({ amount: 'any', description: 'chain' })).offer.bolt12);
        expect(mainnet).toMatchObject({ valid: false, warning_wrong_offer_chains: 'offer_chains: no supported chain' });
      });
    });
  });
}
