/**
 * The store beneath the engine, once per dialect: migrations (empty database, re-run), the schema's own
 * uniqueness and indexes, the counters, durability settings, and the group-commit queue.
 */
import { pendingOf } from '../../../src/webhooks/delivery-store.js';
import { readdirSync } from 'node:fs';
import { NO_MIGRATIONS, sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { migrateInvoiceDatabase } from '../../../src/invoice/store/db.js';
import { COUNTER } from '../../../src/invoice/store/schema.js';
import * as store from '../../../src/invoice/store/store.js';
import { WriteQueue, type WriteTx } from '../../../src/invoice/store/write-queue.js';
import { msat } from '../../../src/util/msat.js';
import { DIALECTS, openTestDatabase, type TestDatabase } from '../../helpers/db.js';

const row = (i: number, over: Partial<store.NewInvoiceRow> = {}): store.NewInvoiceRow => ({
  created_index: i,
  label: `l${i}`,
  kind: 'bolt11',
  invstring: `lnbcrt${i}`,
  payment_hash: new Uint8Array(32).fill(i),
  payment_preimage: new Uint8Array(32).fill(100 + i),
  amount_msat: msat(BigInt(i) * 1000n),
  description: `d${i}`,
  expires_at: 1000 + i,
  created_at: 500,
  ...over,
});

/** A write of invoice `i` with the next created_index: the index, or what was taken (or, with `refuse`, a throw). */
const insertNext =
  (i: number, over: Partial<store.NewInvoiceRow> = {}, refuse = false) =>
  async (tx: WriteTx): Promise<number | { hash: boolean; label: boolean }> => {
    const { created_index: _, ...r } = row(i, over);
    const got = await store.insertInvoiceNext(tx.db, r);
    if ('invoice' in got) return got.invoice.created_index;
    if (refuse) throw new Error(`l${i} refused`);
    return got.taken;
  };

/** Names of the migration steps in migrations/, in order. */
const migrationFiles = () =>
  readdirSync(new URL('../../../migrations/', import.meta.url))
    .filter((f) => /^\d{4}-.*\.ts$/.test(f))
    .map((f) => f.replace(/\.ts$/, ''))
    .sort();

for (const dialect of DIALECTS) {
  describe.skipIf(!dialect.available)(`invoice store on ${dialect.name}`, () => {
    let t: TestDatabase;
    beforeEach(async () => {
      t = await openTestDatabase(dialect);
    });
    afterEach(async () => {
      await t.cleanup();
    });

    it('migrates an empty database, and migrating again changes nothing', async () => {
      expect(await store.readCounters(t.db.db)).toEqual({
        [COUNTER.created]: 0,
        [COUNTER.updated]: 0,
        [COUNTER.deleted]: 0,
        [COUNTER.pay]: 0,
        [COUNTER.cleanedExpired]: 0,
        [COUNTER.cleanedPaid]: 0,
      });
      await store.insertInvoice(t.db.db, row(1));
      await t.schemaChange(() => migrateInvoiceDatabase(t.db.db, 'schema' in t.openOptions ? t.openOptions.schema : undefined));
      const again = await t.openAnother();
      expect((await store.findByLabel(again.db, 'l1'))?.created_index).toBe(1);
      const names = (await sql<{ name: string }>`select name from kysely_migration order by name`.execute(again.db)).rows;
      const files = migrationFiles();
      expect(files[0]).toBe('0001-invoices');
      expect(names.map((r) => r.name)).toEqual(files);
    });

    it('migrates a database created by an earlier version (schema 0001 only), keeping its rows', async () => {
      // Take the database down to nothing, then up to the first schema version only, as the first
      // release left it; reopening it must run every later migration and keep the rows.
      const schema = 'schema' in t.openOptions ? t.openOptions.schema : undefined;
      await t.schemaChange(() => migrateInvoiceDatabase(t.db.db, schema, NO_MIGRATIONS));
      await t.schemaChange(() => migrateInvoiceDatabase(t.db.db, schema, '0001-invoices'));
      const at = (await sql<{ name: string }>`select name from kysely_migration`.execute(t.db.db)).rows;
      expect(at.map((r) => r.name)).toEqual(['0001-invoices']);
      await store.insertInvoice(t.db.db, row(1));
      await store.nextCounter(t.db.db, COUNTER.created);
      const reopened = await t.openAnother();
      expect((await store.findByLabel(reopened.db, 'l1'))?.payment_preimage).toEqual(row(1).payment_preimage);
      expect((await store.readCounters(reopened.db))[COUNTER.created]).toBe(1);
      const after = (await sql<{ name: string }>`select name from kysely_migration order by name`.execute(reopened.db)).rows;
      expect(after.map((r) => r.name)).toEqual(migrationFiles());
    });

    it('step 0008 (leaner indexes, rekeyed event and delivery tables on SQLite) keeps events and deliveries', async () => {
      const schema = 'schema' in t.openOptions ? t.openOptions.schema : undefined;
      await t.schemaChange(() => migrateInvoiceDatabase(t.db.db, schema, '0007-hold-metadata-idempotency'));
      await sql`insert into events (seq, type, created_at, body) values (1, 'invoice_created', 5, '{"a":1}'), (2, 'invoice_paid', 6, '{"b":2}')`.execute(t.db.db);
      await sql`insert into webhook_deliveries (url, seq, status, attempts, created_at, next_attempt_at) values ('u', 1, 'delivered', 1, 5, 5), ('u', 2, 'pending', 0, 6, 6)`.execute(t.db.db);
      const reopened = await t.openAnother();
      const events = (await sql<{ seq: number | string; body: string }>`select seq, body from events order by seq`.execute(reopened.db)).rows;
      expect(events.map((e) => [Number(e.seq), e.body])).toEqual([[1, '{"a":1}'], [2, '{"b":2}']]);
      const pending = await pendingOf(reopened.db, 'u', 50);
      expect(pending.map((d) => [d.seq, d.status, d.body])).toEqual([[2, 'pending', '{"b":2}']]);
      expect(await pendingOf(reopened.db, 'u', 50, 2)).toEqual([]);
    });

    it('the database itself enforces unique labels and payment hashes', async () => {
      await store.insertInvoice(t.db.db, row(1));
      const dupLabel = await store.insertInvoice(t.db.db, row(2, { label: 'l1' })).catch((e: unknown) => e);
      expect(t.db.dialect.uniqueViolation(dupLabel)).toBe('label');
      const dupHash = await store
        .insertInvoice(t.db.db, row(3, { payment_hash: new Uint8Array(32).fill(1) }))
        .catch((e: unknown) => e);
      expect(t.db.dialect.uniqueViolation(dupHash)).toBe('payment_hash');
      const dupIndex = await store.insertInvoice(t.db.db, row(1, { label: 'zz', payment_hash: new Uint8Array(32).fill(9) })).catch((e: unknown) => e);
      expect(t.db.dialect.uniqueViolation(dupIndex)).toBe('other');
      expect(t.db.dialect.uniqueViolation(new Error('x'))).toBeUndefined();
    });

    it('stores u64 amounts exactly and round-trips every field', async () => {
      const max = msat((1n << 64n) - 1n);
      const inv = await store.insertInvoice(
        t.db.db,
        row(1, { amount_msat: max, local_offer_id: new Uint8Array(32).fill(7), invreq_payer_note: 'hi', kind: 'bolt12' }),
      );
      const back = await store.findByPaymentHash(t.db.db, new Uint8Array(32).fill(1));
      expect(back).toEqual(inv);
      expect(back?.amount_msat).toBe(max);
      expect(back?.local_offer_id).toEqual(new Uint8Array(32).fill(7));
      expect(back?.invreq_payer_note).toBe('hi');
      const any = await store.insertInvoice(t.db.db, row(2, { amount_msat: undefined, description: undefined }));
      expect(any.amount_msat).toBeUndefined();
      expect(any.description).toBeUndefined();
      expect(any.updated_index).toBeUndefined();
    });

    it('counters move by exactly the asked amount and never reuse values', async () => {
      expect(await store.nextCounter(t.db.db, COUNTER.created)).toBe(1);
      expect(await store.nextCounter(t.db.db, COUNTER.created)).toBe(2);
      expect(await store.nextCounter(t.db.db, COUNTER.cleanedPaid, 5)).toBe(5);
      expect((await store.readCounters(t.db.db))[COUNTER.created]).toBe(2);
    });

    it.skipIf(dialect.name !== 'sqlite')('runs SQLite in WAL mode with synchronous=FULL', async () => {
      const mode = await sql<{ journal_mode: string }>`pragma journal_mode`.execute(t.db.db);
      expect(mode.rows[0]?.journal_mode).toBe('wal');
      const sync = await sql<{ synchronous: number }>`pragma synchronous`.execute(t.db.db);
      expect(sync.rows[0]?.synchronous).toBe(2); // FULL
    });

    it('has the indexes the engine relies on', async () => {
      const names =
        dialect.name === 'sqlite'
          ? (await sql<{ name: string }>`select name from sqlite_master where type = 'index' and tbl_name = 'invoices'`.execute(t.db.db)).rows
          : (
              await sql<{ name: string }>`select indexname as name from pg_indexes where tablename = 'invoices' and schemaname = current_schema()`.execute(
                t.db.db,
              )
            ).rows;
      const set = new Set(names.map((r) => r.name));
      for (const n of ['invoices_pay_index', 'invoices_updated_index', 'invoices_status_updated_index', 'invoices_status_expires_at', 'invoices_status_paid_at', 'invoices_local_offer_id']) {
        expect(set.has(n), n).toBe(true);
      }
    });

    it.skipIf(dialect.name !== 'sqlite')('pages index=updated with a status through one index, in order, without sorting (no statistics gathered)', async () => {
      const compiled = (reverse: boolean) =>
        t.db.db
          .selectFrom('invoices')
          .selectAll()
          .where('status', '=', 'paid')
          .orderBy('updated_index', reverse ? 'desc' : 'asc')
          .orderBy('created_index', reverse ? 'desc' : 'asc')
          .limit(10)
          .compile();
      for (const reverse of [true, false]) {
        const c = compiled(reverse);
        const plan = (await sql<{ detail: string }>`explain query plan ${sql.raw(c.sql.replace(/\?/g, () => "'x'"))}`.execute(t.db.db)).rows.map((r) => r.detail);
        expect(plan).toEqual(['SEARCH invoices USING INDEX invoices_status_updated_index (status=?)']);
      }
    });

    describe('group commit', () => {
      it('runs concurrent operations in one transaction; a failing one undoes only itself', async () => {
        const q = new WriteQueue(t.db);
        const txIds: string[] = [];
        const txid = async (db: typeof t.db.db) =>
          dialect.name === 'postgres'
            ? String((await sql<{ x: string }>`select txid_current()::text as x`.execute(db)).rows[0]?.x)
            : 'sqlite';
        const ops = Array.from({ length: 10 }, (_, i) =>
          q.run(async (tx) => {
            txIds.push(await txid(tx.db));
            const created_index = await store.nextCounter(tx.db, COUNTER.created);
            if (i === 4) throw new Error('op 4 fails');
            return store.insertInvoice(tx.db, row(created_index));
          }),
        );
        const res = await Promise.allSettled(ops);
        expect(res.map((r) => r.status)).toEqual([...Array(4).fill('fulfilled'), 'rejected', ...Array(5).fill('fulfilled')]);
        expect(new Set(txIds).size).toBe(1);
        const rows = await store.listInvoices(t.db.db, { index: 'created', reverse: false });
        expect(rows.map((r) => r.created_index)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
        expect((await store.readCounters(t.db.db))[COUNTER.created]).toBe(9);
      });

      it('resolves only after commit, runs after-commit hooks in order, and skips those of failed operations', async () => {
        const q = new WriteQueue(t.db);
        const log: string[] = [];
        const a = q.run(async (tx) => {
          await store.insertInvoice(tx.db, row(1));
          tx.after(() => log.push('after a'));
          return 'a';
        });
        const b = q.run(async (tx) => {
          tx.after(() => log.push('after b'));
          throw new Error('b fails');
        });
        const bOutcome = b.then(
          () => 'resolved',
          (e: Error) => e.message,
        );
        const c = q.run(async (tx) => {
          tx.after(() => log.push('after c'));
          return 'c';
        });
        expect(await a).toBe('a');
        // Visible to a separate connection once resolved: it committed.
        const other = await t.openAnother();
        expect((await store.findByLabel(other.db, 'l1'))?.label).toBe('l1');
        expect(await bOutcome).toBe('b fails');
        expect(await c).toBe('c');
        expect(log).toEqual(['after a', 'after c']);
      });

      it('a new invoice is one statement: the next created_index, the counter moved, and nothing written for a taken label, hash or index', async () => {
        const next = async (i: number, over: Partial<store.NewInvoiceRow> = {}) => {
          const { created_index: _, ...r } = row(i, over);
          const got = await store.insertInvoiceNext(t.db.db, r);
          return 'invoice' in got ? got.invoice : got;
        };
        expect(await next(1)).toMatchObject({ created_index: 1 });
        expect(await next(2)).toMatchObject({ created_index: 2, label: 'l2', status: 'unpaid', amount_msat: 2000n, description: 'd2', expires_at: 1002 });
        // Refused, and told which value was taken.
        expect(await next(3, { label: 'l1' })).toEqual({ taken: { hash: false, label: true } });
        expect(await next(4, { payment_hash: new Uint8Array(32).fill(2) })).toEqual({ taken: { hash: true, label: false } });
        expect(await next(2)).toEqual({ taken: { hash: true, label: true } });
        expect((await store.readCounters(t.db.db))[COUNTER.created]).toBe(2);
        // A row already at the counter's next value (written with its index given): the insert writes nothing.
        await store.insertInvoice(t.db.db, row(3, { label: 'given' }));
        await sql`update invoice_counters set value = 2 where name = ${COUNTER.created}`.execute(t.db.db);
        expect(await next(5)).toEqual({ taken: { hash: false, label: false } });
        expect((await store.readCounters(t.db.db))[COUNTER.created]).toBe(2);
        // What it returns is what was stored.
        await sql`update invoice_counters set value = 3 where name = ${COUNTER.created}`.execute(t.db.db);
        const sixth = await next(6);
        expect(sixth).toMatchObject({ created_index: 4 });
        expect(await store.findByLabel(t.db.db, 'l6')).toEqual(sixth);
      });

      it('new invoices queued together are numbered in the order queued, and a refused one is told what it met then', async () => {
        const q = new WriteQueue(t.db);
        const insert = (i: number, over: Partial<store.NewInvoiceRow> = {}) => q.run(insertNext(i, over), { atomic: true });
        // None taken: one batch, numbered as queued, every column as stored (PostgreSQL: one statement).
        expect(await Promise.all([1, 2, 3, 4, 5, 6].map((i) => insert(i)))).toEqual([1, 2, 3, 4, 5, 6]);
        const stored = await store.listInvoices(t.db.db, { index: 'created', reverse: false });
        expect(stored.map((r) => [r.created_index, r.label, r.amount_msat, r.description, r.expires_at])).toEqual(
          [1, 2, 3, 4, 5, 6].map((i) => [i, `l${i}`, BigInt(i) * 1000n, `d${i}`, 1000 + i]),
        );
        expect(stored[0]!.payment_hash).toEqual(new Uint8Array(32).fill(1));
        // Text a PostgreSQL array literal must escape, and NULLs among values, stored exactly.
        const odd = ['a"b', 'c\\d', '{x,y}', 'NULL', 'é ☕'];
        await Promise.all(odd.map((label, k) => insert(20 + k, { label, description: k % 2 === 0 ? `${label}, "${k}"` : undefined })));
        for (const [k, label] of odd.entries()) {
          expect(await store.findByLabel(t.db.db, label)).toMatchObject({ created_index: 7 + k, label, ...(k % 2 === 0 ? { description: `${label}, "${k}"` } : {}) });
          if (k % 2 === 1) expect((await store.findByLabel(t.db.db, label))?.description).toBeUndefined();
        }
        await sql`delete from invoices where created_index > 6`.execute(t.db.db);
        await sql`update invoice_counters set value = 6 where name = ${COUNTER.created}`.execute(t.db.db);
        // Taken values, against the table and within the batch: each answered as if inserted one after another.
        // l8's label is l7's (refused), and l9 then takes l8's hash, still free when l8 was refused.
        const got = await Promise.all([
          insert(7),
          insert(8, { label: 'l7' }),
          insert(9, { payment_hash: new Uint8Array(32).fill(8) }),
          insert(10, { label: 'l1' }),
          insert(11, { payment_hash: new Uint8Array(32).fill(2) }),
          insert(12),
        ]);
        expect(got).toEqual([7, { hash: false, label: true }, 8, { hash: false, label: true }, { hash: true, label: false }, 9]);
        expect((await store.readCounters(t.db.db))[COUNTER.created]).toBe(9);
        const labels = (await store.listInvoices(t.db.db, { index: 'created', reverse: false })).map((r) => r.label);
        expect(labels).toEqual(['l1', 'l2', 'l3', 'l4', 'l5', 'l6', 'l7', 'l9', 'l12']);
      });

      it('atomic operations run without savepoints: a refusal or a failed statement the transaction survives undoes only itself', async () => {
        const q = new WriteQueue(t.db);
        const insert = (i: number, over: Partial<store.NewInvoiceRow> = {}) => q.run(insertNext(i, over, true), { atomic: true });
        const res = await Promise.allSettled([insert(1), insert(2), insert(3, { label: 'l1' }), insert(4)]);
        expect(res.map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as Error).message))).toEqual([1, 2, 'l3 refused', 3]);
        // A CHECK violation: SQLite undoes the statement and goes on; PostgreSQL aborts the transaction,
        // so the whole batch fails and nothing of it is written.
        const bad = () => q.run((tx) => store.insertInvoice(tx.db, row(9, { kind: 'bolt13' as 'bolt11' })), { atomic: true });
        const res2 = await Promise.allSettled([insert(5), bad(), insert(6)]);
        const kinds = res2.map((r) => r.status);
        expect(kinds).toEqual(dialect.name === 'sqlite' ? ['fulfilled', 'rejected', 'fulfilled'] : ['rejected', 'rejected', 'rejected']);
        const rows = await store.listInvoices(t.db.db, { index: 'created', reverse: false });
        expect(rows.map((r) => r.label)).toEqual(dialect.name === 'sqlite' ? ['l1', 'l2', 'l4', 'l5', 'l6'] : ['l1', 'l2', 'l4']);
      });

      it('an atomic operation whose error loses the transaction fails the whole batch', async () => {
        const q = new WriteQueue(t.db);
        const insert = (i: number) => q.run((tx) => store.insertInvoice(tx.db, row(i)), { atomic: true });
        // What SQLite answers when it rolled the transaction back itself (an I/O error, a full disk).
        const lost =
          dialect.name === 'sqlite'
            ? Object.assign(new Error('disk I/O error'), { code: 'SQLITE_IOERR_WRITE' })
            : Object.assign(new Error('terminating connection'), { code: '57P01', severity: 'FATAL' });
        const res = await Promise.allSettled([insert(1), q.run(() => Promise.reject(lost), { atomic: true }), insert(2)]);
        expect(res.map((r) => (r.status === 'rejected' ? (r.reason as Error).message : 'ok'))).toEqual(Array(3).fill(lost.message));
        expect(await store.listInvoices(t.db.db, { index: 'created', reverse: false })).toEqual([]);
        expect(t.db.dialect.transactionLost(new Error('refused by the operation'))).toBe(false);
      });

      it('a rider waits for the next batch and commits in it; alone only when its time is up or the queue must go idle', async () => {
        const batches: number[] = [];
        const q = new WriteQueue({ ...t.db, hooks: { onCommit: (n) => void batches.push(n) } });
        const insert = (i: number, opts = {}) => q.run((tx) => store.insertInvoice(tx.db, row(i)), opts);
        let rode = false;
        const rider = insert(1, { rideForMs: 60_000 }).then(() => (rode = true));
        // Nothing else is queued: the rider waits (no commit of its own) until ordinary operations come.
        await new Promise<void>((r) => setImmediate(r));
        expect(batches).toEqual([]);
        expect(await store.findByLabel(t.db.db, 'l1')).toBeUndefined();
        await Promise.all([insert(2), insert(3)]);
        await rider;
        expect(rode).toBe(true);
        expect(batches).toEqual([3]);
        // Alone: once its time is up (0 ms here), or at once when the queue is asked to go idle.
        await insert(4, { rideForMs: 0 });
        const waiting = insert(5, { rideForMs: 60_000 });
        await q.idle();
        await waiting;
        expect(batches).toEqual([3, 1, 1]);
        const rows = await store.listInvoices(t.db.db, { index: 'created', reverse: false });
        expect(rows.map((r) => r.label)).toEqual(['l1', 'l2', 'l3', 'l4', 'l5']);
      });

      it('a lone failing operation rolls back everything it wrote', async () => {
        const q = new WriteQueue(t.db);
        await expect(
          q.run(async (tx) => {
            await store.nextCounter(tx.db, COUNTER.created);
            await store.insertInvoice(tx.db, row(1));
            throw new Error('late failure');
          }),
        ).rejects.toThrow('late failure');
        expect(await store.findByLabel(t.db.db, 'l1')).toBeUndefined();
        expect((await store.readCounters(t.db.db))[COUNTER.created]).toBe(0);
        await q.idle();
      });
    });
  });
}
