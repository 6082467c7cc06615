/**
 * Waiters released by one event share one serialised result (src/rpc/commands/wait.ts, waitinvoice.ts):
 * what each client receives must still be exactly what it would get alone — its own id, the same members in
 * the same order, and its own `filter` applied.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { DIALECTS, openTestDatabase, startTestEngine, TEST_NODE_KEYS, type TestDatabase } from '../helpers/db.js';
import { makeHarness } from './harness.js';
import { msat } from '../../src/util/msat.js';

let dbs: TestDatabase[] = [];
const engines: { close(): Promise<void> }[] = [];
afterEach(async () => {
  for (const e of engines.splice(0)) await e.close();
  for (const d of dbs.splice(0)) await d.cleanup();
  dbs = [];
});

const sqlite = DIALECTS[0]!;

describe('waiters woken by one event', () => {
  it('each gets the full result, with its own id and filter, for wait, waitanyinvoice and waitinvoice', async () => {
    const tdb = await openTestDatabase(sqlite);
    dbs.push(tdb);
    const { engine } = await startTestEngine(tdb.db);
    engines.push(engine);
    const { server } = makeHarness({ context: { engine, nodeId: TEST_NODE_KEYS.nodeId } });
    const created = (await server.call('invoice', { amount_msat: 5000, label: 'shared', description: 'tea' })).result;

    const anys = [1, 2, 3].map((n) => server.call('waitanyinvoice', [0], { id: n }));
    const filtered = server.call('waitanyinvoice', [0], { id: 'f', filter: { label: true, amount_received_msat: true } });
    const labelled = [server.call('waitinvoice', ['shared']), server.call('waitinvoice', ['shared'])];
    const waits = [4, 5].map((n) => server.call('wait', ['invoices', 'updated', 1], { id: n }));
    const waitFiltered = server.call('wait', ['invoices', 'updated', 1], { filter: { invoices: { status: true } } });
    await engine.markPaid(Buffer.from(created.payment_hash, 'hex'), msat(5000n), [{ short_channel_id: '1x2x3', id: 0n, amount_msat: msat(5000n) }]);

    const any = await Promise.all(anys);
    expect(any.map((r) => r.id)).toEqual([1, 2, 3]);
    expect(any[0]!.result).toMatchObject({ label: 'shared', status: 'paid', pay_index: 1, amount_received_msat: 5000, updated_index: 1 });
    for (const r of [...any, ...(await Promise.all(labelled))]) {
      expect(Object.keys(r.result)).toEqual(Object.keys(any[0]!.result));
      expect(r.result).toEqual(any[0]!.result);
    }
    expect((await filtered).result).toEqual({ label: 'shared', amount_received_msat: 5000 });
    const w = await Promise.all(waits);
    expect(w.map((r) => r.id)).toEqual([4, 5]);
    for (const r of w) expect(r.result).toEqual({ subsystem: 'invoices', updated: 1, invoices: { status: 'paid', label: 'shared' } });
    expect((await waitFiltered).result).toEqual({ invoices: { status: 'paid' } });
  });
});
