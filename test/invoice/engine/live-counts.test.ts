/**
 * getinfo's counts in memory (issue 18 item 8): the pure bookkeeping of engine/live-counts.ts, then the
 * engine's live counts against the database's after every kind of change, on both databases, with a
 * second engine on the same PostgreSQL database and a lost listening connection.
 */
import pg from 'pg';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { InvoiceCounts } from '../../../src/invoice/api.js';
import { createLiveCounts, type CountsSnapshot } from '../../../src/invoice/engine/live-counts.js';
import type { InvoiceEngineImpl } from '../../../src/invoice/engine.js';
import type { InvoiceChange, InvoiceEvent } from '../../../src/invoice/events.js';
import type { InvoiceIndexName, InvoiceStatus } from '../../../src/invoice/invoice.js';
import { msat } from '../../../src/util/msat.js';
import { DIALECTS, openTestDatabase, PG_URL, startTestEngine, testRandom, type TestDatabase } from '../../helpers/db.js';

const ev = (change: InvoiceChange, index: InvoiceIndexName, value: number, status?: InvoiceStatus): InvoiceEvent => ({
  index,
  value,
  details: status ? { status, label: 'l' } : { label: 'l' },
  change,
  label: 'l',
  payment_hash: new Uint8Array(32),
});

const ZERO: InvoiceCounts = { unpaid: 0, paid: 0, expired: 0, created_index: 0, updated_index: 0, deleted_index: 0 };

describe('live counts (pure)', () => {
  it('moves the status counts and raises the indexes with each change', () => {
    const c = createLiveCounts();
    c.apply(ev('created', 'created', 1));
    c.apply(ev('created', 'created', 2));
    c.apply(ev('created', 'created', 3));
    c.apply(ev('paid', 'updated', 1, 'paid'));
    c.apply(ev('expired', 'updated', 2, 'expired'));
    c.apply(ev('metadata_set', 'updated', 3));
    c.apply(ev('hold_canceled', 'updated', 4, 'unpaid'));
    c.apply(ev('deleted', 'deleted', 1, 'paid'));
    expect(c.current()).toEqual({ unpaid: 1, paid: 0, expired: 1, created_index: 3, updated_index: 4, deleted_index: 1 });
    // Another daemon's event arriving after a later one of ours never lowers an index.
    c.apply(ev('created', 'created', 2));
    expect(c.current()).toMatchObject({ unpaid: 2, created_index: 3 });
    expect(Object.isFrozen(c.current())).toBe(true);
  });

  it('applies the events that race a read after it, unless the read already saw them', async () => {
    const c = createLiveCounts();
    let answer!: (s: CountsSnapshot) => void;
    const reading = c.reload(() => new Promise((r) => (answer = r)));
    await Promise.resolve();
    c.apply(ev('created', 'created', 5)); // committed before the read's snapshot: in it
    c.apply(ev('created', 'created', 6)); // after it
    c.apply(ev('paid', 'updated', 2, 'paid')); // in it
    c.apply(ev('paid', 'updated', 3, 'paid')); // after it
    expect(c.current()).toEqual(ZERO); // held until the read answers
    answer({ unpaid: 4, paid: 1, expired: 0, created_index: 5, updated_index: 2, deleted_index: 0 });
    await reading;
    expect(c.current()).toEqual({ unpaid: 4, paid: 2, expired: 0, created_index: 6, updated_index: 3, deleted_index: 0 });
  });

  it('keeps its counts, and the events that came meanwhile, when a read fails', async () => {
    const c = createLiveCounts();
    c.apply(ev('created', 'created', 1));
    let fail!: (e: Error) => void;
    const reading = c.reload(() => new Promise((_, r) => (fail = r)));
    await Promise.resolve();
    c.apply(ev('created', 'created', 2));
    fail(new Error('database gone'));
    await expect(reading).rejects.toThrow('database gone');
    expect(c.current()).toMatchObject({ unpaid: 2, created_index: 2 });
    // The next read still runs.
    await c.reload(async () => ({ ...ZERO, unpaid: 7, created_index: 9 }));
    expect(c.current()).toMatchObject({ unpaid: 7, created_index: 9 });
  });
});

let dbs: TestDatabase[] = [];
const engines: InvoiceEngineImpl[] = [];
afterEach(async () => {
  for (const e of engines.splice(0)) await e.close();
  for (const d of dbs.splice(0)) await d.cleanup();
  dbs = [];
});

for (const dialect of DIALECTS) {
  describe.skipIf(!dialect.available)(`live counts of the engine (${dialect.name})`, () => {
    it('equal the database counts after create, pay, expire, hold-free updates and delete, and after a restart', async () => {
      const tdb = await openTestDatabase(dialect);
      dbs.push(tdb);
      const { engine, clock } = await startTestEngine(tdb.db);
      engines.push(engine);
      const same = async () => expect(engine.liveCounts()).toEqual(await engine.counts());
      await same();
      const mk = (label: string, expiry = 3600n) =>
        engine.create({ label, description: 'd', amount_msat: msat(1000n), expiry });
      const paid = await mk('paid');
      await mk('unpaid');
      await mk('soon', 10n);
      await mk('gone');
      await same();
      await engine.markPaid(paid.invoice.payment_hash, msat(1000n), [{ short_channel_id: '1x1x1', id: 0n, amount_msat: msat(1000n) }]);
      await same();
      clock.advance(20_000);
      await engine.idle();
      await new Promise((r) => setImmediate(r));
      await engine.idle();
      await engine.delete('gone', 'unpaid', false);
      await engine.delete('paid', 'paid', true); // description removed: an update, the invoice stays
      expect(engine.liveCounts()).toEqual({ unpaid: 1, paid: 1, expired: 1, created_index: 4, updated_index: 3, deleted_index: 1 });
      await same();
      await engine.close();
      const again = (await startTestEngine(await tdb.openAnother(), { clock })).engine;
      engines.push(again);
      expect(again.liveCounts()).toEqual({ unpaid: 1, paid: 1, expired: 1, created_index: 4, updated_index: 3, deleted_index: 1 });
    });
  });
}

describe.skipIf(!PG_URL)('live counts across daemons on one PostgreSQL database', () => {
  it("follow the other daemon's changes, and are read again when the listening connection comes back", async () => {
    const pgDialect = DIALECTS.find((d) => d.name === 'postgres')!;
    const tdb = await openTestDatabase(pgDialect);
    dbs.push(tdb);
    const a = (await startTestEngine(tdb.db)).engine;
    const b = (await startTestEngine(await tdb.openAnother(), { random: testRandom('b') })).engine; // its own NOTIFY origin
    engines.push(a, b);
    await b.create({ label: 'b1', description: 'd', amount_msat: msat(1000n) });
    await vi.waitFor(() => expect(a.liveCounts()).toMatchObject({ unpaid: 1, created_index: 1 }), { timeout: 10_000 });

    // Cut a's listening connection: b's next invoice reaches a only by the re-read after it listens again.
    const admin = new pg.Client({ connectionString: PG_URL });
    await admin.connect();
    try {
      const schema = 'schema' in tdb.openOptions ? tdb.openOptions.schema : '';
      const listening = `LISTEN "invoiced_invoices_${schema}"`;
      const killed = await admin.query('select pg_terminate_backend(pid) from pg_stat_activity where query = $1', [listening]);
      expect(killed.rowCount).toBe(2); // a's and b's
      await b.create({ label: 'b2', description: 'd', amount_msat: msat(1000n) });
      await vi.waitFor(() => expect(a.liveCounts()).toMatchObject({ unpaid: 2, created_index: 2 }), { timeout: 10_000 });
      expect(a.liveCounts()).toEqual(await a.counts());
    } finally {
      await admin.end();
    }
  }, 20_000);
});
