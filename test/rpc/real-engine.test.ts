/** The handlers against the real engine (SQLite always; PostgreSQL with INVOICED_TEST_PG_URL). */
import { afterEach, describe, expect, it } from 'vitest';
import { DIALECTS, openTestDatabase, startTestEngine, TEST_NODE_KEYS, type TestDatabase } from '../helpers/db.js';
import { makeHarness } from './harness.js';
import { msat } from '../../src/util/msat.js';
import { toHex } from '../../src/util/hex.js';

let dbs: TestDatabase[] = [];
const engines: { close(): Promise<void> }[] = [];
afterEach(async () => {
  for (const e of engines.splice(0)) await e.close();
  for (const d of dbs.splice(0)) await d.cleanup();
});

for (const dialect of DIALECTS) {
  describe.skipIf(!dialect.available)(`rpc over the real engine (${dialect.name})`, () => {
    async function setup() {
      const tdb = await openTestDatabase(dialect);
      dbs.push(tdb);
      const { engine, clock } = await startTestEngine(tdb.db);
      engines.push(engine);
      const h = makeHarness({ context: { engine, nodeId: TEST_NODE_KEYS.nodeId } });
      return { ...h, engine, clock };
    }

    it('invoice → decode → listinvoices → waitinvoice → paid, with CLN shapes', async () => {
      const { server, engine } = await setup();
      const created = await server.call('invoice', { amount_msat: '5sat', label: 25, description: 'coffee' });
      expect(created.error).toBeUndefined();
      const r = created.result;
      expect(Object.keys(r).slice(0, 6)).toEqual(['payment_hash', 'expires_at', 'bolt11', 'payment_secret', 'created_index', 'expiry_time']);
      expect(r.expires_at).toBe(1_700_000_000 + 3600);
      expect(r.created_index).toBe(1);

      const d = (await server.call('decode', [r.bolt11])).result;
      expect(d).toMatchObject({
        type: 'bolt11 invoice',
        valid: true,
        currency: 'bcrt',
        created_at: 1_700_000_000,
        expiry: 3600,
        payee: toHex(TEST_NODE_KEYS.nodeId),
        amount_msat: 5000,
        payment_hash: r.payment_hash,
        description: 'coffee',
        payment_secret: r.payment_secret,
        features: '024100',
      });

      const list = (await server.call('listinvoices', ['25'])).result.invoices;
      expect(list).toHaveLength(1);
      expect(Object.keys(list[0])).toEqual(['label', 'bolt11', 'payment_hash', 'amount_msat', 'status', 'description', 'expires_at', 'created_index', 'created_at']);
      expect(list[0]).toMatchObject({ label: '25', status: 'unpaid', created_at: 1_700_000_000 });

      const waiting = server.call('waitinvoice', [25]);
      const next = server.call('wait', ['invoices', 'updated', 1]);
      await engine.markPaid(Buffer.from(r.payment_hash, 'hex'), msat(5000n), [{ short_channel_id: '1x2x3', id: 0n, amount_msat: msat(5000n) }]);
      const paid = (await waiting).result;
      expect(Object.keys(paid)).toEqual([
        'label', 'bolt11', 'payment_hash', 'amount_msat', 'status', 'pay_index', 'amount_received_msat', 'paid_at', 'payment_preimage',
        'description', 'expires_at', 'created_index', 'created_at', 'updated_index',
      ]);
      expect(paid).toMatchObject({ status: 'paid', pay_index: 1, amount_received_msat: 5000, updated_index: 1 });
      expect((await next).result).toEqual({ subsystem: 'invoices', updated: 1, invoices: { status: 'paid', label: '25' } });
      expect((await server.call('waitanyinvoice', [0])).result.label).toBe('25');
    });

    it('engine errors come through with CLN codes and messages', async () => {
      const { server } = await setup();
      const pre = 'aa'.repeat(32);
      expect((await server.call('invoice', ['any', 'a', 'd', null, null, pre])).error).toBeUndefined();
      expect((await server.call('invoice', ['any', 'b', 'd', null, null, pre])).error).toMatchObject({ code: 901 });
      expect((await server.call('invoice', ['any', 'a', 'd'])).error).toMatchObject({ code: 900, message: "Duplicate label 'a'" });
      expect((await server.call('invoice', [1, 'x'.repeat(129), 'd'])).error).toMatchObject({ code: -32602 });
      expect((await server.call('invoice', [1, 'c', 'd'.repeat(640)])).error).toEqual({
        code: -32602,
        message: 'Description greater than 639 bytes invalid (description length 640)',
      });
      expect((await server.call('listinvoices', { start: 3 })).error).toEqual({ code: -32602, message: 'Can only specify {start} with {index}' });
      expect((await server.call('delinvoice', ['a', 'paid'])).error).toEqual({
        code: 906,
        message: 'Invoice status is unpaid not paid',
        data: { current_status: 'unpaid', expected_status: 'paid' },
      });
      expect((await server.call('delinvoice', ['zz', 'paid'])).error).toMatchObject({ code: 905 });
      expect((await server.call('waitinvoice', ['zz'])).error).toEqual({ code: -1, message: 'Label not found' });
      expect((await server.call('waitanyinvoice', [0, 0])).error).toMatchObject({ code: 904 });
      const del = (await server.call('delinvoice', ['a', 'unpaid'])).result;
      expect(del).toMatchObject({ label: 'a', status: 'unpaid' });
      expect((await server.call('wait', ['invoices', 'deleted', 0])).result).toEqual({ subsystem: 'invoices', deleted: 1 });
      const info = (await server.call('getinfo')).result;
      expect(info.invoices).toEqual({ unpaid: 0, paid: 0, expired: 0, created_index: 1, updated_index: 0, deleted_index: 1 });
    });

    it.skipIf(dialect.name !== 'sqlite')('getinfo answers from memory with the database handle closed under the engine (issue 18 item 8)', async () => {
      const tdb = await openTestDatabase(dialect);
      dbs.push(tdb);
      const { engine } = await startTestEngine(tdb.db);
      engines.push(engine);
      const { server } = makeHarness({ context: { engine, nodeId: TEST_NODE_KEYS.nodeId } });
      const a = (await server.call('invoice', [1000, 'a', 'd'])).result;
      await server.call('invoice', [1000, 'b', 'd']);
      await engine.markPaid(Buffer.from(a.payment_hash, 'hex'), msat(1000n), [{ short_channel_id: '1x2x3', id: 0n, amount_msat: msat(1000n) }]);
      await server.call('delinvoice', ['b', 'unpaid']);
      const counts = { unpaid: 0, paid: 1, expired: 0, created_index: 2, updated_index: 1, deleted_index: 1 };
      expect((await server.call('getinfo')).result.invoices).toEqual(counts);
      await tdb.db.close();
      // The database is gone for everything else…
      expect((await server.call('listinvoices', [])).error).toEqual({ code: -32603, message: 'Internal error' });
      // …but getinfo still answers, with the same counts.
      const info = await server.call('getinfo');
      expect(info.error).toBeUndefined();
      expect(info.result.invoices).toEqual(counts);
    });
  });
}
