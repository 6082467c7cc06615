import { afterEach, describe, expect, it, vi } from 'vitest';
import { makeHarness } from './harness.js';
import { listen, RawClient, req, settled as settledAt, type Listening } from './socket-client.js';
import type { RequestInfo, RpcServerOptions } from '../../src/rpc/index.js';

let open: Listening[] = [];
afterEach(async () => {
  await Promise.all(open.map((l) => l.close()));
  open = [];
});

async function setup(over: Partial<RpcServerOptions> = {}) {
  const h = makeHarness(over);
  const l = await listen(h.server);
  open.push(l);
  return { ...h, path: l.path };
}

/** Resolves once `f()` equals `value`, however long a loaded machine takes to get there. */
async function reaches(f: () => number, value: number): Promise<void> {
  await vi.waitFor(() => expect(f()).toBe(value), { timeout: 15_000, interval: 5 });
}

/** `f()` once it has stopped changing over several turns of I/O (for "no more than" checks). */
const settled = (f: () => number) => settledAt(f, { checks: 5, everyMs: 10 });

describe('framing over a Unix socket', () => {
  it('answers concatenated requests sent in one write, each followed by a blank line', async () => {
    const { path } = await setup();
    const c = await RawClient.connect(path);
    await c.write(req(1, 'getinfo') + req(2, 'help', ['stop']) + '\n\n' + req(3, 'nosuch'));
    await c.waitResponses(3);
    expect(c.byId(2)!['result']).toMatchObject({ help: [{ command: 'stop' }], 'format-hint': 'simple' });
    expect(c.byId(3)!['error']).toEqual({ code: -32601, message: "Unknown command 'nosuch'" });
    expect(c.byId(1)!['result']).toHaveProperty('id');
    c.socket.destroy();
  });

  it('assembles a request arriving byte by byte', async () => {
    const { path } = await setup();
    const c = await RawClient.connect(path);
    const bytes = Buffer.from(req('b', 'invoice', { amount_msat: 'any', label: 'café ☕', description: 'd' }));
    for (const b of bytes) await c.write(Uint8Array.of(b));
    await c.waitResponses(1);
    expect(c.responses[0]).toMatchObject({ id: 'b', result: { bolt11: 'lnbcrt1fake1' } });
    c.socket.destroy();
  });

  it('completes responses out of order: a wait does not hold back later requests', async () => {
    const { path, engine } = await setup();
    engine.add({ label: 'w' });
    const c = await RawClient.connect(path);
    await c.write(req(1, 'waitinvoice', ['w']) + req(2, 'getinfo'));
    await c.waitResponses(1);
    expect(c.responses[0]!['id']).toBe(2);
    engine.pay('w');
    await c.waitResponses(2);
    expect(c.responses[1]).toMatchObject({ id: 1, result: { label: 'w', status: 'paid' } });
    c.socket.destroy();
  });

  it('writes numbers above 2^53 exactly', async () => {
    const { path, engine } = await setup();
    engine.add({ label: 'big', amount_msat: 18446744073709551615n });
    const c = await RawClient.connect(path);
    await c.write('{"jsonrpc":"2.0","id":18446744073709551617,"method":"listinvoices","params":["big"]}');
    await c.waitResponses(1);
    expect(c.texts[0]).toContain('"amount_msat":18446744073709551615');
    expect(c.texts[0]!.startsWith('{"jsonrpc":"2.0","id":18446744073709551617,')).toBe(true);
    expect(c.responses[0]!['id']).toBe(18446744073709551617n);
    c.socket.destroy();
  });
});

describe('bad input', () => {
  it('oversized request: -32600 then the connection is closed', async () => {
    const { path } = await setup({ maxRequestBytes: 1000 });
    const c = await RawClient.connect(path);
    await c.write(req(1, 'invoice', ['any', 'l', 'x'.repeat(2000)]));
    await c.until(() => c.ended || c.closed);
    expect(c.responses).toEqual([{ jsonrpc: '2.0', id: null, error: { code: -32600, message: 'Request too large: more than 1000 bytes' } }]);
  });

  it('oversized partial request is refused before it completes (memory stays bounded)', async () => {
    const { path } = await setup({ maxRequestBytes: 4096 });
    const c = await RawClient.connect(path);
    await c.write('{"jsonrpc":"2.0","id":1,"method":"invoice","params":["' + 'x'.repeat(8192));
    await c.until(() => c.ended || c.closed);
    expect(c.responses[0]!['error']).toEqual({ code: -32600, message: 'Request too large: more than 4096 bytes' });
  });

  it('no jsonrpc member: -32600 id null, connection half-closed after pending answers', async () => {
    const { path, engine } = await setup();
    engine.add({ label: 'w' });
    const c = await RawClient.connect(path);
    await c.write(req(1, 'waitinvoice', ['w']) + '{"id":2,"method":"getinfo","params":[]}' + req(3, 'getinfo'));
    await c.waitResponses(1);
    expect(c.responses[0]).toEqual({
      jsonrpc: '2.0',
      id: null,
      error: { code: -32600, message: 'JSON-RPC message does not contain "jsonrpc" field: \'{"id":2,"method":"getinfo","params":[]}\'' },
    });
    expect(c.ended).toBe(false);
    engine.pay('w');
    await c.until(() => c.ended);
    // The wait was answered; the request after the bad one was never read.
    expect(c.responses.map((r) => r['id'])).toEqual([null, 1]);
  });

  it('broken JSON: -32600 id null and hang-up', async () => {
    const { path } = await setup();
    const c = await RawClient.connect(path);
    await c.write('{"jsonrpc":"2.0","id":1,]}');
    await c.until(() => c.ended);
    expect(c.responses).toHaveLength(1);
    expect(c.responses[0]).toMatchObject({ id: null, error: { code: -32600 } });
    expect((c.responses[0]!['error'] as { message: string }).message).toMatch(/^Invalid JSON: /);
  });

  it('a wrong jsonrpc version keeps the connection open', async () => {
    const { path } = await setup();
    const c = await RawClient.connect(path);
    await c.write('{"jsonrpc":"1.0","id":1,"method":"getinfo","params":[]}' + req(2, 'getinfo'));
    await c.waitResponses(2);
    expect(c.responses[0]!['error']).toEqual({ code: -32600, message: 'jsonrpc: "2.0" must be specified in the request' });
    expect(c.responses[1]!['id']).toBe(2);
    c.socket.destroy();
  });

  it('one broken connection never affects another', async () => {
    const { path, engine } = await setup({ maxRequestBytes: 500 });
    engine.add({ label: 'w' });
    const good = await RawClient.connect(path);
    await good.write(req(1, 'waitinvoice', ['w']));
    const bad = await RawClient.connect(path);
    await bad.write('x'.repeat(600));
    await bad.until(() => bad.ended || bad.closed);
    const bad2 = await RawClient.connect(path);
    await bad2.write('{"jsonrpc":"2.0","id":1,"method":"getinfo","params":[');
    bad2.socket.destroy();
    engine.pay('w');
    await good.waitResponses(1);
    expect(good.responses[0]).toMatchObject({ id: 1, result: { status: 'paid' } });
    good.socket.destroy();
  });
});

describe('connection lifecycle', () => {
  it('a client that ends its side still gets its answers (its waits are aborted), then the server ends', async () => {
    const { path, engine } = await setup();
    engine.add({ label: 'w' });
    const c = await RawClient.connect(path);
    c.socket.write(req(1, 'waitinvoice', ['w']) + req(2, 'getinfo') + req(3, 'listinvoices', ['w']));
    c.socket.end();
    await c.until(() => c.ended);
    expect(c.byId(1)!['error']).toEqual({ code: -1, message: 'Connection closed by client' });
    expect(c.byId(2)!['result']).toHaveProperty('id');
    expect((c.byId(3)!['result'] as { invoices: unknown[] }).invoices).toHaveLength(1);
    expect(engine.waiterCount).toBe(0);
  });

  it('closing the connection aborts its pending waits', async () => {
    const { path, engine, server } = await setup();
    engine.add({ label: 'w' });
    const c = await RawClient.connect(path);
    await c.write(req(1, 'waitinvoice', ['w']) + req(2, 'wait', ['invoices', 'created', 99]));
    await reaches(() => engine.waiterCount, 2);
    expect(server.connectionCount).toBe(1);
    c.socket.destroy();
    await reaches(() => engine.waiterCount + server.connectionCount, 0);
  });

  it('serves 200 concurrent connections', async () => {
    const { path, server } = await setup();
    const clients: RawClient[] = [];
    for (let i = 0; i < 200; i++) clients.push(await RawClient.connect(path));
    await Promise.all(clients.map((c, i) => c.write(req(i, 'invoice', ['any', `l${i}`, 'd']))));
    await Promise.all(clients.map((c) => c.waitResponses(1)));
    expect(server.connectionCount).toBe(200);
    const indexes = clients.map((c) => (c.responses[0]!['result'] as { created_index: number }).created_index).sort((a, b) => a - b);
    expect(indexes).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    for (const c of clients) c.socket.destroy();
    await reaches(() => server.connectionCount, 0);
  });

  it('a thousand idle connections cost little and do not slow a busy one', async () => {
    const { path, server } = await setup();
    const before = process.memoryUsage().heapUsed;
    const idle: RawClient[] = [];
    // One at a time: a burst of Unix-socket connects can overrun the listen backlog (EAGAIN).
    for (let i = 0; i < 1000; i++) idle.push(await RawClient.connect(path));
    await reaches(() => server.connectionCount, 1000);
    // Both ends live in this process; the server side holds no read buffer for an idle connection.
    const perConnection = (process.memoryUsage().heapUsed - before) / 1000;
    expect(perConnection).toBeLessThan(20_000);
    const busy = idle[0]!;
    await busy.write(req(1, 'getinfo'));
    await busy.waitResponses(1);
    for (const c of idle) c.socket.destroy();
    await reaches(() => server.connectionCount, 0);
  });

  it('closeConnections aborts waits and ends every connection', async () => {
    const { path, engine, server } = await setup();
    engine.add({ label: 'w' });
    const a = await RawClient.connect(path);
    const b = await RawClient.connect(path);
    await a.write(req(1, 'waitinvoice', ['w']));
    await b.write(req(1, 'getinfo'));
    await b.waitResponses(1);
    await reaches(() => engine.waiterCount, 1);
    await server.closeConnections();
    await a.until(() => a.ended);
    await b.until(() => b.ended);
    expect(a.responses).toEqual([{ jsonrpc: '2.0', id: 1, error: { code: -5, message: 'Shutting down' } }]);
    expect(server.connectionCount).toBe(0);
    expect(engine.waiterCount).toBe(0);
  });
});

describe('back-pressure', () => {
  it('a client that does not read stops being served; nothing is lost once it reads', async () => {
    const done: RequestInfo[] = [];
    const { path } = await setup({ highWaterMark: 16 * 1024, onRequest: (i) => done.push(i) });
    const c = await RawClient.connect(path);
    c.socket.pause();
    const N = 20_000;
    const batch = Array.from({ length: N }, (_, i) => req(i, 'help', ['invoice'])).join('');
    c.socket.write(batch);
    const served = await settled(() => done.length);
    // Kernel socket buffers plus the high-water mark hold a few thousand small responses at most.
    expect(served).toBeLessThan(N / 2);
    c.socket.resume();
    await c.waitResponses(N);
    expect(c.responses).toHaveLength(N);
    expect(new Set(c.responses.map((r) => r['id'])).size).toBe(N);
    c.socket.destroy();
  });

  it('stops reading at maxPending requests in flight, resumes as they finish', async () => {
    const { path, engine } = await setup({ maxPending: 3 });
    for (const l of ['a', 'b', 'c', 'd']) engine.add({ label: l });
    const c = await RawClient.connect(path);
    await c.write(['a', 'b', 'c', 'd'].map((l, i) => req(i, 'waitinvoice', [l])).join('') + req(9, 'getinfo'));
    await reaches(() => engine.waiterCount, 3);
    // ...and no further: the fourth wait is not read while three are in flight.
    expect(await settled(() => engine.waiterCount)).toBe(3);
    expect(c.responses).toHaveLength(0);
    engine.pay('a');
    await c.waitResponses(1);
    // The freed slot goes to the next request read: the wait for 'd'.
    await reaches(() => engine.waiterCount, 3);
    expect(c.responses.map((r) => r['id'])).toEqual([0]);
    engine.pay('b');
    await c.waitResponses(3);
    expect(c.responses.map((r) => r['id'])).toEqual([0, 1, 9]);
    c.socket.destroy();
  });
});
