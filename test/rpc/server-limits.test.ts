/**
 * The server under hostile clients (issue 18 items 1, 4, 14, and the spurious listener warning):
 * bounded memory for a client that never reads, a full `listinvoices` streamed, fair turns across
 * connections (asserted by the order and counts of answers, never by time), a slow-request timeout on an
 * injected clock, and a cap on request bytes buffered across connections.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ManualClock } from '../../src/util/clock.js';
import { msat } from '../../src/util/msat.js';
import type { RpcServerOptions } from '../../src/rpc/index.js';
import { DIALECTS, openTestDatabase, startTestEngine, TEST_NODE_KEYS, type TestDatabase } from '../helpers/db.js';
import { makeHarness } from './harness.js';
import { listen, RawClient, req, settled as settledAt, type Listening } from './socket-client.js';

let open: Listening[] = [];
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(open.map((l) => l.close()));
  open = [];
  for (const c of closers.splice(0).reverse()) await c();
});

async function setup(over: Parameters<typeof makeHarness>[0] = {}) {
  const h = makeHarness(over);
  const l = await listen(h.server);
  open.push(l);
  return { ...h, path: l.path };
}

/** `f()` once it has stopped changing over several turns of I/O (for "no more than" checks). */
const settled = (f: () => number) => settledAt(f, { checks: 20, everyMs: 5 });

const dialect = DIALECTS[0]!;

describe('a client that never reads (item 1)', () => {
  it('holds a bounded amount for it, serves others meanwhile, and streams every listinvoices in full once it reads', async () => {
    const tdb: TestDatabase = await openTestDatabase(dialect);
    const { engine } = await startTestEngine(tdb.db);
    closers.push(() => tdb.cleanup(), () => engine.close());
    const N = 200;
    for (let i = 0; i < N; i++) await engine.create({ label: `l${i}`, amount_msat: msat(1000n + BigInt(i)), description: 'x'.repeat(500) });
    const { server, path } = await setup({ highWaterMark: 64 * 1024, context: { engine, nodeId: TEST_NODE_KEYS.nodeId } });
    const one = (await server.call('listinvoices', {})).result.invoices as { label: string }[];
    expect(one.map((i) => i.label)).toEqual(Array.from({ length: N }, (_, i) => `l${i}`));
    const answerBytes = JSON.stringify(one).length;
    const R = 30;
    const hogs = await Promise.all([RawClient.connect(path), RawClient.connect(path)]);
    for (const h of hogs) {
      h.socket.pause();
      h.socket.write(Array.from({ length: R }, (_, i) => req(i, 'listinvoices', [])).join(''));
    }
    const held = await settled(() => server.outputBytes);
    // Each answer is over 100 kB and 60 were asked for: what waits is per connection the high-water
    // mark, one page being written, and the first small page of the requests started before the output
    // filled up; not the answers asked for.
    expect(answerBytes).toBeGreaterThan(100_000);
    expect(held).toBeLessThan((2 * R * answerBytes) / 8);
    const other = await RawClient.connect(path);
    await other.write(req('x', 'getinfo'));
    await other.waitResponses(1);
    expect(other.responses[0]!['result']).toHaveProperty('id');
    for (const h of hogs) h.socket.resume();
    for (const h of hogs) {
      await h.waitResponses(R);
      expect(h.responses.map((r) => r['id'])).toEqual(Array.from({ length: R }, (_, i) => i));
      for (const r of h.responses) expect((r['result'] as { invoices: unknown[] }).invoices).toEqual(one);
      h.socket.destroy();
    }
    other.socket.destroy();
    // Nothing held once every answer was read: waited for, not taken from a quiet spell.
    await vi.waitFor(() => expect(server.outputBytes).toBe(0), { timeout: 15_000, interval: 5 });
  });

  it('streams a listing in pages with limit, reverse, status and a filter, as the whole listing would be', async () => {
    const tdb: TestDatabase = await openTestDatabase(dialect);
    const { engine } = await startTestEngine(tdb.db);
    closers.push(() => tdb.cleanup(), () => engine.close());
    for (let i = 0; i < 300; i++) await engine.create({ label: `l${i}`, amount_msat: msat(1000n), description: 'd' });
    const { server } = await setup({ context: { engine, nodeId: TEST_NODE_KEYS.nodeId } });
    const labels = async (p: Record<string, unknown>, filter?: unknown) =>
      ((await server.call('listinvoices', p, filter ? { filter } : {})).result.invoices as { label: string }[]).map((i) => i.label);
    const all = Array.from({ length: 300 }, (_, i) => `l${i}`);
    expect(await labels({ index: 'created', limit: 100, start: 5 })).toEqual(all.slice(4, 104));
    expect(await labels({ reverse: true })).toEqual([...all].reverse());
    expect(await labels({ index: 'created', reverse: true, start: 280, limit: 20 })).toEqual(all.slice(260, 280).reverse());
    expect(await labels({ status: 'paid' })).toEqual([]);
    expect(await labels({}, { invoices: [{ label: true }] })).toEqual(all);
    expect((await server.call('listinvoices', {}, { filter: { invoices: [{ label: true }] } })).result.invoices[0]).toEqual({ label: 'l0' });
    // A filter of another shape gets the whole result, filtered as usual.
    expect((await server.call('listinvoices', {}, { filter: {} })).result).toEqual({});
  });
});

describe('fair turns (item 4)', () => {
  it("answers another client's request within one slice of a pipelining client's backlog", async () => {
    const { path } = await setup();
    const a = await RawClient.connect(path);
    const b = await RawClient.connect(path);
    const N = 20_000;
    void a.write(Array.from({ length: N }, (_, i) => req(i, 'getinfo')).join(''));
    await a.waitResponses(1);
    await b.write(req('b', 'getinfo'));
    await b.waitResponses(1);
    const aWhenB = a.responses.length;
    // Before: every answer reset the per-turn limit, so the backlog ran in one go (b came after all 20,000).
    expect(aWhenB).toBeLessThan(N / 4);
    await a.waitResponses(N);
    expect(a.responses).toHaveLength(N);
    a.socket.destroy();
    b.socket.destroy();
  });

  it('1,000 waits on one connection print no listener warning', async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.name);
    process.on('warning', onWarning);
    try {
      const { path, engine } = await setup();
      for (let i = 0; i < 1000; i++) engine.add({ label: `w${i}` });
      const c = await RawClient.connect(path);
      await c.write(Array.from({ length: 1000 }, (_, i) => req(i, 'waitinvoice', [`w${i}`])).join(''));
      await vi.waitFor(() => expect(engine.waiterCount).toBe(1000), { timeout: 15_000, interval: 5 });
      c.socket.destroy();
      await new Promise((r) => setImmediate(r));
    } finally {
      process.off('warning', onWarning);
    }
    expect(warnings).not.toContain('MaxListenersExceededWarning');
  });
});

describe('slow and idle requests (item 14)', () => {
  it('refuses a request left incomplete for the timeout, on the injected clock', async () => {
    const clock = new ManualClock();
    const { path, server } = await setup({ clock, requestTimeoutMs: 30_000 } as Partial<RpcServerOptions>);
    const slow = await RawClient.connect(path);
    const busy = await RawClient.connect(path);
    await slow.write('{"jsonrpc":"2.0","id":1,"method":"get');
    // The busy client keeps completing requests: it is making progress, whatever the clock says.
    for (let i = 0; i < 3; i++) {
      await busy.write(req(i, 'getinfo') + '{"jsonrpc":"2.0",');
      await busy.waitResponses(2 * i + 1);
      await vi.waitFor(() => expect(server.bufferedRequestBytes).toBeGreaterThan(0), { timeout: 15_000, interval: 5 });
      clock.advance(20_000);
      await busy.write('"id":"x' + i + '","method":"getinfo","params":[]}');
      await busy.waitResponses(2 * i + 2);
    }
    await slow.until(() => slow.ended);
    expect(slow.responses).toEqual([{ jsonrpc: '2.0', id: null, error: { code: -32600, message: 'Request incomplete after 30 seconds' } }]);
    expect(busy.ended).toBe(false);
    expect(busy.responses.every((r) => r['result'] !== undefined)).toBe(true);
    busy.socket.destroy();
  });

  it('caps the request bytes buffered across connections; small requests still go through', async () => {
    const clock = new ManualClock();
    const cap = 1024 * 1024;
    const { path, server } = await setup({ clock, requestTimeoutMs: 30_000, turnLimits: { maxBufferedRequestBytes: cap } } as Partial<RpcServerOptions>);
    const partial = '{"jsonrpc":"2.0","id":1,"method":"getinfo","params":["' + 'a'.repeat(512 * 1024);
    const hogs = await Promise.all(Array.from({ length: 8 }, () => RawClient.connect(path)));
    for (const h of hogs) h.socket.write(partial);
    const buffered = await settled(() => server.bufferedRequestBytes);
    // 4 MiB sent: the framers hold about the cap (each read is at most 64 KiB over it).
    expect(buffered).toBeLessThan(cap + 8 * 64 * 1024);
    const small = await RawClient.connect(path);
    await small.write(req('s', 'getinfo'));
    await small.waitResponses(1);
    expect(small.responses[0]!['result']).toHaveProperty('id');
    clock.advance(30_000);
    for (const h of hogs) await h.until(() => h.ended);
    await vi.waitFor(() => expect(server.bufferedRequestBytes).toBe(0), { timeout: 15_000, interval: 5 });
    small.socket.destroy();
  });
});
