/**
 * A PostgreSQL server that stops answering (issue "under faults and hostile clients" item 3): a TCP proxy
 * between the daemon's pool and the server stops forwarding, as a frozen server or a stalled network
 * would. A request then fails, within the client-side query timeout, with the usual database-unavailable
 * error, the outage is reported once, and once the proxy forwards again requests succeed.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { openInvoiceDatabase, type InvoiceDatabase } from '../../../src/invoice/store/db.js';
import { createPgPool, QUERY_TIMEOUT_MARGIN_MS } from '../../../src/invoice/store/dialect/pg-pool.js';
import { DIALECTS, openTestDatabase, PG_URL, startTestEngine, TEST_NODE_KEYS } from '../../helpers/db.js';
import { makeHarness } from '../../rpc/harness.js';
import { tcpProxy } from '../../helpers/tcp-proxy.js';

const postgres = DIALECTS.find((d) => d.name === 'postgres')!;

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c().catch(() => {});
});

describe.skipIf(!postgres.available)('PostgreSQL that stops answering', () => {
  it('fails a request within the query timeout with the database-unavailable error, reports the outage once, and recovers', async () => {
    // The schema, migrated, straight to the server; the daemon's own pool goes through the proxy.
    const tdb = await openTestDatabase(postgres);
    closers.push(() => tdb.cleanup());
    const proxy = await tcpProxy(new URL(PG_URL!));
    closers.push(() => proxy.close());
    const events: string[] = [];
    const statementTimeoutMs = 300;
    const db: InvoiceDatabase = await openInvoiceDatabase({
      url: proxy.url,
      schema: (tdb.openOptions as { schema: string }).schema,
      poolSize: 2,
      statementTimeoutMs,
      connectTimeoutMs: 1000,
      onOutage: (reason) => events.push(`outage: ${reason}`),
      onRecovered: () => events.push('recovered'),
    });
    closers.push(() => db.close());
    const { engine } = await startTestEngine(db);
    closers.push(() => engine.close());
    const { server } = makeHarness({ context: { engine, nodeId: TEST_NODE_KEYS.nodeId } });
    expect((await server.call('invoice', { amount_msat: 1000, label: 'before', description: 'd' })).error).toBeUndefined();
    expect((await server.call('listinvoices', { label: 'before' })).result.invoices).toHaveLength(1);

    proxy.freeze();
    const began = Date.now();
    // Before the client-side timeout this never answered: bounded here so the test fails rather than hangs.
    const answer = await Promise.race([
      server.call('listinvoices', { label: 'before' }),
      new Promise<'hung'>((r) => setTimeout(() => r('hung'), 15_000).unref()),
    ]);
    const took = Date.now() - began;
    expect(answer).not.toBe('hung');
    expect(answer).toMatchObject({ error: { code: -32603, message: 'Database unavailable: no answer from the server: query timed out' } });
    expect(took).toBeGreaterThanOrEqual(statementTimeoutMs + QUERY_TIMEOUT_MARGIN_MS - 50);
    expect(took).toBeLessThan(15_000);
    // A second request while frozen fails too (its connection cannot even be opened), reported no more.
    const again = await server.call('listinvoices', { label: 'before' });
    expect(again.error?.message).toMatch(/^Database unavailable: /);
    expect(events).toEqual(['outage: no answer from the server: query timed out']);

    proxy.thaw();
    await vi.waitFor(
      async () => expect((await server.call('listinvoices', { label: 'before' })).result?.invoices).toHaveLength(1),
      { timeout: 15_000, interval: 50 },
    );
    expect((await server.call('invoice', { amount_msat: 1000, label: 'after', description: 'd' })).error).toBeUndefined();
    expect(events).toEqual(['outage: no answer from the server: query timed out', 'recovered']);
  }, 60_000);

  it("reports the server's statement timeout (57014) as an outage, once, and a query answered again as its end", async () => {
    const events: string[] = [];
    const pool = createPgPool({
      url: PG_URL!,
      statementTimeoutMs: 100,
      onOutage: (reason) => events.push(`outage: ${reason}`),
      onRecovered: () => events.push('recovered'),
    });
    closers.push(() => pool.end());
    await expect(pool.connect().then(async (c) => c.query('select pg_sleep(2)').finally(() => c.release()))).rejects.toMatchObject({ code: '57014' });
    await expect(pool.connect().then(async (c) => c.query('select pg_sleep(2)').finally(() => c.release()))).rejects.toMatchObject({ code: '57014' });
    expect(events).toEqual(['outage: statement timed out: canceling statement due to statement timeout']);
    const c = await pool.connect();
    expect((await c.query('select 1 as one').finally(() => c.release())).rows).toEqual([{ one: 1 }]);
    expect(events).toEqual(['outage: statement timed out: canceling statement due to statement timeout', 'recovered']);
  });
});
