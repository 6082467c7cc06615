/**
 * Idempotent create and invoice metadata through the handlers, over the real engine, once per dialect:
 * a repeated key answers with the first call's bytes (also from a new engine on the same database, as
 * after a restart), other parameters are refused naming the first label, keys and metadata go with their
 * invoice; metadata is stored as given, replaced with an `updated` bump, and found by key and value.
 */
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { createHoldInvoiceEngine } from '../../src/invoice/hold/hold-engine.js';
import { createOfferEngine } from '../../src/offers/offer-engine.js';
import { ManualClock } from '../../src/util/clock.js';
import { DIALECTS, openTestDatabase, startTestEngine, TEST_NODE_KEYS, testRandom, type TestDatabase } from '../helpers/db.js';
import { makeHarness } from './harness.js';
import type { InvoiceDatabase } from '../../src/invoice/store/db.js';
import type { InvoiceEngineDeps } from '../../src/invoice/engine/types.js';

const dbs: TestDatabase[] = [];
const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of closers.splice(0)) await c();
  for (const d of dbs.splice(0)) await d.cleanup();
});

for (const dialect of DIALECTS) {
  describe.skipIf(!dialect.available)(`idempotency and metadata (${dialect.name})`, () => {
    async function daemon(db: InvoiceDatabase, clock?: ManualClock, routeHints?: InvoiceEngineDeps['routeHints']) {
      const { engine, clock: c } = await startTestEngine(db, { ...(clock ? { clock } : {}), ...(routeHints ? { routeHints } : {}) });
      const hold = createHoldInvoiceEngine({ engine, db: db.db, clock: c, blockheight: () => 0 });
      closers.push(async () => {
        hold.close();
        await engine.close();
      });
      const h = makeHarness({ context: { engine, nodeId: TEST_NODE_KEYS.nodeId, hold, engineHooks: engine.hooks } });
      return { ...h, engine, clock: c };
    }
    async function setup() {
      const t = await openTestDatabase(dialect);
      dbs.push(t);
      return { t, ...(await daemon(t.db)) };
    }
    const params = { amount_msat: 1000, label: 'order-1', description: 'coffee', idempotency_key: 'k-1' };

    it('the same key and parameters answer with the first result, also after a restart and later in time', async () => {
      const { t, server, clock } = await setup();
      const first = await server.call('invoice', params);
      expect(first.error).toBeUndefined();
      clock.advance(5000);
      const again = await server.call('invoice', params);
      expect(JSON.stringify(again.result)).toBe(JSON.stringify(first.result));
      // A new engine on the same database (the first answer lost, the daemon restarted).
      const other = await daemon(await t.openAnother(), clock);
      const third = await other.server.call('invoice', params);
      expect(JSON.stringify(third.result)).toBe(JSON.stringify(first.result));
      expect((await other.engine.counts()).created_index).toBe(1);
    });

    it("a repeat answers the first call's warnings, not what today's node facts would give", async () => {
      const { t, server, clock } = await setup();
      // No channel list reported yet: exposeprivatechannels is ignored, with a warning.
      const p = { ...params, exposeprivatechannels: true };
      const first = await server.call('invoice', p);
      expect(first.result.warning_exposeprivatechannels).toMatch(/^exposeprivatechannels is ignored/);
      // Restarted with channels known (and other warnings): the repeat still answers the first bytes.
      const facts = () => ({ routes: [], warnings: [['warning_capacity', 'Insufficient incoming channel capacity to pay invoice'] as const] });
      const other = await daemon(await t.openAnother(), clock, facts);
      const again = await other.server.call('invoice', p);
      expect(JSON.stringify(again.result)).toBe(JSON.stringify(first.result));
      // A new call does get today's warnings.
      const fresh = await other.server.call('invoice', { ...p, label: 'order-2', idempotency_key: 'k-2' });
      expect(fresh.result.warning_capacity).toBe('Insufficient incoming channel capacity to pay invoice');
      expect(fresh.result.warning_exposeprivatechannels).toBeUndefined();
    });

    it('the same key with other parameters is refused, naming the first label; without a key a label repeat is 900', async () => {
      const { server } = await setup();
      await server.call('invoice', params);
      const r = await server.call('invoice', { ...params, amount_msat: 2000, label: 'order-2' });
      expect(r.error).toEqual({
        code: -32602,
        message: "idempotency_key: already used with other parameters by the invoice labelled 'order-1'",
      });
      const dup = await server.call('invoice', { amount_msat: 1000, label: 'order-1', description: 'coffee' });
      expect(dup.error?.code).toBe(900);
      // The key is not the label: a new key with a taken label is still 900.
      const dup2 = await server.call('invoice', { ...params, idempotency_key: 'k-2' });
      expect(dup2.error?.code).toBe(900);
      // A key is per command: the same key on holdinvoice is another call.
      const h = await server.call('holdinvoice', { ...params, label: 'order-3', cltv: 40 });
      expect(h.error?.message).toBe("idempotency_key: already used with other parameters by the invoice labelled 'order-1'");
    });

    it('a key goes with its invoice; an oversized key is refused by the binder', async () => {
      const { server } = await setup();
      const first = (await server.call('invoice', params)).result;
      await server.call('delinvoice', ['order-1', 'unpaid']);
      const second = (await server.call('invoice', params)).result;
      expect(second.created_index).toBe(first.created_index + 1);
      const long = await server.call('invoice', { ...params, label: 'x', idempotency_key: 'k'.repeat(129) });
      expect(long.error?.message).toBe(`idempotency_key: should be 1 to 128 bytes: invalid token '"${'k'.repeat(129)}"'`);
    });

    it('holdinvoice takes a key too', async () => {
      const { server } = await setup();
      const p = { ...params, cltv: 40, expiry: 7200 };
      const first = await server.call('holdinvoice', p);
      expect(first.error).toBeUndefined();
      expect(JSON.stringify((await server.call('holdinvoice', p)).result)).toBe(JSON.stringify(first.result));
      const listed = (await server.call('listinvoices', { label: 'order-1' })).result.invoices[0];
      expect(listed.holdstate).toBe('OPEN');
    });

    it('metadata: stored as given, listed, replaced with a bump, found by key and value, removed with the invoice', async () => {
      const { t, server } = await setup();
      const meta = { order: 'A-17', n: 18446744073709551615n, tags: ['x', { y: 1.5 }] };
      expect((await server.call('invoice', { ...params, metadata: meta })).error).toBeUndefined();
      await server.call('invoice', { amount_msat: 5, label: 'other', description: 'd', metadata: { order: 'B-1' } });
      const [inv] = (await server.call('listinvoices', { label: 'order-1' })).result.invoices;
      expect(inv.metadata).toEqual({ order: 'A-17', n: 18446744073709551615n, tags: ['x', { y: 1.5 }] });
      expect(Object.keys(inv).at(-1)).toBe('metadata');

      const byValue = await server.call('listinvoices', { metadata_key: 'order', metadata_value: 'A-17' });
      expect(byValue.result.invoices.map((i: { label: string }) => i.label)).toEqual(['order-1']);
      const byKey = await server.call('listinvoices', { metadata_key: 'order' });
      expect(byKey.result.invoices).toHaveLength(2);
      const byNumber = await server.call('listinvoices', { metadata_key: 'n', metadata_value: '18446744073709551615' });
      expect(byNumber.result.invoices).toHaveLength(1);
      expect((await server.call('listinvoices', { metadata_value: 'x' })).error?.message).toBe(
        'Can only specify {metadata_value} with {metadata_key}',
      );

      const waiting = server.call('wait', ['invoices', 'updated', 1]);
      const set = await server.call('setinvoicemetadata', { label: 'order-1', metadata: { order: 'A-18' } });
      expect(set.result).toMatchObject({ label: 'order-1', updated_index: 1, metadata: { order: 'A-18' } });
      expect((await waiting).result).toEqual({ subsystem: 'invoices', updated: 1, invoices: { label: 'order-1', metadata: { order: 'A-18' } } });
      expect((await server.call('listinvoices', { metadata_key: 'order', metadata_value: 'A-17' })).result.invoices).toEqual([]);
      expect((await server.call('setinvoicemetadata', { label: 'nope', metadata: {} })).error?.code).toBe(905);

      await server.call('delinvoice', ['order-1', 'unpaid']);
      const rows = await sql<{ n: number | string }>`select count(*) as n from invoice_metadata`.execute(t.db.db);
      expect(Number(rows.rows[0]?.n)).toBe(1);
    });

    it('metadata keys and string values and idempotency keys pass the text checks of labels', async () => {
      const { server } = await setup();
      const nul = 'should not contain NUL (\\u0000)';
      const lone = 'should be valid Unicode (a \\u escape of a lone surrogate is not)';
      const cases: Array<[Record<string, unknown>, string]> = [
        [{ metadata: { k: 'a\u0000' } }, `metadata: ${nul}: invalid token '{"k":"a\\u0000"}'`],
        [{ metadata: { 'k\u0000': 1 } }, `metadata: ${nul}: invalid token '{"k\\u0000":1}'`],
        [{ metadata: { k: ['\ud800'] } }, `metadata: ${lone}: invalid token '{"k":["\\ud800"]}'`],
        [{ idempotency_key: 'k\u0000' }, `idempotency_key: ${nul}: invalid token '"k\\u0000"'`],
      ];
      for (const [extra, message] of cases) {
        expect((await server.call('invoice', { ...params, ...extra })).error).toEqual({ code: -32602, message });
      }
      expect((await server.call('listinvoices', {})).result.invoices).toEqual([]);
    });

    it('metadata must be an object of at most 4 KiB; it is never in the invoice string', async () => {
      const { server } = await setup();
      const big = await server.call('invoice', { ...params, metadata: { s: 'x'.repeat(4096) } });
      expect(big.error?.message).toMatch(/^metadata: should be at most 4096 bytes serialised: invalid token/);
      const arr = await server.call('invoice', { ...params, metadata: [1] });
      expect(arr.error?.message).toBe("metadata: should be a JSON object: invalid token '[1]'");
      const ok = (await server.call('invoice', { ...params, metadata: { secret: 'only-for-the-merchant' } })).result;
      const decoded = (await server.call('decode', [ok.bolt11])).result;
      expect(JSON.stringify(decoded)).not.toContain('only-for-the-merchant');
    });
  });
}

for (const dialect of DIALECTS) {
  describe.skipIf(!dialect.available)(`offer idempotency and metadata (${dialect.name})`, () => {
    async function setup() {
      const t = await openTestDatabase(dialect);
      dbs.push(t);
      const { engine } = await startTestEngine(t.db);
      const offers = createOfferEngine({ db: t.db, invoices: engine, nodeKeys: TEST_NODE_KEYS, network: 'regtest', clock: new ManualClock(1_700_000_000_000), random: testRandom() });
      closers.push(async () => {
        await offers.close();
        await engine.close();
      });
      return makeHarness({ context: { engine, nodeId: TEST_NODE_KEYS.nodeId, offers } });
    }

    it('offer: a repeated key answers with the first result; other parameters are refused; metadata is listed', async () => {
      const { server } = await setup();
      const p = { amount: 1000, description: 'coffee', label: 'menu', idempotency_key: 'o-1', metadata: { shop: 7 } };
      const first = await server.call('offer', p);
      expect(first.result.created).toBe(true);
      const again = await server.call('offer', p);
      expect(JSON.stringify(again.result)).toBe(JSON.stringify(first.result));
      // Without the key the identical offer is CLN's created:false.
      const { idempotency_key: _k, ...plain } = p;
      expect((await server.call('offer', plain)).result.created).toBe(false);
      const other = await server.call('offer', { ...p, amount: 2000 });
      expect(other.error).toEqual({ code: -32602, message: "idempotency_key: already used with other parameters by the offer labelled 'menu'" });
      const [listed] = (await server.call('listoffers', [first.result.offer_id])).result.offers;
      expect(listed.metadata).toEqual({ shop: 7 });
    });
  });
}
