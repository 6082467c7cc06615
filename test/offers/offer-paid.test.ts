/**
 * Paying an invoice of one of our offers, against the real engines and database, once per dialect: the
 * offer becomes used in the payment's own transaction (a single-use offer inactive, its other unpaid
 * invoices expired with bumps), so nothing is left half done, and of two concurrent payments of one
 * single-use offer's invoices exactly one succeeds — in one daemon and across two on one database.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { InvoiceEngineImpl } from '../../src/invoice/engine.js';
import { InvoiceError } from '../../src/invoice/errors.js';
import { parseHtlcAccepted } from '../../src/invoice/payments/htlc-payload.js';
import { createPaymentProcessor } from '../../src/invoice/payments/processor.js';
import { createOfferEngine, type OfferEngine } from '../../src/offers/offer-engine.js';
import { derivePathId } from '../../src/offers/blinding/route-blinding.js';
import type { ManualClock } from '../../src/util/clock.js';
import { msat } from '../../src/util/msat.js';
import { DIALECTS, openTestDatabase, startTestEngine, TEST_NODE_KEYS, testRandom, type TestDatabase } from '../helpers/db.js';
import { TestPayer } from '../helpers/payer.js';

const quiet = { debug() {}, info() {}, warn() {} };

/** The error `p` rejects with (fails the test if it resolves). */
async function failure(p: Promise<unknown>): Promise<InvoiceError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(InvoiceError);
  return e as InvoiceError;
}

for (const dialect of DIALECTS) {
  describe.skipIf(!dialect.available)(`paying an offer's invoices on ${dialect.name}`, () => {
    let t: TestDatabase;
    let invoices: InvoiceEngineImpl;
    let clock: ManualClock;
    let offers: OfferEngine;
    const closers: Array<() => Promise<void> | void> = [];

    beforeEach(async () => {
      t = await openTestDatabase(dialect);
      ({ engine: invoices, clock } = await startTestEngine(t.db));
      offers = createOfferEngine({ db: t.db, invoices, nodeKeys: TEST_NODE_KEYS, network: 'regtest', clock, random: testRandom('o') });
    });
    afterEach(async () => {
      for (const c of closers.splice(0).reverse()) await c();
      await offers.close();
      await invoices.close();
      await t.cleanup();
    });

    let n = 0;
    /** Stores an unpaid BOLT 12 invoice of `offer_id` (as the merchant flow would) through `engine`. */
    const offerInvoice = (offer_id: Uint8Array, label: string, engine = invoices) => {
      n += 1;
      const preimage = sha256(new TextEncoder().encode(`offer-paid ${label} ${n}`));
      return engine.storeInvoice({
        label,
        kind: 'bolt12',
        invstring: `lni1fake${label}`,
        preimage,
        amount_msat: msat(1000n),
        expires_at: 1_700_007_200,
        local_offer_id: offer_id,
      });
    };
    const status = async (label: string) => (await invoices.list({ label }))[0]?.status;
    const offerOf = async (id: Uint8Array) => (await offers.listOffers(id, false))[0];
    const part = (id: bigint) => [{ short_channel_id: '1x1x1', id, amount_msat: msat(1000n) }];

    it('a multi-use offer is used as soon as the payment is acknowledged (same transaction), and stays active', async () => {
      const { offer } = await offers.createOffer({ amount: 'any', description: 'multi' });
      const a = await offerInvoice(offer.id, 'm-a');
      const b = await offerInvoice(offer.id, 'm-b');
      await invoices.markPaid(a.payment_hash, msat(1000n), part(1n));
      // No settling: the offer's change committed with the payment.
      expect(await offerOf(offer.id)).toMatchObject({ active: true, used: true, single_use: false });
      expect(await status('m-b')).toBe('unpaid');
      await invoices.markPaid(b.payment_hash, msat(1000n), part(2n));
      expect(await status('m-b')).toBe('paid');
    });

    it('a single-use offer: the payment makes it used and inactive and expires its other unpaid invoices, each with a bump', async () => {
      const { offer } = await offers.createOffer({ amount: 'any', description: 'once', single_use: true });
      const a = await offerInvoice(offer.id, 's-a');
      await offerInvoice(offer.id, 's-b');
      await offerInvoice(offer.id, 's-c');
      const other = (await offers.createOffer({ amount: 'any', description: 'other' })).offer;
      await offerInvoice(other.id, 'o-x');
      const changes: string[] = [];
      const off = invoices.onInvoiceChange((ev) => changes.push(ev.status));
      const before = (await invoices.counts()).updated_index;
      const paid = await invoices.markPaid(a.payment_hash, msat(1000n), part(1n));
      off();
      expect(paid.updated_index).toBe(before + 1);
      expect(await offerOf(offer.id)).toMatchObject({ active: false, used: true, single_use: true });
      const [sb, sc] = [(await invoices.list({ label: 's-b' }))[0]!, (await invoices.list({ label: 's-c' }))[0]!];
      expect([sb.status, sb.updated_index, sc.status, sc.updated_index]).toEqual(['expired', before + 2, 'expired', before + 3]);
      expect(await status('o-x')).toBe('unpaid');
      expect((await invoices.counts()).updated_index).toBe(before + 3);
      expect(changes).toEqual(['paid', 'expired', 'expired']);
    });

    it('two concurrent payments of one single-use offer (one transaction batch): exactly one is paid', async () => {
      const { offer } = await offers.createOffer({ amount: 'any', description: 'race', single_use: true });
      const a = await offerInvoice(offer.id, 'r-a');
      const b = await offerInvoice(offer.id, 'r-b');
      const results = await Promise.allSettled([
        invoices.markPaid(a.payment_hash, msat(1000n), part(1n)),
        invoices.markPaid(b.payment_hash, msat(1000n), part(2n)),
      ]);
      expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
      const lost = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
      expect(lost.reason).toBeInstanceOf(InvoiceError);
      expect((lost.reason as InvoiceError).message).toBe('Invoice is expired, not unpaid');
      expect([await status('r-a'), await status('r-b')].sort()).toEqual(['expired', 'paid']);
      expect((await invoices.counts()).paid).toBe(1);
    });

    it('two daemons on one database pay two invoices of one single-use offer at once: exactly one is paid', async () => {
      const second = await startTestEngine(await t.openAnother(), { clock, random: testRandom('second') });
      const offers2 = createOfferEngine({ db: t.db, invoices: second.engine, nodeKeys: TEST_NODE_KEYS, network: 'regtest', clock, random: testRandom('o2') });
      closers.push(() => second.engine.close(), () => offers2.close());
      const { offer } = await offers.createOffer({ amount: 'any', description: 'race2', single_use: true });
      const a = await offerInvoice(offer.id, 'd-a');
      const b = await offerInvoice(offer.id, 'd-b', second.engine);
      const results = await Promise.allSettled([
        invoices.markPaid(a.payment_hash, msat(1000n), part(1n)),
        second.engine.markPaid(b.payment_hash, msat(1000n), part(2n)),
      ]);
      expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
      expect([await status('d-a'), await status('d-b')].sort()).toEqual(['expired', 'paid']);
      expect(await offerOf(offer.id)).toMatchObject({ active: false, used: true });
    });

    it('through htlc_accepted: two payments racing for one single-use offer, one resolves and the other fails', async () => {
      const { offer } = await offers.createOffer({ amount: 'any', description: 'htlc race', single_use: true });
      const a = await offerInvoice(offer.id, 'h-a');
      const b = await offerInvoice(offer.id, 'h-b');
      // BOLT 12 payments carry the invoice's path_id (derived from the node's invoice base).
      const base = TEST_NODE_KEYS.deriveSecret('bolt12-invoice-base');
      const proc = createPaymentProcessor({ engine: invoices, clock, cltvFinal: 10, logger: quiet, bolt12InvoiceBase: base });
      closers.push(() => proc.close());
      const payer = new TestPayer({ blockheight: 800_000 });
      const pay = (inv: typeof a) =>
        payer.pay({ payment_hash: inv.payment_hash, amount_msat: 1000n }, { payment_secret: null, path_id: derivePathId(base, inv.payment_hash) })[0]!;
      const [ra, rb] = await Promise.all([a, b].map((inv) => {
        const j = pay(inv);
        return proc.htlcAccepted(parseHtlcAccepted(j.onion, j.htlc));
      }));
      expect([ra!.result, rb!.result].sort()).toEqual(['fail', 'resolve']);
      expect([await status('h-a'), await status('h-b')].sort()).toEqual(['expired', 'paid']);
    });

    it('an invoice of a single-use offer issued after the offer was used is refused, and nothing of that payment stays', async () => {
      const { offer } = await offers.createOffer({ amount: 'any', description: 'late', single_use: true });
      const a = await offerInvoice(offer.id, 'l-a');
      await invoices.markPaid(a.payment_hash, msat(1000n), part(1n));
      // As if an invoice_request had been answered while the first payment committed.
      const late = await offerInvoice(offer.id, 'l-late');
      const before = await invoices.counts();
      const e = await failure(invoices.markPaid(late.payment_hash, msat(1000n), part(2n)));
      expect([e.kind, e.message]).toEqual(['Failed', 'Single-use offer already used']);
      expect(await status('l-late')).toBe('unpaid');
      expect(await invoices.counts()).toEqual(before);
      expect(await invoices.findPaidHtlc('1x1x1', 2n)).toBeUndefined();
    });
  });
}
