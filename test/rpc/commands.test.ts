import { describe, expect, it } from 'vitest';
import { makeHarness, NODE_ID } from './harness.js';
import { INVOICE_COMMANDS } from '../../src/rpc/index.js';
import { GETINFO_KEYS, NEUTRAL_GETINFO } from '../helpers/cln-facts.js';

const HASH = 'ab'.repeat(32);

describe('getinfo', () => {
  it("has every field of CLN's schema, in CLN's order, with neutral values before the node reports", async () => {
    const { server, engine } = makeHarness({ context: { blockheight: () => 812_345, lightningDir: '/d/regtest' } });
    engine.add({ label: 'a' });
    engine.add({ label: 'b' });
    engine.pay('b');
    const r = await server.call('getinfo');
    expect(r.result).toEqual({
      ...NEUTRAL_GETINFO,
      id: Buffer.from(NODE_ID).toString('hex'),
      color: '021111',
      version: 'v0.1.0-test',
      blockheight: 812_345,
      network: 'regtest',
      'lightning-dir': '/d/regtest',
      invoices: { unpaid: 1, paid: 1, expired: 0, created_index: 2, updated_index: 1, deleted_index: 0 },
    });
    expect(Object.keys(r.result)).toEqual(GETINFO_KEYS);
  });
  it('blockheight is 0 while unknown', async () => {
    const { server } = makeHarness();
    expect((await server.call('getinfo', {})).result.blockheight).toBe(0);
  });
});

describe('help', () => {
  it('lists every command with usage from the table', async () => {
    const { server } = makeHarness();
    const r = await server.call('help');
    expect(r.result['format-hint']).toBe('simple');
    expect(r.result.help).toHaveLength(INVOICE_COMMANDS.length);
    expect(r.result.help).toContainEqual({
      command: 'invoice amount_msat label description [expiry] [fallbacks] [preimage] [exposeprivatechannels] [cltv] [deschashonly] [dev-routes] [webhook] [idempotency_key] [metadata]',
    });
  });
  it('one command, or -32601 for an unknown one', async () => {
    const { server } = makeHarness();
    expect((await server.call('help', ['listinvoices'])).result).toMatchObject({
      help: [{ command: 'listinvoices [label] [invstring] [payment_hash] [offer_id] [index] [start] [limit] [status] [reverse] [metadata_key] [metadata_value]' }],
      'format-hint': 'simple',
    });
    expect((await server.call('help', { command: 'wait' })).result.help).toMatchObject([{ command: 'wait subsystem indexname nextvalue' }]);
    // The holdinvoice plugin's usage, with ours after it.
    expect((await server.call('help', ['holdinvoice'])).result.help).toMatchObject([
      {
        command:
          'holdinvoice amount_msat label description [expiry] [fallbacks] [preimage] cltv [deschashonly] [exposeprivatechannels] [payment_hash] [idempotency_key] [metadata] [webhook]',
      },
    ]);
    expect((await server.call('help', ['nosuch'])).error).toEqual({ code: -32601, message: 'Unknown command nosuch' });
  });
});

describe('stop', () => {
  it('answers "Shutdown complete", then asks the daemon to stop', async () => {
    const h = makeHarness();
    const r = await h.server.call('stop');
    expect(r.result).toEqual({ result: 'Shutdown complete' });
    expect(h.stopsRequested()).toBe(0);
    await new Promise((res) => setImmediate(res));
    expect(h.stopsRequested()).toBe(1);
  });
});

describe('check', () => {
  it('binds another command without running it', async () => {
    const { server, engine } = makeHarness();
    expect((await server.call('check', ['invoice', 1000, 'l', 'd'])).result).toEqual({ command_to_check: 'invoice' });
    expect((await server.call('check', { command_to_check: 'invoice', amount_msat: 'any', label: 1, description: 'd' })).result).toEqual({
      command_to_check: 'invoice',
    });
    expect(engine.invoices).toHaveLength(0);
    expect(engine.calls['create']).toBeUndefined();
  });
  it("reports the checked command's param errors", async () => {
    const { server } = makeHarness();
    expect((await server.call('check', ['invoice', 0, 'l', 'd'])).error).toEqual({
      code: -32602,
      message: "amount_msat: should be positive msat or 'any': invalid token '0'",
    });
    expect((await server.call('check', ['invoice', 1])).error?.message).toBe('missing required parameter: label');
    expect((await server.call('check', ['nosuch'])).error).toEqual({ code: -32601, message: "Unknown command 'nosuch'" });
    expect((await server.call('check', [])).error?.message).toBe('missing required parameter: command_to_check');
    expect((await server.call('check', { amount_msat: 1 })).error?.message).toBe('missing required parameter: command_to_check');
  });
  it('echoes the refused token under check, as CLN does, even without --developer', async () => {
    const { server } = makeHarness({ context: { developer: false } });
    const r = await server.call('check', { command_to_check: 'createinvoice', invstring: 'lnbc1', label: 'l', preimage: 'cafe' });
    expect(r.error).toEqual({ code: -32602, message: 'preimage: should be 64 hex digits: invalid token \'"cafe"\'' });
  });
  it('refuses, as the real call does, a command whose module this server was built without (issue 12)', async () => {
    const { server } = makeHarness();
    const calls: [string, unknown[]][] = [
      ['invoicerequest', [1000, 'd']],
      ['sendinvoice', ['lnr1qqq', 'refund']],
      ['wait', ['outbox', 'created', 1]],
    ];
    for (const [command, params] of calls) {
      const real = (await server.call(command, params)).error;
      expect(real).toEqual({ code: -1, message: 'offers are not enabled in this daemon' });
      expect((await server.call('check', [command, ...params])).error).toEqual(real);
    }
  });
});

describe('invoice', () => {
  it('passes typed params to the engine and answers in CLN order plus expiry_time', async () => {
    const { server, engine } = makeHarness();
    const r = await server.call('invoice', { amount_msat: '2sat', label: 42, description: 'coffee', expiry: 60, cltv: 18, deschashonly: true });
    expect(engine.calls['create']).toEqual([
      {
        amount_msat: 2000n,
        label: '42',
        description: 'coffee',
        expiry: 60n,
        fallbacks: undefined,
        preimage: undefined,
        exposeprivatechannels: undefined,
        cltv: 18,
        deschashonly: true,
      },
    ]);
    expect(Object.keys(r.result)).toEqual(['payment_hash', 'expires_at', 'bolt11', 'payment_secret', 'created_index', 'expiry_time']);
    expect(r.result.expiry_time).toBe(r.result.expires_at);
    expect(r.result.expires_at).toBe(engine.now + 60);
    expect(r.result.payment_secret).toBe('5e'.repeat(32));
  });
  it('"any" amount becomes undefined; warnings come last', async () => {
    const { server, engine } = makeHarness();
    const r = await server.call('invoice', ['any', 'l', 'd', null, null, null, true]);
    expect((engine.calls['create']![0] as { amount_msat: unknown }).amount_msat).toBeUndefined();
    expect(Object.keys(r.result).at(-1)).toBe('warning_exposeprivatechannels');
  });
  it('maps engine errors: 901, 900, -32602 with CLN messages', async () => {
    const { server } = makeHarness();
    await server.call('invoice', [1, 'a', 'd', null, null, HASH]);
    expect((await server.call('invoice', [1, 'b', 'd', null, null, HASH])).error).toEqual({ code: 901, message: 'preimage already used' });
    expect((await server.call('invoice', [1, 'a', 'd'])).error).toEqual({ code: 900, message: "Duplicate label 'a'" });
    const long = 'x'.repeat(129);
    expect((await server.call('invoice', [1, long, 'd'])).error).toEqual({ code: -32602, message: `Label '${long}' over 128 bytes` });
  });
  it('refuses dev-routes, and echoes a bad preimage only with --developer', async () => {
    const { server } = makeHarness({ context: { developer: false } });
    expect((await server.call('invoice', { amount_msat: 1, label: 'l', description: 'd', 'dev-routes': [] })).error).toEqual({
      code: -32602,
      message: 'dev-routes requires --developer',
    });
    expect((await server.call('invoice', [1, 'l', 'd', null, null, 'secretbutshort'])).error).toEqual({
      code: -32602,
      message: 'preimage: should be 64 hex digits: invalid token (see logs for details)',
    });
  });
  it('description must be a string without \\u', async () => {
    const { server } = makeHarness();
    expect((await server.call('invoice', [1, 'l', [['text/plain', 'x']]])).error?.message).toBe(
      'description: should be a string (without \\u): invalid token \'[["text/plain","x"]]\'',
    );
  });
});

describe('listinvoices', () => {
  it('formats every invoice; passes selectors, paging, status and reverse', async () => {
    const { server, engine } = makeHarness();
    engine.add({ label: 'a', amount_msat: 2n ** 64n - 1n, description: 'big' });
    engine.add({ label: 'b' });
    const r = await server.call('listinvoices', { index: 'created', start: 1, limit: 5, status: 'unpaid', reverse: true });
    expect(engine.calls['list']).toEqual([
      { label: undefined, invstring: undefined, payment_hash: undefined, offer_id: undefined, index: 'created', start: 1n, limit: 5, status: 'unpaid', reverse: true },
    ]);
    expect(r.result.invoices.map((i: { label: string }) => i.label)).toEqual(['b', 'a']);
    expect(r.result.invoices[1].amount_msat).toBe(18446744073709551615n);
  });
  it('canonicalises invstring and maps engine param errors', async () => {
    const { server, engine } = makeHarness();
    await server.call('listinvoices', { invstring: 'LIGHTNING:LNBCRT1FAKE1' });
    expect((engine.calls['list']![0] as { invstring: string }).invstring).toBe('lnbcrt1fake1');
    expect((await server.call('listinvoices', ['a', null, HASH])).error).toEqual({
      code: -32602,
      message: 'Can only specify one of {label}, {invstring}, {payment_hash} or {offer_id}',
    });
    expect((await server.call('listinvoices', { index: 'deleted' })).error?.message).toBe("index: unknown index: invalid token '\"deleted\"'");
    expect((await server.call('listinvoices', { bogus: 1 })).error?.message).toMatch(/^unknown parameter: bogus,/);
  });
});

describe('delinvoice', () => {
  it('returns the invoice as it was; 905; 906 with data; 908', async () => {
    const { server, engine } = makeHarness();
    engine.add({ label: 'a', description: 'd' });
    expect((await server.call('delinvoice', ['x', 'unpaid'])).error).toEqual({ code: 905, message: 'Unknown invoice' });
    expect((await server.call('delinvoice', ['a', 'paid'])).error).toEqual({
      code: 906,
      message: 'Invoice status is unpaid not paid',
      data: { current_status: 'unpaid', expected_status: 'paid' },
    });
    const d = await server.call('delinvoice', { label: 'a', status: 'unpaid', desconly: true });
    expect(d.result).not.toHaveProperty('description');
    expect((await server.call('delinvoice', ['a', 'unpaid', true])).error).toEqual({ code: 908, message: 'Invoice description already removed' });
    expect((await server.call('delinvoice', ['a', 'unpaid'])).result.label).toBe('a');
    expect(engine.invoices).toHaveLength(0);
  });
});

describe('createinvoice', () => {
  it('stores through the engine; 900 carries the existing invoice as data', async () => {
    const { server, engine } = makeHarness();
    const r = await server.call('createinvoice', ['LNBCRT1EXT', 'x', HASH]);
    expect(r.result).toMatchObject({ label: 'x', bolt11: 'lnbcrt1ext', status: 'unpaid' });
    expect((engine.calls['createFromInvstring']![0] as { preimage: Uint8Array }).preimage).toEqual(Uint8Array.from(Buffer.from(HASH, 'hex')));
    const dup = await server.call('createinvoice', ['lnbcrt1ext2', 'x', HASH]);
    expect(dup.error).toMatchObject({ code: 900, message: 'Duplicate label', data: { label: 'x', bolt11: 'lnbcrt1ext', status: 'unpaid' } });
  });
});

describe('waits', () => {
  it('waitinvoice resolves when paid; 903 with the invoice on expiry; -1 when unknown or deleted', async () => {
    const { server, engine } = makeHarness();
    engine.add({ label: 'p', amount_msat: 5n });
    engine.add({ label: 'e' });
    engine.add({ label: 'd' });
    const paid = server.call('waitinvoice', ['p']);
    const expired = server.call('waitinvoice', ['e']);
    const deleted = server.call('waitinvoice', { label: 'd' });
    await Promise.resolve();
    engine.pay('p');
    engine.expire('e');
    await server.call('delinvoice', ['d', 'unpaid']);
    expect((await paid).result).toMatchObject({ label: 'p', status: 'paid', pay_index: 1, amount_received_msat: 5 });
    expect((await expired).error).toMatchObject({ code: 903, message: 'invoice expired during wait', data: { label: 'e', status: 'expired' } });
    expect((await deleted).error).toEqual({ code: -1, message: 'Invoice deleted during wait' });
    expect((await server.call('waitinvoice', ['nope'])).error).toEqual({ code: -1, message: 'Label not found' });
  });
  it('waitanyinvoice: defaults lastpay_index to 0; timeout 0 → 904', async () => {
    const { server, engine } = makeHarness();
    engine.add({ label: 'a' });
    expect((await server.call('waitanyinvoice', [0, 0])).error).toEqual({ code: 904, message: 'Timed out while waiting for invoice to be paid' });
    const any = server.call('waitanyinvoice');
    engine.pay('a');
    expect((await any).result).toMatchObject({ label: 'a', pay_index: 1 });
    expect(engine.calls['waitAnyInvoice']).toEqual([0n, undefined]);
  });
  it('wait: immediate without details; pending with CLN details; other subsystems refused', async () => {
    const { server, engine } = makeHarness();
    expect((await server.call('wait', ['invoices', 'created', 0])).result).toEqual({ subsystem: 'invoices', created: 0 });
    const w = server.call('wait', { subsystem: 'invoices', indexname: 'created', nextvalue: 1 });
    engine.add({ label: 'n' });
    const r = (await w).result;
    expect(r).toEqual({ subsystem: 'invoices', created: 1, invoices: { status: 'unpaid', label: 'n', bolt11: 'lnbcrt1fake1' } });
    expect(Object.keys(r.invoices)).toEqual(['status', 'label', 'bolt11']);
    const del = server.call('wait', ['invoices', 'deleted', 1]);
    await server.call('delinvoice', ['n', 'unpaid']);
    expect((await del).result).toEqual({ subsystem: 'invoices', deleted: 1, invoices: { status: 'unpaid', label: 'n', bolt11: 'lnbcrt1fake1' } });
    expect((await server.call('wait', ['forwards', 'created', 0])).error).toEqual({
      code: -32602,
      message: "subsystem: not served here: this daemon serves 'invoices', 'outbox' and 'events': invalid token '\"forwards\"'",
    });
    expect((await server.call('wait', ['nosuch', 'created', 0])).error?.message).toBe("subsystem: unknown subsystem: invalid token '\"nosuch\"'");
    expect((await server.call('wait', ['invoices', 'paid', 0])).error?.message).toBe("indexname: unknown index: invalid token '\"paid\"'");
    const ac = new AbortController();
    const big = server.call('wait', ['invoices', 'created', 18446744073709551615n], { signal: ac.signal });
    await Promise.resolve();
    expect(engine.calls['wait']).toEqual(['created', 18446744073709551615n]);
    ac.abort();
    expect((await big).error?.code).toBe(-5);
  });
  it('an aborted signal ends a pending wait', async () => {
    const { server, engine } = makeHarness();
    engine.add({ label: 'x' });
    const ac = new AbortController();
    const w = server.call('waitinvoice', ['x'], { signal: ac.signal });
    await Promise.resolve();
    expect(engine.waiterCount).toBe(1);
    ac.abort();
    expect((await w).error).toEqual({ code: -5, message: 'Shutting down' });
    expect(engine.waiterCount).toBe(0);
  });
});

describe('autoclean', () => {
  it('autoclean-once and autoclean-status in CLN shapes', async () => {
    const { server, engine } = makeHarness();
    expect((await server.call('autoclean-once', ['expiredinvoices', 3600])).result).toEqual({
      autoclean: { expiredinvoices: { cleaned: 2, uncleaned: 1 } },
    });
    expect(engine.calls['autocleanOnce']).toEqual(['expiredinvoices', 3600n]);
    expect((await server.call('autoclean-once', ['expiredinvoices', 0])).error?.message).toBe("age: Must be non-zero: invalid token '0'");
    expect((await server.call('autoclean-once', ['bogus', 1])).error?.message).toBe(
      "subsystem: should be a valid subsystem name: invalid token '\"bogus\"'",
    );
    const all = (await server.call('autoclean-status')).result.autoclean;
    expect(Object.keys(all)).toHaveLength(7);
    expect(all.expiredinvoices).toEqual({ enabled: true, age: 86400, cleaned: 3 });
    expect(all.paidinvoices).toEqual({ enabled: false, cleaned: 0 });
    expect((await server.call('autoclean-status', ['paidinvoices'])).result).toEqual({ autoclean: { paidinvoices: { enabled: false, cleaned: 0 } } });
  });
});

describe('filter', () => {
  it('applies to results, keeps order, warns on shape mismatch', async () => {
    const { server, engine } = makeHarness();
    engine.add({ label: 'a', amount_msat: 7n, description: 'd' });
    const r = await server.call('listinvoices', [], { filter: { invoices: [{ status: true, label: true, nosuch: true }] } });
    expect(r.result).toEqual({ invoices: [{ label: 'a', status: 'unpaid' }] });
    expect(Object.keys(r.result.invoices[0])).toEqual(['label', 'status']);
    const w = await server.call('listinvoices', [], { filter: { invoices: { label: true } } });
    expect(w.result).toEqual({ warning_parameter_filter: '.invoices is an array' });
    const o = await server.call('getinfo', [], { filter: { our_features: [true], id: true } });
    expect(o.result).toEqual({ id: expect.any(String), warning_parameter_filter: '.our_features is an object' });
    expect((await server.call('getinfo', [], { filter: {} })).result).toEqual({});
    // Errors are never filtered.
    expect((await server.call('delinvoice', ['zz', 'paid'], { filter: { label: true } })).error).toEqual({ code: 905, message: 'Unknown invoice' });
  });
});
