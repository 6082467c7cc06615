/**
 * Every command over the real socket, with its errors (reference §4), against the built daemon. The
 * assertions are CLN's codes and messages. Runs on SQLite, and on PostgreSQL when configured.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256 } from '@noble/hashes/sha2.js';
import { nodeKeysFromSeed } from '../../src/crypto/node-keys.js';
import { fromHex, toHex } from '../../src/util/hex.js';
import { E2E_DATABASES, daemonBuilt, dropPgSchemas, startDaemon, TEST_SEED, type TestDaemon } from '../helpers/daemon.js';
import type { RpcClient } from '../helpers/rpc-client.js';

const NODE_ID = toHex(nodeKeysFromSeed(TEST_SEED).nodeId);

for (const db of E2E_DATABASES) {
  describe.skipIf(!daemonBuilt() || db.skip)(`commands over the socket (${db.name})`, () => {
    let d: TestDaemon;
    let c: RpcClient;
    beforeAll(async () => {
      d = await startDaemon(db.database ? { database: db.database } : {});
      c = await d.connect();
    });
    afterAll(async () => {
      c.destroy();
      expect(await d.stop()).toEqual({ code: 0, signal: null });
    });
    const err = async (method: string, params: unknown) => (await c.call(method, params)).error;

    it('getinfo: id, network, version, features and invoice counts', async () => {
      const r = (await c.call('getinfo', {})).result;
      expect(r).toMatchObject({ id: NODE_ID, network: 'regtest', version: '0.1.0', our_features: { invoice: '024100' } });
      expect(r.invoices).toMatchObject({ unpaid: expect.any(Number), paid: 0, expired: expect.any(Number) });
      expect(await err('getinfo', ['extra'])).toEqual({ code: -32602, message: 'too many parameters: got 1, expected 0' });
    });

    it('help lists the commands in CLN form; help <unknown> is -32601', async () => {
      const all = (await c.call('help', [])).result;
      expect(all['format-hint']).toBe('simple');
      const names = all.help.map((h: { command: string }) => h.command.split(' ')[0]);
      for (const n of ['getinfo', 'help', 'stop', 'check', 'invoice', 'createinvoice', 'listinvoices', 'delinvoice',
        'waitinvoice', 'waitanyinvoice', 'wait', 'autoclean-once', 'autoclean-status', 'decode', 'decodepay'])
        expect(names).toContain(n);
      const one = (await c.call('help', ['delinvoice'])).result;
      expect(one.help).toMatchObject([{ command: 'delinvoice label status [desconly]' }]);
      expect(one.help[0].verbose).toContain('  desconly (boolean; optional, default false): ');
      expect((await err('help', ['nosuch']))?.code).toBe(-32601);
    });

    it('invoice: CLN result fields, signed by the node, and its parameter errors', async () => {
      const r = (await c.call('invoice', { amount_msat: '10sat', label: 'inv-1', description: 'coffee', expiry: 300 })).result;
      expect(Object.keys(r).slice(0, 5)).toEqual(['payment_hash', 'expires_at', 'bolt11', 'payment_secret', 'created_index']);
      expect(r.bolt11).toMatch(/^lnbcrt100n1/);
      const dec = (await c.call('decode', [r.bolt11])).result;
      expect(dec).toMatchObject({ type: 'bolt11 invoice', valid: true, payee: NODE_ID, amount_msat: 10_000, description: 'coffee', expiry: 300 });

      expect(await err('invoice', [0, 'z', 'd'])).toEqual({
        code: -32602,
        message: "amount_msat: should be positive msat or 'any': invalid token '0'",
      });
      expect(await err('invoice', [1000, 'inv-1', 'd'])).toEqual({ code: 900, message: "Duplicate label 'inv-1'" });
      expect(await err('invoice', [1000, 'x'.repeat(129), 'd'])).toMatchObject({ code: -32602, message: `Label '${'x'.repeat(129)}' over 128 bytes` });
      expect(await err('invoice', [1000, 'long-desc', 'd'.repeat(640)])).toMatchObject({
        code: -32602,
        message: 'Description greater than 639 bytes invalid (description length 640)',
      });
      expect(await err('invoice', { amount_msat: 1000, label: 'p', description: 'd', preimage: 'zz' })).toMatchObject({ code: -32602 });
      expect(await err('invoice', [1000, 'only-two'])).toEqual({ code: -32602, message: 'missing required parameter: description' });
      expect(await err('invoice', { amount_msat: 1000, label: 'u', description: 'd', bogus: 1 })).toMatchObject({ code: -32602 });
    });

    it('invoice: 901 for a reused preimage, checked before the label', async () => {
      const preimage = '11'.repeat(32);
      const r = (await c.call('invoice', { amount_msat: 'any', label: 'pre-1', description: 'd', preimage })).result;
      expect(r.payment_hash).toBe(toHex(sha256(fromHex(preimage))));
      expect(await err('invoice', { amount_msat: 1000, label: 'pre-1', description: 'd', preimage })).toMatchObject({ code: 901 });
    });

    it('createinvoice: stores and re-signs an external BOLT11; 900 with data, 901, wrong preimage', async () => {
      const preimage = '22'.repeat(32);
      const made = (await c.call('invoice', { amount_msat: 7000, label: 'ext-src', description: 'external', preimage })).result;
      const dup = await err('createinvoice', [made.bolt11, 'ext-src', preimage]);
      expect(dup).toMatchObject({ code: 900, message: 'Duplicate label', data: { label: 'ext-src', status: 'unpaid' } });
      expect((await err('createinvoice', [made.bolt11, 'ext-2', preimage]))?.code).toBe(901);
      expect(await err('createinvoice', [made.bolt11, 'ext-3', '33'.repeat(32)])).toMatchObject({
        code: -32602,
        message: expect.stringContaining('Incorrect preimage'),
      });
      await c.call('delinvoice', ['ext-src', 'unpaid']);
      const stored = (await c.call('createinvoice', [made.bolt11, 'ext-2', preimage])).result;
      expect(stored).toMatchObject({ label: 'ext-2', payment_hash: made.payment_hash, amount_msat: 7000, status: 'unpaid', description: 'external' });
      expect((await c.call('decode', [stored.bolt11])).result).toMatchObject({ valid: true, payee: NODE_ID });
    });

    it('listinvoices: selectors, paging and their errors', async () => {
      await c.call('invoice', [1000, 'list-a', 'a']);
      await c.call('invoice', [1000, 'list-b', 'b']);
      const byLabel = (await c.call('listinvoices', ['list-a'])).result.invoices;
      expect(byLabel).toHaveLength(1);
      expect(Object.keys(byLabel[0])).toEqual([
        'label', 'bolt11', 'payment_hash', 'amount_msat', 'status', 'description', 'expires_at', 'created_index', 'created_at',
      ]);
      const byHash = (await c.call('listinvoices', { payment_hash: byLabel[0].payment_hash })).result.invoices;
      expect(byHash.map((i: { label: string }) => i.label)).toEqual(['list-a']);
      const byString = (await c.call('listinvoices', { invstring: byLabel[0].bolt11 })).result.invoices;
      expect(byString.map((i: { label: string }) => i.label)).toEqual(['list-a']);
      expect((await c.call('listinvoices', ['nope'])).result).toEqual({ invoices: [] });
      const paged = (await c.call('listinvoices', { index: 'created', start: byLabel[0].created_index, limit: 2 })).result.invoices;
      expect(paged.map((i: { label: string }) => i.label)).toEqual(['list-a', 'list-b']);

      expect(await err('listinvoices', { label: 'a', payment_hash: '00'.repeat(32) })).toEqual({
        code: -32602,
        message: 'Can only specify one of {label}, {invstring}, {payment_hash} or {offer_id}',
      });
      expect(await err('listinvoices', { start: 1 })).toEqual({ code: -32602, message: 'Can only specify {start} with {index}' });
      expect(await err('listinvoices', { limit: 1 })).toEqual({ code: -32602, message: 'Can only specify {limit} with {index}' });
      expect((await err('listinvoices', { index: 'paid' }))?.code).toBe(-32602);
    });

    it('delinvoice: 905, 906 with data, 908, and the invoice as it was', async () => {
      await c.call('invoice', [1000, 'del-1', 'to delete']);
      expect(await err('delinvoice', ['no-such', 'unpaid'])).toEqual({ code: 905, message: 'Unknown invoice' });
      expect(await err('delinvoice', ['del-1', 'paid'])).toEqual({
        code: 906,
        message: 'Invoice status is unpaid not paid',
        data: { current_status: 'unpaid', expected_status: 'paid' },
      });
      const dc = (await c.call('delinvoice', { label: 'del-1', status: 'unpaid', desconly: true })).result;
      expect(dc.label).toBe('del-1');
      expect(dc.description).toBeUndefined();
      expect(await err('delinvoice', { label: 'del-1', status: 'unpaid', desconly: true })).toEqual({
        code: 908,
        message: 'Invoice description already removed',
      });
      const gone = (await c.call('delinvoice', ['del-1', 'unpaid'])).result;
      expect(gone).toMatchObject({ label: 'del-1', status: 'unpaid' });
      expect((await c.call('listinvoices', ['del-1'])).result).toEqual({ invoices: [] });
    });

    it('waitinvoice: unknown label, deletion during the wait, expiry (903 with data)', async () => {
      expect(await err('waitinvoice', ['never-made'])).toEqual({ code: -1, message: 'Label not found' });
      await c.call('invoice', [1000, 'wait-del', 'd']);
      const w = c.call('waitinvoice', ['wait-del']);
      await c.call('getinfo', {});
      await (await d.connect()).call('delinvoice', ['wait-del', 'unpaid']);
      expect((await w).error).toEqual({ code: -1, message: 'Invoice deleted during wait' });

      await c.call('invoice', { amount_msat: 1000, label: 'wait-exp', description: 'd', expiry: 30 });
      const w2 = c.call('waitinvoice', ['wait-exp']);
      await c.call('getinfo', {});
      expect((await c.call('dev-clock', { advance: 31 })).error).toBeUndefined();
      const e = (await w2).error;
      expect(e).toMatchObject({ code: 903, message: 'invoice expired during wait', data: { label: 'wait-exp', status: 'expired' } });
      // Already expired: 903 at once.
      expect(await err('waitinvoice', ['wait-exp'])).toMatchObject({ code: 903 });
    });

    it('waitanyinvoice: timeout 0 with nothing paid is 904', async () => {
      expect(await err('waitanyinvoice', { lastpay_index: 0, timeout: 0 })).toEqual({
        code: 904,
        message: 'Timed out while waiting for invoice to be paid',
      });
      const w = c.call('waitanyinvoice', { lastpay_index: 0, timeout: 10 });
      await c.call('getinfo', {});
      await c.call('dev-clock', { advance: 11 });
      expect((await w).error).toMatchObject({ code: 904 });
    });

    it('wait: current value without details; pending until the next bump; bad names', async () => {
      const cur = (await c.call('wait', ['invoices', 'deleted', 0])).result;
      expect(Object.keys(cur)).toEqual(['subsystem', 'deleted']);
      await c.call('invoice', [1000, 'wait-bump', 'd']);
      const w = c.call('wait', { subsystem: 'invoices', indexname: 'deleted', nextvalue: cur.deleted + 1 });
      await c.call('getinfo', {});
      const made = await (await d.connect()).call('delinvoice', ['wait-bump', 'unpaid']);
      expect((await w).result).toEqual({
        subsystem: 'invoices',
        deleted: cur.deleted + 1,
        invoices: { status: 'unpaid', label: 'wait-bump', bolt11: made.result.bolt11 },
      });
      expect((await err('wait', ['nosuch', 'created', 0]))?.code).toBe(-32602);
      expect((await err('wait', ['invoices', 'paid', 0]))?.code).toBe(-32602);
    });

    it('check: validates without running', async () => {
      const r = (await c.call('check', { command_to_check: 'invoice', amount_msat: 1000, label: 'chk', description: 'd' })).result;
      expect(r).toEqual({ command_to_check: 'invoice' });
      expect((await c.call('listinvoices', ['chk'])).result).toEqual({ invoices: [] });
      expect((await err('check', { command_to_check: 'invoice', amount_msat: 0, label: 'chk', description: 'd' }))?.code).toBe(-32602);
    });

    it('autoclean-once and autoclean-status', async () => {
      const once = (await c.call('autoclean-once', ['expiredinvoices', 1])).result;
      expect(once).toEqual({ autoclean: { expiredinvoices: { cleaned: expect.any(Number), uncleaned: expect.any(Number) } } });
      const status = (await c.call('autoclean-status', ['expiredinvoices'])).result;
      expect(status.autoclean.expiredinvoices).toMatchObject({ enabled: false, cleaned: once.autoclean.expiredinvoices.cleaned });
      expect(await err('autoclean-once', ['nonsense', 1])).toMatchObject({ code: -32602 });
      expect(await err('autoclean-once', ['paidinvoices', 0])).toMatchObject({ code: -32602 });
    });

    it('decode and decodepay: errors for garbage', async () => {
      expect((await err('decode', ['lnbcrt1garbage']))?.code).toBe(-32602);
      expect(await err('decodepay', ['lnbcrt1garbage'])).toMatchObject({ code: -1, message: expect.stringMatching(/^Invalid bolt11: /) });
    });

    it('filter: only the requested fields', async () => {
      await c.call('invoice', [1000, 'filt', 'd']);
      const r = await c.call('listinvoices', ['filt'], { filter: { invoices: [{ label: true, status: true }] } });
      expect(r.result).toEqual({ invoices: [{ label: 'filt', status: 'unpaid' }] });
    });
  });
}

afterAll(dropPgSchemas);
