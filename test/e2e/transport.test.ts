/**
 * The socket, end to end against the built daemon: framing (concatenated and split requests), malformed
 * envelopes with CLN's codes and messages, oversized and truncated input, out-of-order completion, exact
 * big numbers, and 200 concurrent connections. Runs on SQLite, and on PostgreSQL when configured.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { E2E_DATABASES, daemonBuilt, dropPgSchemas, startDaemon, type TestDaemon } from '../helpers/daemon.js';
import { RpcClient, type RpcReply } from '../helpers/rpc-client.js';

const MAX_REQUEST = 65_536;

for (const db of E2E_DATABASES) {
  describe.skipIf(!daemonBuilt() || db.skip)(`socket transport (${db.name})`, () => {
    let d: TestDaemon;
    beforeAll(async () => {
      d = await startDaemon({ ...(db.database ? { database: db.database } : {}), args: [`--max-request-size=${MAX_REQUEST}`] });
    });
    afterAll(async () => {
      expect(await d.stop()).toEqual({ code: 0, signal: null });
    });

    /** Sends raw text on a fresh connection; returns every message until the daemon ends the connection or `n` arrive. */
    async function exchange(text: string | string[], n: number): Promise<{ msgs: RpcReply[]; client: RpcClient }> {
      const c = await d.connect();
      for (const part of Array.isArray(text) ? text : [text]) c.write(part);
      const msgs: RpcReply[] = [];
      while (msgs.length < n) {
        const m = await c.next();
        if (!m) break;
        msgs.push(m);
      }
      return { msgs, client: c };
    }

    it('answers concatenated requests sent in one write, each followed by a blank line', async () => {
      const reqs = [1, 2, 3].map((i) => JSON.stringify({ jsonrpc: '2.0', id: i, method: 'getinfo', params: [] }));
      const c = await d.connect();
      let raw = '';
      c.socket.on('data', (s: string) => (raw += s));
      const replies = Promise.all([1, 2, 3].map((i) => c.expect(i)));
      c.write(reqs[0]! + reqs[1]! + '\n  \n' + reqs[2]!);
      const got = await replies;
      expect(got.map((r) => r.id)).toEqual([1, 2, 3]);
      expect(got.every((r) => r.result?.network === 'regtest')).toBe(true);
      expect(raw.split('\n\n').filter(Boolean)).toHaveLength(3);
      expect(raw.endsWith('}\n\n')).toBe(true);
      c.destroy();
    });

    it('reassembles a request that arrives byte by byte', async () => {
      const text = JSON.stringify({ jsonrpc: '2.0', id: 'split', method: 'getinfo', params: {} });
      const c = await d.connect();
      const reply = c.expect('split');
      for (const ch of text) {
        c.write(ch);
        await new Promise((r) => setImmediate(r));
      }
      expect((await reply).result.network).toBe('regtest');
      c.destroy();
    });

    it('completes responses out of order on one connection', async () => {
      const c = await d.connect();
      const now = (await c.call('wait', ['invoices', 'created', 0])).result.created as number;
      const order: string[] = [];
      const waiting = c.call('wait', ['invoices', 'created', now + 1]).then((r) => (order.push('wait'), r));
      const info = await c.call('getinfo', {}).then((r) => (order.push('getinfo'), r));
      expect(info.result.id).toBeDefined();
      const other = await d.connect();
      const made = await other.call('invoice', [1000, `ooo-${db.name}`, 'wakes the wait']);
      const w = await waiting;
      expect(order).toEqual(['getinfo', 'wait']);
      expect(w.result).toEqual({
        subsystem: 'invoices',
        created: made.result.created_index,
        invoices: { status: 'unpaid', label: `ooo-${db.name}`, bolt11: made.result.bolt11 },
      });
      c.destroy();
      other.destroy();
    });

    it.each([
      ['no jsonrpc member', '{"id":1,"method":"getinfo","params":{}}'],
      ['a batch array', '[{"jsonrpc":"2.0","id":1,"method":"getinfo","params":{}}]'],
      ['broken JSON', '{"jsonrpc":"2.0","id":1,,}'],
    ])('answers %s with -32600, id null, and hangs up', async (_name, text) => {
      const { msgs, client } = await exchange(text + '{"jsonrpc":"2.0","id":2,"method":"getinfo","params":{}}', 2);
      expect(msgs).toHaveLength(1);
      expect(msgs[0]).toMatchObject({ jsonrpc: '2.0', id: null, error: { code: -32600 } });
      await client.closed;
      expect(client.remoteEnded).toBe(true);
    });

    it.each([
      ['{"jsonrpc":"1.0","id":5,"method":"getinfo","params":{}}', -32600, 'jsonrpc: "2.0" must be specified in the request', null],
      ['{"jsonrpc":"2.0","method":"getinfo","params":{}}', -32600, 'No id', null],
      ['{"jsonrpc":"2.0","id":{"a":1},"method":"getinfo","params":{}}', -32600, 'Expected string/primitive for id', null],
      ['{"jsonrpc":"2.0","id":6,"params":{}}', -32600, 'No method', 6],
      ['{"jsonrpc":"2.0","id":7,"method":"getinfo"}', -32600, 'No params', 7],
      ['{"jsonrpc":"2.0","id":8,"method":42,"params":{}}', -32600, 'Expected string for method', 8],
      ['{"jsonrpc":"2.0","id":"x","method":"nosuch","params":{}}', -32601, "Unknown command 'nosuch'", 'x'],
      ['{"jsonrpc":"2.0","id":9,"method":"getinfo","params":"x"}', -32602, 'Expected array or object for params', 9],
    ])('rejects %s and keeps the connection open', async (text, code, message, id) => {
      const { msgs, client } = await exchange(text + '{"jsonrpc":"2.0","id":"after","method":"getinfo","params":{}}', 2);
      expect(msgs[0]).toMatchObject({ id, error: { code, message } });
      expect(msgs[1]).toMatchObject({ id: 'after', result: { network: 'regtest' } });
      client.destroy();
    });

    it('refuses an oversized request and closes only that connection', async () => {
      const bystander = await d.connect();
      const big = JSON.stringify({ jsonrpc: '2.0', id: 'big', method: 'invoice', params: [1000, 'big', 'x'.repeat(MAX_REQUEST)] });
      const { msgs, client } = await exchange(big, 1);
      expect(msgs[0]).toMatchObject({ error: { code: -32600 } });
      await client.closed;
      expect((await bystander.call('listinvoices', { label: 'big' })).result).toEqual({ invoices: [] });
      bystander.destroy();
    });

    it('survives truncated input: a client that sends half a request and leaves', async () => {
      for (const cut of [1, 10, 40]) {
        const c = await d.connect();
        c.write('{"jsonrpc":"2.0","id":1,"method":"invoice","params":[1000,"trunc","d"]}'.slice(0, cut));
        cut === 10 ? c.destroy() : await c.close();
      }
      const c = await d.connect();
      expect((await c.call('listinvoices', { label: 'trunc' })).result).toEqual({ invoices: [] });
      expect((await c.call('getinfo', {})).result.network).toBe('regtest');
      c.destroy();
    });

    it('keeps amounts above 2^53 exact on the wire', async () => {
      const amount = '9007199254740993';
      const c = await d.connect();
      const id = 'big-amount';
      const reply = c.expect(id);
      c.write(`{"jsonrpc":"2.0","id":"${id}","method":"invoice","params":[${amount},"big-${db.name}","x"]}`);
      expect((await reply).error).toBeUndefined();
      const list = await c.call('listinvoices', { label: `big-${db.name}` });
      expect(list.raw).toContain(`"amount_msat":${amount},`);
      c.destroy();
    });

    it('serves 200 concurrent connections, each creating an invoice', async () => {
      const clients = await Promise.all(Array.from({ length: 200 }, () => d.connect()));
      const replies = await Promise.all(clients.map((c, i) => c.call('invoice', [1000 + i, `conc-${i}`, `concurrent ${i}`])));
      expect(replies.filter((r) => r.error)).toEqual([]);
      const idx = replies.map((r) => r.result.created_index as number).sort((a, b) => a - b);
      expect(new Set(idx).size).toBe(200);
      expect(idx[199]! - idx[0]!).toBe(199); // contiguous: nobody else created meanwhile
      const listed = await clients[0]!.call('listinvoices', { index: 'created', start: idx[0], limit: 200 });
      expect(listed.result.invoices.map((i: { label: string }) => i.label).sort()).toEqual(
        Array.from({ length: 200 }, (_, i) => `conc-${i}`).sort(),
      );
      await Promise.all(clients.map((c) => c.close()));
    });
  });
}

afterAll(dropPgSchemas);
