/**
 * Concurrency: colliding creations in parallel get exactly one winner each and CLN's errors for the rest,
 * with created indexes 1..N and no gap; two engines with their own connections (two daemons) create at
 * once and the merged created_index sequence is gap-free and commit-ordered; on PostgreSQL waits wake
 * across daemons.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { InvoiceEngineImpl } from '../../src/invoice/engine.js';
import { InvoiceError } from '../../src/invoice/errors.js';
import { ManualClock } from '../../src/util/clock.js';
import { toHex } from '../../src/util/hex.js';
import { msat } from '../../src/util/msat.js';
import { DIALECTS, openTestDatabase, startTestEngine, testRandom, type TestDatabase } from '../helpers/db.js';

const preimage = (tag: string) => sha256(new TextEncoder().encode(tag));

for (const dialect of DIALECTS) {
  describe.skipIf(!dialect.available)(`concurrency on ${dialect.name}`, () => {
    let t: TestDatabase;
    const engines: InvoiceEngineImpl[] = [];

    beforeEach(async () => {
      t = await openTestDatabase(dialect);
    });
    afterEach(async () => {
      for (const e of engines.splice(0)) await e.close();
      await t.cleanup();
    });

    it('parallel creations with colliding labels and hashes: one winner each, 900/901 for the rest, no gaps', async () => {
      const { engine } = await startTestEngine(t.db);
      engines.push(engine);
      type Req = { label: string; pre: Uint8Array; group: string };
      const reqs: Req[] = [];
      // 40 groups sharing label AND hash (901 wins over 900), 40 sharing only the label (900),
      // 40 sharing only the hash (901); 4 requests each, shuffled.
      for (let g = 0; g < 40; g++) {
        for (let k = 0; k < 4; k++) {
          reqs.push({ label: `both${g}`, pre: preimage(`both${g}`), group: `both${g}` });
          reqs.push({ label: `label${g}`, pre: preimage(`label${g}/${k}`), group: `label${g}` });
          reqs.push({ label: `hash${g}/${k}`, pre: preimage(`hash${g}`), group: `hash${g}` });
        }
      }
      for (let i = reqs.length - 1; i > 0; i--) {
        const j = (i * 7919) % (i + 1);
        [reqs[i], reqs[j]] = [reqs[j]!, reqs[i]!];
      }
      const results = await Promise.allSettled(
        reqs.map((r) => engine.create({ label: r.label, description: r.group, preimage: r.pre, amount_msat: msat(1n) })),
      );
      const winners = new Map<string, number>();
      const created: number[] = [];
      results.forEach((res, i) => {
        const r = reqs[i]!;
        if (res.status === 'fulfilled') {
          winners.set(r.group, (winners.get(r.group) ?? 0) + 1);
          created.push(res.value.invoice.created_index);
          return;
        }
        const e = res.reason as InvoiceError;
        expect(e).toBeInstanceOf(InvoiceError);
        if (r.group.startsWith('label')) {
          expect([e.kind, e.message]).toEqual(['LabelExists', `Duplicate label '${r.label}'`]);
        } else {
          expect([e.kind, e.message]).toEqual(['PreimageExists', 'preimage already used']);
        }
      });
      expect(winners.size).toBe(120);
      expect([...winners.values()].every((n) => n === 1)).toBe(true);
      expect(created.sort((a, b) => a - b)).toEqual(Array.from({ length: 120 }, (_, i) => i + 1));
      const listed = await engine.list({});
      expect(listed.map((i) => i.created_index)).toEqual(Array.from({ length: 120 }, (_, i) => i + 1));
      expect(new Set(listed.map((i) => i.label)).size).toBe(120);
      expect(new Set(listed.map((i) => toHex(i.payment_hash))).size).toBe(120);
      expect((await engine.counts()).created_index).toBe(120);
    });

    it('parallel payments get distinct pay_index and updated_index values with no gaps', async () => {
      const { engine } = await startTestEngine(t.db);
      engines.push(engine);
      const invs = await Promise.all(
        Array.from({ length: 50 }, (_, i) => engine.create({ label: `p${i}`, description: 'd', amount_msat: msat(5n) })),
      );
      // Each invoice paid twice at once: one succeeds.
      const paid = await Promise.allSettled(
        invs.flatMap((c) => [c, c]).map((c) => engine.markPaid(c.invoice.payment_hash, msat(5n), [])),
      );
      const ok = paid.filter((p) => p.status === 'fulfilled').map((p) => (p as PromiseFulfilledResult<{ pay_index?: number; updated_index?: number }>).value);
      expect(ok).toHaveLength(50);
      expect(ok.map((p) => p.pay_index).sort((a, b) => a! - b!)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
      expect(ok.map((p) => p.updated_index).sort((a, b) => a! - b!)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    });

    it('two engines with their own connections create at once: merged created_index gap-free and commit-ordered', async () => {
      const clock = new ManualClock();
      const { engine: a } = await startTestEngine(t.db, { clock, random: testRandom('a') });
      const { engine: b } = await startTestEngine(await t.openAnother(), { clock, random: testRandom('b') });
      engines.push(a, b);
      const N = 150;
      let done = false;
      // A reader paging by created index the way a syncing client does: from the last seen + 1. If a
      // higher index ever committed before a lower one, the reader would skip the lower one for good.
      const seen: number[] = [];
      const reader = (async () => {
        let next = 1;
        while (!done || next <= 2 * N) {
          // Whether the writers had finished BEFORE this read: only then does an empty page mean the end (a
          // read begun earlier may come back empty after a last batch committed, and done was set meanwhile).
          const finished = done;
          const page = await a.list({ index: 'created', start: BigInt(next), limit: 1000 });
          for (const inv of page) {
            expect(inv.created_index).toBe(next);
            seen.push(inv.created_index);
            next++;
          }
          if (finished && page.length === 0) break;
          await new Promise((r) => setImmediate(r));
        }
      })();
      const make = (e: InvoiceEngineImpl, tag: string) =>
        Promise.all(Array.from({ length: N }, (_, i) => e.create({ label: `${tag}${i}`, description: tag, amount_msat: msat(1n) })));
      const [ra, rb] = await Promise.all([make(a, 'a'), make(b, 'b')]);
      done = true;
      await reader;
      const all = [...ra, ...rb].map((r) => r.invoice.created_index).sort((x, y) => x - y);
      expect(all).toEqual(Array.from({ length: 2 * N }, (_, i) => i + 1));
      expect(seen).toEqual(all);
      expect((await b.counts()).created_index).toBe(2 * N);
    });

    it.skipIf(dialect.name !== 'postgres')('waits wake across daemons sharing one database (LISTEN/NOTIFY)', async () => {
      const clock = new ManualClock();
      const { engine: a } = await startTestEngine(t.db, { clock, random: testRandom('a') });
      const { engine: b } = await startTestEngine(await t.openAnother(), { clock, random: testRandom('b') });
      engines.push(a, b);
      const created = b.wait('created', 1n);
      // Asleep before a commits: b's read of the counters could otherwise see a's commit before a's
      // notification reaches b, and answer with the index alone (no details).
      await vi.waitFor(() => expect(b.sleepingWaits()).toBe(1), { timeout: 15_000 });
      const inv = (await a.create({ label: 'x', description: 'd', amount_msat: msat(9n) })).invoice;
      expect(await created).toEqual({
        index: 'created',
        value: 1,
        details: { status: 'unpaid', label: 'x', invstring: inv.invstring, kind: 'bolt11' },
      });
      const waitB = b.waitInvoice('x');
      const anyB = b.waitAnyInvoice(0n, undefined);
      const changes: string[] = [];
      b.onInvoiceChange((ev) => changes.push(ev.status));
      // b's waits subscribe when called; an event that arrives while they read the database is kept. Both
      // asleep before a pays: a wait whose read saw the payment first would answer before b's notification
      // (and `changes` would still be empty).
      await vi.waitFor(() => expect(b.sleepingWaits()).toBe(2), { timeout: 15_000 });
      const paid = await a.markPaid(inv.payment_hash, msat(9n), []);
      expect(await waitB).toEqual(paid);
      expect(await anyB).toEqual(paid);
      expect(changes).toEqual(['paid']);
    });

    it.skipIf(dialect.name !== 'postgres')('two daemons sweep the same expiry once: one bump, both daemons\' waiters released', async () => {
      const clock = new ManualClock();
      const { engine: a } = await startTestEngine(t.db, { clock, random: testRandom('a') });
      const { engine: b } = await startTestEngine(await t.openAnother(), { clock, random: testRandom('b') });
      engines.push(a, b);
      const seen = b.wait('created', 1n);
      await a.create({ label: 'soon', description: 'd', expiry: 10n });
      await seen;
      // `seen` may resolve from b's read of the counters before b's notification arrives; b arms its own
      // timer when the notification does (polled, bounded by waitFor's timeout).
      await vi.waitFor(() => expect(clock.pendingTimers).toBe(2), { timeout: 15_000 });
      const wa = a.waitInvoice('soon').catch((e: InvoiceError) => e.kind);
      const wb = b.waitInvoice('soon').catch((e: InvoiceError) => e.kind);
      clock.advance(10_000);
      expect(await wa).toBe('ExpiredDuringWait');
      expect(await wb).toBe('ExpiredDuringWait');
      await a.idle();
      await b.idle();
      const [row] = await b.list({ label: 'soon' });
      expect([row?.status, row?.updated_index]).toEqual(['expired', 1]);
      expect((await a.counts()).updated_index).toBe(1);
    });
  });
}
