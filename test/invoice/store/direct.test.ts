/**
 * SQLite's write transactions run their compiled queries straight on the prepared statements
 * (prepared.ts `runDirect`, dialect/sqlite.ts `sqliteDirectRunner`): the answers are Kysely's driver's, the
 * path is taken inside a write queue's transaction and nowhere else, and a failed batch still leaves nothing.
 */
import { CompiledQuery, sql, type QueryResult } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { InvoiceDatabase } from '../../../src/invoice/store/db.js';
import type { DirectRunner } from '../../../src/invoice/store/prepared.js';
import * as store from '../../../src/invoice/store/store.js';
import { WriteQueue } from '../../../src/invoice/store/write-queue.js';
import { msat } from '../../../src/util/msat.js';
import { DIALECTS, openTestDatabase, type TestDatabase } from '../../helpers/db.js';

const sqlite = DIALECTS.find((d) => d.name === 'sqlite')!;

const newInvoice = (i: number): Omit<store.NewInvoiceRow, 'created_index'> => ({
  label: `d${i}`,
  kind: 'bolt11',
  invstring: `lnbcrt${i}`,
  payment_hash: new Uint8Array(32).fill(i),
  payment_preimage: new Uint8Array(32).fill(100 + i),
  amount_msat: msat(1000n * BigInt(i)),
  description: `desc ${i}`,
  expires_at: 2000 + i,
  created_at: 1000,
});

describe('SQLite: a write transaction runs its statements directly', () => {
  let t: TestDatabase;
  beforeEach(async () => {
    t = await openTestDatabase(sqlite);
  });
  afterEach(async () => {
    await t.cleanup();
  });

  /** The database with its runner counting the statements it runs. */
  function counted(): { database: InvoiceDatabase; ran: string[] } {
    const ran: string[] = [];
    const direct = t.db.direct!;
    const counting: DirectRunner = <R>(q: CompiledQuery<R>): QueryResult<R> => {
      ran.push(q.sql.trim().split(/\s+/)[0]!.toLowerCase());
      return direct(q);
    };
    return { database: { ...t.db, direct: counting }, ran };
  }

  it('answers what Kysely answers: rows of a reader, changes and the rowid of a write', async () => {
    const direct = t.db.direct!;
    await sql`create table t (k integer primary key, v text)`.execute(t.db.db);
    // The same statement twice, each way once: the answers differ only by what the first one wrote.
    const insert = CompiledQuery.raw('insert into t (v) values (?), (?)', ['a', 'b']);
    expect(await t.db.db.executeQuery(insert)).toEqual({ numAffectedRows: 2n, insertId: 2n, rows: [] });
    expect(direct(insert)).toEqual({ numAffectedRows: 2n, insertId: 4n, rows: [] });
    const update = CompiledQuery.raw('update t set v = ? where k > ?', ['x', 1]);
    expect(direct(update)).toEqual(await t.db.db.executeQuery(update));
    expect(direct(update).numAffectedRows).toBe(3n);
    const select = CompiledQuery.raw('select k, v from t where v = ? order by k', ['x']);
    expect(direct(select)).toEqual(await t.db.db.executeQuery(select));
    expect(direct(select).rows).toEqual([
      { k: 2, v: 'x' },
      { k: 3, v: 'x' },
      { k: 4, v: 'x' },
    ]);
  });

  it('inside the queue’s transaction, from BEGIN to COMMIT; reads outside it go through Kysely', async () => {
    const { database, ran } = counted();
    const q = new WriteQueue(database);
    const got = await q.run((tx) => store.insertInvoiceNext(tx.db, newInvoice(1)), { atomic: true });
    expect('invoice' in got && got.invoice.created_index).toBe(1);
    expect(ran).toEqual(['begin', 'insert', 'select', 'commit']);
    ran.length = 0;
    expect((await store.findByLabel(database.db, 'd1'))?.created_index).toBe(1);
    expect(ran).toEqual([]);
    await q.idle();
  });

  it('a failing batch leaves nothing of its direct statements', async () => {
    const { database, ran } = counted();
    const q = new WriteQueue(database);
    await expect(
      q.run(async (tx) => {
        await store.insertInvoiceNext(tx.db, newInvoice(2));
        throw new Error('late failure');
      }),
    ).rejects.toThrow('late failure');
    expect(ran).toEqual(['begin', 'insert', 'select', 'rollback']);
    expect(await store.findByLabel(t.db.db, 'd2')).toBeUndefined();
    expect((await store.insertInvoiceNext(t.db.db, newInvoice(2)).then((r) => 'invoice' in r && r.invoice.created_index))).toBe(1);
    await q.idle();
  });
});
