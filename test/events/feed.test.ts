/**
 * The event feed against a real database, once per dialect: every transition of invoices, offers,
 * invoice_requests and the outbox appends exactly one event in its own transaction, carrying the object
 * its list command shows; failed operations append nothing; seqs are gap-free; a consumer resuming from
 * any seq sees every later event once; `wait` wakes; two engines on one PostgreSQL database (two daemons)
 * produce one gap-free feed in commit order and wake each other's waits.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createEventFeed, type EventFeed } from '../../src/events/feed.js';
import type { InvoiceDatabase } from '../../src/invoice/store/db.js';
import type { InvoiceEngineImpl } from '../../src/invoice/engine.js';
import { writeBlindedPath } from '../../src/offers/bolt12/blinded-path.js';
import { createOfferEngine, type OfferEngine } from '../../src/offers/offer-engine.js';
import { createOutbox, type Outbox } from '../../src/offers/outbox.js';
import { formatEventObject } from '../../src/rpc/commands/event-format.js';
import { formatOffer } from '../../src/rpc/commands/offer-format.js';
import { formatOutboxEntry } from '../../src/rpc/commands/outbox.js';
import { formatInvoice } from '../../src/rpc/format-invoice.js';
import { parseJson, toPlain } from '../../src/rpc/json-reader.js';
import { writeJson } from '../../src/rpc/json-writer.js';
import { ManualClock } from '../../src/util/clock.js';
import { msat } from '../../src/util/msat.js';
import { WriteQueue } from '../../src/invoice/store/write-queue.js';
import { ensureRouted, insertDeliveries } from '../../src/webhooks/delivery-store.js';
import { DIALECTS, openTestDatabase, startTestEngine, TEST_NODE_KEYS, testRandom, type TestDatabase } from '../helpers/db.js';

/** A daemon's worth of feed and engines on one database handle. */
interface Node {
  readonly db: InvoiceDatabase;
  readonly feed: EventFeed;
  readonly invoices: InvoiceEngineImpl;
  readonly offers: OfferEngine;
  readonly outbox: Outbox;
  readonly clock: ManualClock;
  close(): Promise<void>;
}

async function startNode(base: InvoiceDatabase, tag: string): Promise<Node> {
  const clock = new ManualClock(1_700_000_000_000);
  const feed = createEventFeed({ db: base, clock, random: testRandom(`feed-${tag}`), formatObject: formatEventObject });
  const db: InvoiceDatabase = { ...base, hooks: feed.hooks };
  const { engine: invoices } = await startTestEngine(db, { clock, random: testRandom(`engine-${tag}`) });
  const offers = createOfferEngine({ db, invoices, nodeKeys: TEST_NODE_KEYS, network: 'regtest', clock, random: testRandom(`offers-${tag}`) });
  const outbox = createOutbox({ db, clock, random: testRandom(`outbox-${tag}`) });
  await feed.start();
  await outbox.ready();
  return {
    db,
    feed,
    invoices,
    offers,
    outbox,
    clock,
    async close() {
      await feed.close();
      await outbox.close();
      await offers.close();
      await invoices.close();
    },
  };
}

const plain = (body: string): Record<string, unknown> => toPlain(parseJson(body)) as Record<string, unknown>;
const json = (v: unknown): unknown => toPlain(parseJson(writeJson(v)));

/** A one-hop blinded path (the outbox's formatter parses reply paths). */
const PATH = writeBlindedPath({
  first_node_id: { node_id: TEST_NODE_KEYS.nodeId },
  first_path_key: TEST_NODE_KEYS.nodeId,
  path: [{ blinded_node_id: TEST_NODE_KEYS.nodeId, encrypted_recipient_data: new Uint8Array([1, 2, 3]) }],
});

for (const dialect of DIALECTS) {
  describe.skipIf(!dialect.available)(`event feed on ${dialect.name}`, () => {
    let t: TestDatabase;
    let node: Node;

    beforeEach(async () => {
      t = await openTestDatabase(dialect);
      node = await startNode(t.db, 'a');
    });
    afterEach(async () => {
      await node.close();
      await t.cleanup();
    });

    it('every transition appends exactly one event, with the object its list command shows', async () => {
      const { invoices, offers, outbox, feed, clock } = node;
      const types: string[] = [];
      const objects: unknown[] = [];
      const expectLast = async (type: string, object: unknown) => {
        types.push(type);
        objects.push(object);
        const all = await feed.list({});
        expect(all.map((e) => e.seq)).toEqual(types.map((_, i) => i + 1));
        expect(all.map((e) => e.type)).toEqual(types);
        const last = plain(all[all.length - 1]!.body);
        const key = Object.keys(last).find((k) => !['seq', 'type', 'created_at'].includes(k))!;
        expect(last[key]).toEqual(json(object));
      };
      const listed = async (label: string) => formatInvoice((await invoices.list({ label }))[0]!);

      const a = await invoices.create({ label: 'a', description: 'coffee', amount_msat: msat(1000n) });
      await expectLast('invoice_created', await listed('a'));
      const paid = await invoices.markPaid(a.invoice.payment_hash, msat(1000n), []);
      await expectLast('invoice_paid', formatInvoice(paid));
      expect((await listed('a')).payment_preimage).toBeDefined();
      await invoices.delete('a', 'paid', true);
      await expectLast('invoice_description_removed', await listed('a'));
      const before = await listed('a');
      await invoices.delete('a', 'paid', false);
      await expectLast('invoice_deleted', before);
      await invoices.create({ label: 'b', description: 'tea', expiry: 10n });
      await expectLast('invoice_created', await listed('b'));
      clock.advance(11_000);
      await invoices.sweepExpired();
      await expectLast('invoice_expired', await listed('b'));

      const o = await offers.createOffer({ amount: 'any', description: 'o' });
      await expectLast('offer_created', formatOffer(o.offer));
      expect((await offers.createOffer({ amount: 'any', description: 'o' })).created).toBe(false); // no change, no event
      await offers.disableOffer(o.offer.id);
      await expectLast('offer_disabled', formatOffer((await offers.listOffers(o.offer.id, false))[0]!));
      await offers.enableOffer(o.offer.id);
      await expectLast('offer_enabled', formatOffer((await offers.listOffers(o.offer.id, false))[0]!));

      const entry = { kind: 'invoice' as const, label: 'x', payment_hash: new Uint8Array(32), destination_paths: new Uint8Array(), destination_node_id: TEST_NODE_KEYS.nodeId, message: new Uint8Array([1]), reply_path: PATH };
      const e1 = await outbox.add(entry);
      await expectLast('outbox_created', formatOutboxEntry(e1));
      await expectLast('outbox_sent', formatOutboxEntry(await outbox.markSent(e1.created_index)));
      const e2 = await outbox.add(entry);
      await expectLast('outbox_created', formatOutboxEntry(e2));
      await expectLast('outbox_failed', formatOutboxEntry(await outbox.markFailed(e2.created_index, 'no route')));
      expect(await feed.lastSeq()).toBe(types.length);
    });

    it('a failed operation appends nothing, also inside a shared batch; seqs stay gap-free', async () => {
      const { invoices, feed } = node;
      await invoices.create({ label: 'dup', description: 'd' });
      const results = await Promise.allSettled(
        Array.from({ length: 20 }, (_, i) => invoices.create({ label: i % 4 === 0 ? 'dup' : `l${i}`, description: 'd' })),
      );
      const ok = results.filter((r) => r.status === 'fulfilled').length;
      expect(ok).toBe(15);
      const all = await feed.list({});
      expect(all.map((e) => e.seq)).toEqual(Array.from({ length: 16 }, (_, i) => i + 1));
      // Commit order = seq order: created_index grows with seq.
      const idx = all.map((e) => (plain(e.body).invoice as { created_index: number }).created_index);
      expect(idx).toEqual([...idx].sort((x, y) => x - y));
    });

    it('a consumer resuming from any seq sees every later event once; types and limit filter', async () => {
      const { invoices, offers, feed } = node;
      for (let i = 0; i < 6; i++) await invoices.create({ label: `r${i}`, description: 'd' });
      await offers.createOffer({ amount: 'any', description: 'o' });
      const all = await feed.list({});
      for (let start = 1; start <= all.length + 1; start++) {
        const seen: number[] = [];
        for (let from = start; ; ) {
          const page = await feed.list({ start: from, limit: 2 });
          if (page.length === 0) break;
          seen.push(...page.map((e) => e.seq));
          from = page[page.length - 1]!.seq + 1;
        }
        expect(seen).toEqual(all.filter((e) => e.seq >= start).map((e) => e.seq));
      }
      expect((await feed.list({ types: ['offer_created'] })).map((e) => e.seq)).toEqual([7]);
    });

    it('wait events created N answers at once when N exists, else when it commits', async () => {
      const { invoices, feed } = node;
      await invoices.create({ label: 'w1', description: 'd' });
      expect(await feed.wait(1)).toEqual({ created: 1 });
      const pending = feed.wait(3);
      await invoices.create({ label: 'w2', description: 'd' });
      await invoices.create({ label: 'w3', description: 'd' });
      const r = await pending;
      expect(r.created).toBe(3);
      expect(plain(r.event!.body)).toMatchObject({ seq: 3, type: 'invoice_created', invoice: { label: 'w3' } });
    });

    it('restarting resumes the counter: no seq is reused', async () => {
      await node.invoices.create({ label: 'x1', description: 'd' });
      await node.close();
      node = await startNode(await t.openAnother(), 'b');
      await node.invoices.create({ label: 'x2', description: 'd' });
      expect((await node.feed.list({})).map((e) => [e.seq, e.type])).toEqual([
        [1, 'invoice_created'],
        [2, 'invoice_created'],
      ]);
    });

    it("a payment of a single-use offer's invoice: invoice_paid, offer_used, the sibling's expiry, one commit", async () => {
      const { invoices, offers, feed } = node;
      const o = await offers.createOffer({ amount: 'any', description: 'once', single_use: true });
      const mk = (label: string, fill: number) =>
        invoices.storeInvoice({ label, kind: 'bolt12', invstring: `lni1fake${label}`, preimage: new Uint8Array(32).fill(fill), expires_at: 1_700_003_600, local_offer_id: o.offer.id });
      const first = await mk('one', 1);
      await mk('two', 2);
      await invoices.markPaid(first.payment_hash, msat(10n), []);
      const all = await feed.list({ start: 4 });
      expect(all.map((e) => e.type)).toEqual(['invoice_paid', 'offer_used', 'invoice_expired']);
      expect(plain(all[1]!.body).offer).toMatchObject({ active: false, used: true, single_use: true });
      expect(plain(all[2]!.body).invoice).toMatchObject({ label: 'two', status: 'expired' });
    });

    it('autoclean removes old events, never one a webhook still has to deliver or not yet routed; seqs are not reused', async () => {
      const { invoices, feed, clock, db } = node;
      for (const l of ['c1', 'c2', 'c3']) await invoices.create({ label: l, description: 'd' });
      await insertDeliveries(db.db, [{ url: 'http://127.0.0.1:1/x', seq: 2 }], clock.now());
      clock.advance(100_000);
      await invoices.create({ label: 'c4', description: 'd' });
      expect(await feed.autoclean(50)).toBe(2);
      expect((await feed.list({})).map((e) => e.seq)).toEqual([2, 4]);
      await invoices.create({ label: 'c5', description: 'd' });
      expect(await feed.lastSeq()).toBe(5);
      // Nor one above the routed counter (SQLite routes deliveries after the commit): kept until routed.
      await WriteQueue.shared(db).run((tx) => ensureRouted(tx.db, 4));
      clock.advance(100_000);
      expect(await feed.autoclean(50)).toBe(1);
      expect((await feed.list({})).map((e) => e.seq)).toEqual([2, 5]);
    });

    it.runIf(dialect.name === 'postgres')('two daemons on one database: one gap-free feed in commit order, waits wake across', async () => {
      const other = await startNode(await t.openAnother(), 'b');
      try {
        const waiting = other.feed.wait(1);
        await node.invoices.create({ label: 'first', description: 'd' });
        expect((await waiting).created).toBe(1);
        await Promise.all(
          Array.from({ length: 40 }, (_, i) => (i % 2 ? node : other).invoices.create({ label: `p${i}`, description: 'd' })),
        );
        const all = await node.feed.list({});
        expect(all.map((e) => e.seq)).toEqual(Array.from({ length: 41 }, (_, i) => i + 1));
        const idx = all.map((e) => (plain(e.body).invoice as { created_index: number }).created_index);
        expect(idx).toEqual(Array.from({ length: 41 }, (_, i) => i + 1));
      } finally {
        await other.close();
      }
    });
  });
}
