/**
 * Offer engine properties (fast-check): any text round-trips through an offer, its stored row and an
 * invoice_request; identical offers collapse to one id; and concurrent identical creations or disables
 * from two engines on one database give exactly one winner, on each dialect.
 */
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { InvoiceEngineImpl } from '../../src/invoice/engine.js';
import { parseInvoiceRequest, parseOffer } from '../../src/offers/index.js';
import { createOfferEngine, type OfferEngine } from '../../src/offers/offer-engine.js';
import { OfferError } from '../../src/offers/offer-errors.js';
import type { ManualClock } from '../../src/util/clock.js';
import { toHex } from '../../src/util/hex.js';
import { msat } from '../../src/util/msat.js';
import { DIALECTS, openTestDatabase, startTestEngine, TEST_NODE_KEYS, testRandom, type TestDatabase } from '../helpers/db.js';

// Any Unicode text (lone surrogates cannot be UTF-8, so fast-check's full-unicode strings).
const text = fc.string({ unit: 'grapheme', maxLength: 40 });

for (const dialect of DIALECTS) {
  describe.skipIf(!dialect.available)(`offer engine properties on ${dialect.name}`, () => {
    let t: TestDatabase;
    let invoices: InvoiceEngineImpl;
    let clock: ManualClock;
    let offers: OfferEngine;

    beforeEach(async () => {
      t = await openTestDatabase(dialect);
      ({ engine: invoices, clock } = await startTestEngine(t.db));
      offers = createOfferEngine({ db: t.db, invoices, nodeKeys: TEST_NODE_KEYS, network: 'regtest', clock, random: testRandom('p') });
    });
    afterEach(async () => {
      await offers.close();
      await invoices.close();
      await t.cleanup();
    });

    it('description, issuer and label round-trip byte for byte; the same offer twice is one id', async () => {
      await fc.assert(
        fc.asyncProperty(text, text, text, fc.bigInt({ min: 1n, max: (1n << 64n) - 1n }), async (description, issuer, label, amount) => {
          const a = await offers.createOffer({ amount: msat(amount), description, issuer, label });
          const f = parseOffer(a.offer.bolt12).fields;
          expect([f.offer_description, f.offer_issuer, f.offer_amount]).toEqual([description, issuer, amount]);
          // A repeat of an earlier run's offer is handed back with that run's label.
          if (a.created) expect(a.offer.label).toBe(label);
          expect(await offers.listOffers(a.offer.id, false)).toEqual([a.offer]);
          expect(a.offer.description).toBe(description);
          const b = await offers.createOffer({ amount: msat(amount), description, issuer });
          expect(toHex(b.offer.id)).toBe(toHex(a.offer.id));
          const r = await offers.createInvoiceRequest({ amount_msat: msat(amount), description, issuer, label });
          expect(parseInvoiceRequest(r.bolt12).fields).toMatchObject({ offer_description: description, offer_issuer: issuer, invreq_amount: amount });
          expect(r.label).toBe(label);
        }),
        { numRuns: dialect.name === 'sqlite' ? 40 : 15 },
      );
    });

    it('two engines creating the same offer at once: one created, one handed the existing offer', async () => {
      const second = await t.openAnother();
      const other = createOfferEngine({ db: second, invoices, nodeKeys: TEST_NODE_KEYS, network: 'regtest', clock, random: testRandom('q') });
      const results = await Promise.all([
        offers.createOffer({ amount: msat(10n), description: 'race' }),
        other.createOffer({ amount: msat(10n), description: 'race' }),
      ]);
      expect(results.map((r) => r.created).sort()).toEqual([false, true]);
      expect(toHex(results[0].offer.id)).toBe(toHex(results[1].offer.id));
    });

    it('two disables at once: exactly one succeeds, the other is AlreadyDisabled', async () => {
      const { offer } = await offers.createOffer({ amount: 'any', description: 'race' });
      const outcomes = await Promise.allSettled([offers.disableOffer(offer.id), offers.disableOffer(offer.id)]);
      expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
      const failed = outcomes.find((o) => o.status === 'rejected') as PromiseRejectedResult;
      expect(failed.reason).toBeInstanceOf(OfferError);
      expect((failed.reason as OfferError).kind).toBe('AlreadyDisabled');
    });
  });
}
