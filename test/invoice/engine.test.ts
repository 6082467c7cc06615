/**
 * The invoice engine against a real database, once per dialect (SQLite in a temp dir, PostgreSQL in a fresh
 * schema): create and its validations, list, delete, expiry, waits, payments, autoclean.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { decodeBolt11 } from '../../src/invoice/bolt11/index.js';
import type { InvoiceEngineImpl } from '../../src/invoice/engine.js';
import { InvoiceError } from '../../src/invoice/errors.js';
import type { Invoice } from '../../src/invoice/invoice.js';
import { paymentSecretFromPreimage } from '../../src/invoice/payments/secret.js';
import type { ManualClock } from '../../src/util/clock.js';
import { toHex } from '../../src/util/hex.js';
import { msat } from '../../src/util/msat.js';
import { DIALECTS, openTestDatabase, startTestEngine, TEST_NODE_KEYS, type TestDatabase } from '../helpers/db.js';

const T0 = 1_700_000_000;
const pre = (n: number) => new Uint8Array(32).fill(n);

/** Expects `p` to reject with an InvoiceError of `kind` and exactly `message`; returns the error. */
async function rejects(p: Promise<unknown>, kind: InvoiceError['kind'], message: string): Promise<InvoiceError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(InvoiceError);
  const e = err as InvoiceError;
  expect({ kind: e.kind, message: e.message }).toEqual({ kind, message });
  return e;
}

/** Settles pending promise callbacks and the engine's writes. */
async function settle(engine: InvoiceEngineImpl): Promise<void> {
  await engine.idle();
  await new Promise((r) => setImmediate(r));
  await engine.idle();
}

/** Waits (without timing assumptions) until `cond` holds, yielding to I/O in between. */
async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 10_000 && !cond(); i++) await new Promise((r) => setTimeout(r, 1));
  expect(cond()).toBe(true);
}

for (const dialect of DIALECTS) {
  describe.skipIf(!dialect.available)(`invoice engine on ${dialect.name}`, () => {
    let t: TestDatabase;
    let engine: InvoiceEngineImpl;
    let clock: ManualClock;

    beforeEach(async () => {
      t = await openTestDatabase(dialect);
      ({ engine, clock } = await startTestEngine(t.db));
    });
    afterEach(async () => {
      await engine.close();
      await t.cleanup();
    });

    const mk = (label: string, extra: Partial<Parameters<InvoiceEngineImpl['create']>[0]> = {}) =>
      engine.create({ label, description: `desc ${label}`, amount_msat: msat(1000n), ...extra });

    describe('invoice (create)', () => {
      it('returns CLN fields, signed by the node key, with the documented BOLT 11 fields', async () => {
        const r = await engine.create({
          label: 'first',
          description: 'coffee',
          amount_msat: msat(250_000_000n),
          preimage: pre(7),
        });
        const inv = r.invoice;
        expect(inv.label).toBe('first');
        expect(inv.kind).toBe('bolt11');
        expect(toHex(inv.payment_hash)).toBe(toHex(sha256(pre(7))));
        expect(toHex(r.payment_secret)).toBe(toHex(paymentSecretFromPreimage(pre(7))));
        expect(inv.status).toBe('unpaid');
        expect(inv.created_index).toBe(1);
        expect(inv.updated_index).toBeUndefined();
        expect(inv.created_at).toBe(T0);
        expect(inv.expires_at).toBe(T0 + 3600);
        expect(inv.amount_msat).toBe(250_000_000n);
        expect(inv.description).toBe('coffee');
        expect(r.warnings).toEqual([]);

        const d = decodeBolt11(inv.invstring);
        expect(d.network).toBe('regtest');
        expect(d.timestamp).toBe(T0);
        expect(d.amount_msat).toBe(250_000_000n);
        expect(toHex(d.payee)).toBe(toHex(TEST_NODE_KEYS.nodeId));
        expect(d.payee_from_n).toBe(false);
        expect(toHex(d.payment_hash)).toBe(toHex(sha256(pre(7))));
        expect(toHex(d.payment_secret!)).toBe(toHex(r.payment_secret));
        expect(d.description).toBe('coffee');
        expect(d.expiry).toBe(3600);
        expect(d.field_order).not.toContain('x');
        expect(d.field_order).not.toContain('n');
        expect(d.min_final_cltv_expiry).toBe(10);
        expect(toHex(d.features!)).toBe('024100');
      });

      it('writes x when expiry is not 3600, c from the cltv parameter, h with deschashonly, no amount for any', async () => {
        const long = 'x'.repeat(1000);
        const r = await engine.create({ label: 'h', description: long, deschashonly: true, expiry: 60n, cltv: 144 });
        const d = decodeBolt11(r.invoice.invstring);
        expect(d.expiry).toBe(60);
        expect(d.field_order).toContain('x');
        expect(d.min_final_cltv_expiry).toBe(144);
        expect(d.description).toBeUndefined();
        expect(toHex(d.description_hash!)).toBe(toHex(sha256(new TextEncoder().encode(long))));
        expect(d.amount_msat).toBeUndefined();
        expect(r.invoice.amount_msat).toBeUndefined();
        expect(r.invoice.description).toBe(long);
        expect(r.invoice.expires_at).toBe(T0 + 60);
      });

      it('uses the configured default expiry', async () => {
        await engine.close();
        ({ engine, clock } = await startTestEngine(t.db, { config: { invoiceExpiry: 604800 } }));
        const r = await mk('week');
        expect(r.invoice.expires_at).toBe(T0 + 604800);
        expect(decodeBolt11(r.invoice.invstring).expiry).toBe(604800);
        expect(decodeBolt11(r.invoice.invstring).min_final_cltv_expiry).toBe(10); // regtest default
      });

      it('accepts amounts up to u64', async () => {
        const big = msat((1n << 64n) - 1n);
        const r = await mk('big', { amount_msat: big });
        expect(r.invoice.amount_msat).toBe(big);
        const [listed] = await engine.list({ label: 'big' });
        expect(listed?.amount_msat).toBe(big);
      });

      it('rejects a zero amount', async () => {
        await rejects(mk('zero', { amount_msat: msat(0n) }), 'InvalidParams', "amount_msat: should be positive msat or 'any'");
      });

      it('limits labels to 128 bytes (escaped form)', async () => {
        await mk('a'.repeat(128));
        const long = 'b'.repeat(129);
        await rejects(mk(long), 'InvalidParams', `Label '${long}' over 128 bytes`);
        // A quote escapes to two bytes: 64 quotes are 128 escaped bytes, 65 are 130.
        await mk('"'.repeat(64));
        await rejects(mk('"'.repeat(65)), 'InvalidParams', `Label '${'"'.repeat(65)}' over 128 bytes`);
        // Multibyte UTF-8 counts bytes: 43 × "€" (3 bytes) = 129.
        await rejects(mk('€'.repeat(43)), 'InvalidParams', `Label '${'€'.repeat(43)}' over 128 bytes`);
      });

      it('limits descriptions to 639 bytes unless deschashonly', async () => {
        await engine.create({ label: 'd639', description: 'd'.repeat(639) });
        await rejects(
          engine.create({ label: 'd640', description: 'd'.repeat(640) }),
          'InvalidParams',
          'Description greater than 639 bytes invalid (description length 640)',
        );
        await rejects(
          engine.create({ label: 'e', description: 'é'.repeat(320) }),
          'InvalidParams',
          'Description greater than 639 bytes invalid (description length 640)',
        );
        await engine.create({ label: 'd640h', description: 'd'.repeat(640), deschashonly: true });
      });

      it('checks the preimage (901) before the label (900)', async () => {
        await mk('dup', { preimage: pre(1) });
        await rejects(mk('dup', { preimage: pre(1) }), 'PreimageExists', 'preimage already used');
        await rejects(mk('other', { preimage: pre(1) }), 'PreimageExists', 'preimage already used');
        await rejects(mk('dup', { preimage: pre(2) }), 'LabelExists', "Duplicate label 'dup'");
        // Number label 25 arrives as "25" and collides with the string "25".
        await mk('25');
        await rejects(mk('25'), 'LabelExists', "Duplicate label '25'");
      });

      it('creates nothing on failure: no index is used', async () => {
        await mk('a', { preimage: pre(1) });
        await rejects(mk('a'), 'LabelExists', "Duplicate label 'a'");
        await rejects(mk('b', { preimage: pre(1) }), 'PreimageExists', 'preimage already used');
        await rejects(mk('c', { fallbacks: ['nope'] }), 'Failed', 'Fallback address not valid');
        const r = await mk('b');
        expect(r.invoice.created_index).toBe(2);
        expect((await engine.counts()).created_index).toBe(2);
        expect((await engine.list({})).map((i) => i.label)).toEqual(['a', 'b']);
      });

      it('validates fallbacks for the network and encodes them in order', async () => {
        const p2wpkh = 'bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080';
        const p2tr = 'bcrt1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqc8gma6';
        const r = await mk('fb', { fallbacks: [p2tr, p2wpkh] });
        const d = decodeBolt11(r.invoice.invstring);
        expect(d.fallbacks?.map((f) => f.version)).toEqual([1, 0]);
        await rejects(
          mk('fb2', { fallbacks: ['bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4'] }),
          'Failed',
          'Fallback address does not match our network regtest',
        );
        await rejects(mk('fb3', { fallbacks: [p2wpkh, 'garbage'] }), 'Failed', 'Fallback address not valid');
      });

      it('accepts exposeprivatechannels and says why it is ignored', async () => {
        const r = await mk('x', { exposeprivatechannels: true });
        expect(r.warnings).toHaveLength(1);
        expect(r.warnings[0]?.[0]).toBe('warning_exposeprivatechannels');
        expect(r.warnings[0]?.[1]).toMatch(/ignored/);
      });

      it('signs through an injected builder (the worker pool) when given one', async () => {
        await engine.close();
        const { buildBolt11 } = await import('../../src/invoice/create.js');
        const { encodeBolt11 } = await import('../../src/invoice/bolt11/index.js');
        const drafts: string[] = [];
        const bolt11Builder = {
          build: async (d: Parameters<typeof buildBolt11>[0]) => {
            drafts.push(d.description);
            return buildBolt11(d, TEST_NODE_KEYS.signEcdsa, { encode: encodeBolt11, decode: decodeBolt11 });
          },
        };
        ({ engine, clock } = await startTestEngine(await t.openAnother(), { bolt11Builder }));
        const r = await mk('pooled');
        expect(drafts).toEqual(['desc pooled']);
        expect(toHex(decodeBolt11(r.invoice.invstring).payee)).toBe(toHex(TEST_NODE_KEYS.nodeId));
        expect((await engine.list({ label: 'pooled' }))[0]?.invstring).toBe(r.invoice.invstring);
      });

      it('uses the injected random source for the preimage', async () => {
        const r1 = await mk('r1');
        const r2 = await mk('r2');
        expect(toHex(r1.invoice.payment_preimage)).not.toBe(toHex(r2.invoice.payment_preimage));
        expect(toHex(r1.invoice.payment_hash)).toBe(toHex(sha256(r1.invoice.payment_preimage)));
      });
    });

    describe('listinvoices', () => {
      it('rejects selector combinations with CLN messages', async () => {
        const msg = 'Can only specify one of {label}, {invstring}, {payment_hash} or {offer_id}';
        await rejects(engine.list({ label: 'a', payment_hash: pre(1) }), 'InvalidParams', msg);
        await rejects(engine.list({ invstring: 'x', offer_id: pre(1) }), 'InvalidParams', msg);
        await rejects(engine.list({ start: 5n }), 'InvalidParams', 'Can only specify {start} with {index}');
        await rejects(engine.list({ limit: 5 }), 'InvalidParams', 'Can only specify {limit} with {index}');
        await rejects(engine.list({ invstring: 'lnbcrt1garbage' }), 'InvalidParams', 'Invalid invstring');
        await rejects(
          engine.list({ status: 'bogus' as 'paid' }),
          'InvalidParams',
          "status: should be 'unpaid', 'paid' or 'expired'",
        );
        expect(await engine.list({ start: 0n })).toEqual([]);
      });

      it('looks up by label, payment_hash and invstring (0 or 1 result)', async () => {
        const a = (await mk('a')).invoice;
        await mk('b');
        expect((await engine.list({ label: 'a' })).map((i) => i.label)).toEqual(['a']);
        expect((await engine.list({ payment_hash: a.payment_hash })).map((i) => i.label)).toEqual(['a']);
        expect((await engine.list({ invstring: a.invstring })).map((i) => i.label)).toEqual(['a']);
        expect((await engine.list({ invstring: a.invstring.toUpperCase() })).map((i) => i.label)).toEqual(['a']);
        expect(await engine.list({ label: 'zzz' })).toEqual([]);
        expect(await engine.list({ payment_hash: pre(9) })).toEqual([]);
        expect(await engine.list({ label: 'a', status: 'paid' })).toEqual([]);
      });

      it('pages 99 invoices by created and updated index with start/limit (reference §5)', async () => {
        for (let i = 1; i <= 99; i++) await mk(`inv${i}`, { expiry: BigInt(i % 2 === 0 ? 100 : 10_000) });
        const all = await engine.list({});
        expect(all.map((i) => i.created_index)).toEqual(Array.from({ length: 99 }, (_, i) => i + 1));

        const page = await engine.list({ index: 'created', start: 10n, limit: 5 });
        expect(page.map((i) => i.created_index)).toEqual([10, 11, 12, 13, 14]);
        const seen: number[] = [];
        for (let start = 1; ; start += 20) {
          const p = await engine.list({ index: 'created', start: BigInt(start), limit: 20 });
          seen.push(...p.map((i) => i.created_index));
          if (p.length < 20) break;
        }
        expect(seen).toEqual(all.map((i) => i.created_index));

        // Expire the 49 even ones: each gets its own updated_index, in expiry (then creation) order.
        clock.advance(100_000);
        await settle(engine);
        const updated = await engine.list({ index: 'updated', start: 1n });
        expect(updated.map((i) => i.updated_index)).toEqual(Array.from({ length: 49 }, (_, i) => i + 1));
        expect(updated.map((i) => i.created_index)).toEqual(Array.from({ length: 49 }, (_, i) => 2 * (i + 1)));
        // start 0 also returns never-updated rows (updated_index 0) first, as CLN.
        const fromZero = await engine.list({ index: 'updated', start: 0n, limit: 3 });
        expect(fromZero.map((i) => [i.created_index, i.updated_index ?? 0])).toEqual([
          [1, 0],
          [3, 0],
          [5, 0],
        ]);
        const upPage = await engine.list({ index: 'updated', start: 45n, limit: 10 });
        expect(upPage.map((i) => i.updated_index)).toEqual([45, 46, 47, 48, 49]);
        // A second change moves the row to the end of the updated order.
        await engine.delete('inv2', 'expired', true);
        const last = await engine.list({ index: 'updated', start: 50n });
        expect(last.map((i) => [i.label, i.updated_index])).toEqual([['inv2', 50]]);
      });

      it('filters by status, combinable with paging; the limit applies after filtering', async () => {
        for (let i = 1; i <= 10; i++) await mk(`s${i}`, { expiry: BigInt(i <= 4 ? 10 : 1000) });
        clock.advance(10_000);
        await settle(engine);
        const expired = await engine.list({ status: 'expired' });
        expect(expired.map((i) => i.label)).toEqual(['s1', 's2', 's3', 's4']);
        const unpaid = await engine.list({ index: 'created', start: 2n, limit: 3, status: 'unpaid' });
        expect(unpaid.map((i) => i.label)).toEqual(['s5', 's6', 's7']);
        const exp2 = await engine.list({ index: 'created', start: 0n, limit: 2, status: 'expired' });
        expect(exp2.map((i) => i.label)).toEqual(['s1', 's2']);
        expect(await engine.list({ status: 'paid' })).toEqual([]);
      });

      it('lists newest first with reverse, from start downwards', async () => {
        for (let i = 1; i <= 6; i++) await mk(`r${i}`);
        const rev = await engine.list({ reverse: true });
        expect(rev.map((i) => i.created_index)).toEqual([6, 5, 4, 3, 2, 1]);
        const top2 = await engine.list({ index: 'created', reverse: true, limit: 2 });
        expect(top2.map((i) => i.created_index)).toEqual([6, 5]);
        const from4 = await engine.list({ index: 'created', start: 4n, reverse: true, limit: 3 });
        expect(from4.map((i) => i.created_index)).toEqual([4, 3, 2]);
        const start0 = await engine.list({ index: 'created', start: 0n, reverse: true, limit: 1 });
        expect(start0.map((i) => i.created_index)).toEqual([6]);
        expect(await engine.list({ index: 'created', start: 1n << 60n })).toEqual([]);
      });

      it('shows created_at on every invoice', async () => {
        await mk('t1');
        clock.advance(5000);
        await mk('t2');
        expect((await engine.list({})).map((i) => i.created_at)).toEqual([T0, T0 + 5]);
      });
    });

    describe('delinvoice', () => {
      it('905 for unknown labels, 906 with current and expected status', async () => {
        await rejects(engine.delete('nope', 'unpaid', false), 'InvoiceNotFound', 'Unknown invoice');
        await mk('a');
        const e = await rejects(engine.delete('a', 'paid', false), 'StatusUnexpected', 'Invoice status is unpaid not paid');
        expect(e.extra).toMatchObject({ current_status: 'unpaid', expected_status: 'paid' });
        await rejects(engine.delete('a', 'whatever', false), 'StatusUnexpected', 'Invoice status is unpaid not whatever');
      });

      it('returns the invoice as it was and bumps deleted', async () => {
        const a = (await mk('a')).invoice;
        const gone = await engine.delete('a', 'unpaid', false);
        expect(gone).toEqual(a);
        expect(await engine.list({ label: 'a' })).toEqual([]);
        expect(await engine.wait('deleted', 1n)).toEqual({ index: 'deleted', value: 1 });
        expect((await engine.counts()).deleted_index).toBe(1);
      });

      it('a deleted label re-created gets a new created_index', async () => {
        await mk('a');
        await mk('b');
        await engine.delete('a', 'unpaid', false);
        const again = await mk('a');
        expect(again.invoice.created_index).toBe(3);
        expect((await engine.list({})).map((i) => [i.label, i.created_index])).toEqual([
          ['b', 2],
          ['a', 3],
        ]);
      });

      it('desconly removes the description (908 the second time) with an updated bump and a stale updated_index', async () => {
        await mk('a');
        const r = await engine.delete('a', 'unpaid', true);
        expect(r.description).toBeUndefined();
        expect(r.updated_index).toBeUndefined();
        const [now] = await engine.list({ label: 'a' });
        expect(now?.description).toBeUndefined();
        expect(now?.updated_index).toBe(1);
        await rejects(engine.delete('a', 'unpaid', true), 'NoDescription', 'Invoice description already removed');
        // Paid: the stale index is the paid one.
        const b = (await mk('b')).invoice;
        await engine.markPaid(b.payment_hash, msat(1000n), []);
        const rb = await engine.delete('b', 'paid', true);
        expect(rb.updated_index).toBe(2);
        expect((await engine.list({ label: 'b' }))[0]?.updated_index).toBe(3);
      });
    });

    describe('expiry', () => {
      it('releases waiters in the right order by expiries at different times', async () => {
        await mk('late', { expiry: 20n });
        await mk('early', { expiry: 10n });
        const order: string[] = [];
        const wl = engine.waitInvoice('late').catch((e: InvoiceError) => void order.push(`late:${e.kind}`));
        const we = engine.waitInvoice('early').catch((e: InvoiceError) => void order.push(`early:${e.kind}`));
        await settle(engine);
        expect(clock.pendingTimers).toBe(1); // one expiry timer for all
        clock.advance(9_999);
        await settle(engine);
        expect(order).toEqual([]);
        clock.advance(1);
        await we;
        expect(order).toEqual(['early:ExpiredDuringWait']);
        clock.advance(9_000);
        await settle(engine);
        expect(order).toEqual(['early:ExpiredDuringWait']);
        clock.advance(1_000);
        await wl;
        expect(order).toEqual(['early:ExpiredDuringWait', 'late:ExpiredDuringWait']);
        const list = await engine.list({ index: 'updated', start: 1n });
        expect(list.map((i) => [i.label, i.status, i.updated_index])).toEqual([
          ['early', 'expired', 1],
          ['late', 'expired', 2],
        ]);
      });

      it('sweeps more invoices than one sweep transaction holds, each with its own bump', async () => {
        await Promise.all(Array.from({ length: 600 }, (_, i) => mk(`bulk${i}`, { expiry: BigInt(1 + (i % 3)) })));
        clock.advance(3000);
        await settle(engine);
        const rows = await engine.list({ index: 'updated', start: 1n });
        expect(rows).toHaveLength(600);
        expect(rows.every((r) => r.status === 'expired')).toBe(true);
        expect(rows.map((r) => r.updated_index)).toEqual(Array.from({ length: 600 }, (_, i) => i + 1));
        // In expiry order: all the 1-second ones first.
        expect(rows.slice(0, 200).every((r) => r.expires_at === T0 + 1)).toBe(true);
        expect((await engine.counts()).updated_index).toBe(600);
      });

      it('a sooner invoice re-arms the single timer', async () => {
        await mk('slow', { expiry: 1000n });
        await mk('fast', { expiry: 5n });
        expect(clock.pendingTimers).toBe(1);
        clock.advance(5_000);
        await settle(engine);
        expect((await engine.list({ label: 'fast' }))[0]?.status).toBe('expired');
        expect((await engine.list({ label: 'slow' }))[0]?.status).toBe('unpaid');
        expect(clock.pendingTimers).toBe(1);
      });

      it('expires at startup what expired while the daemon was down, with bumps and label details', async () => {
        await mk('a', { expiry: 10n });
        await mk('b', { expiry: 20n });
        await mk('c', { expiry: 5000n });
        await engine.close();
        const later = new (clock.constructor as typeof ManualClock)((T0 + 100) * 1000);
        ({ engine, clock } = await startTestEngine(await t.openAnother(), { clock: later }));
        const rows = await engine.list({});
        expect(rows.map((i) => [i.label, i.status, i.updated_index ?? 0])).toEqual([
          ['a', 'expired', 1],
          ['b', 'expired', 2],
          ['c', 'unpaid', 0],
        ]);
        const w = engine.wait('updated', 3n);
        clock.advance(5000_000);
        expect(await w).toEqual({
          index: 'updated',
          value: 3,
          details: { status: 'expired', label: 'c' },
        });
      });

      it('does not pay an invoice whose expiry has passed even before the timer ran', async () => {
        await engine.close();
        // An engine that is not started has no expiry timer armed: only markPaid's own time check stands.
        const { createInvoiceEngine } = await import('../../src/invoice/engine.js');
        const db2 = await t.openAnother();
        const idle = createInvoiceEngine({ db: db2, nodeKeys: TEST_NODE_KEYS, network: 'regtest', clock, random: () => pre(1) });
        const a = (await idle.create({ label: 'a', description: 'd', expiry: 10n })).invoice;
        clock.advance(10_000);
        await rejects(idle.markPaid(a.payment_hash, msat(1000n), []), 'Failed', 'Invoice expired');
        expect((await idle.list({ label: 'a' }))[0]?.status).toBe('unpaid');
        await idle.close();
        ({ engine, clock } = await startTestEngine(await t.openAnother(), { clock }));
        expect((await engine.list({ label: 'a' }))[0]?.status).toBe('expired');
      });
    });

    describe('waits', () => {
      it('waitinvoice: -1 unknown, returns paid, 903 expired (with the invoice), -1 on deletion', async () => {
        await rejects(engine.waitInvoice('nope'), 'Failed', 'Label not found');
        const a = (await mk('a')).invoice;
        const w = engine.waitInvoice('a');
        await settle(engine);
        const paid = await engine.markPaid(a.payment_hash, msat(1500n), []);
        expect(await w).toEqual(paid);
        expect(await engine.waitInvoice('a')).toEqual(paid);

        await mk('b', { expiry: 1n });
        const wb = engine.waitInvoice('b');
        clock.advance(1000);
        const e = await rejects(wb, 'ExpiredDuringWait', 'invoice expired during wait');
        expect(e.extra.invoice?.label).toBe('b');
        expect(e.extra.invoice?.status).toBe('expired');
        await rejects(engine.waitInvoice('b'), 'ExpiredDuringWait', 'invoice expired during wait');

        await mk('c');
        const wc = engine.waitInvoice('c');
        await settle(engine);
        await engine.delete('c', 'unpaid', false);
        await rejects(wc, 'Failed', 'Invoice deleted during wait');
      });

      it('waitinvoice is not woken by other invoices', async () => {
        await mk('a');
        const b = (await mk('b')).invoice;
        let done = false;
        const w = engine.waitInvoice('a').finally(() => (done = true));
        w.catch(() => {});
        await settle(engine);
        await engine.markPaid(b.payment_hash, msat(1000n), []);
        await settle(engine);
        expect(done).toBe(false);
        await engine.close();
        await rejects(w, 'ShuttingDown', 'Shutting down');
        ({ engine, clock } = await startTestEngine(await t.openAnother()));
      });

      it('waitanyinvoice: in pay_index order, 904 on timeout 0 and on timeout', async () => {
        await rejects(engine.waitAnyInvoice(0n, 0n), 'WaitTimedOut', 'Timed out while waiting for invoice to be paid');
        const a = (await mk('a')).invoice;
        const b = (await mk('b')).invoice;
        const c = (await mk('c')).invoice;
        const w = engine.waitAnyInvoice(0n, undefined);
        await settle(engine);
        await engine.markPaid(b.payment_hash, msat(1000n), []);
        const first = await w;
        expect([first.label, first.pay_index]).toEqual(['b', 1]);
        await engine.markPaid(a.payment_hash, msat(1000n), []);
        await engine.markPaid(c.payment_hash, msat(1000n), []);
        const got = [];
        for (let last = 0n; ; ) {
          const inv = await engine.waitAnyInvoice(last, 0n).catch(() => undefined);
          if (!inv) break;
          got.push(inv.label);
          last = BigInt(inv.pay_index!);
        }
        expect(got).toEqual(['b', 'a', 'c']);
        // Expiry never wakes it; its own timeout does.
        await mk('d', { expiry: 5n });
        const wt = engine.waitAnyInvoice(3n, 10n);
        await until(() => clock.pendingTimers === 2); // the expiry timer and this wait's timeout
        clock.advance(5000);
        await settle(engine);
        clock.advance(5000);
        await rejects(wt, 'WaitTimedOut', 'Timed out while waiting for invoice to be paid');
      });

      it('wait: returns at once without details when nextvalue is reached, else the details of the bump', async () => {
        expect(await engine.wait('created', 0n)).toEqual({ index: 'created', value: 0 });
        const wc = engine.wait('created', 1n);
        const wu = engine.wait('updated', 1n);
        const wd = engine.wait('deleted', 1n);
        // All three have read the counters and sleep: what follows happens after the calls.
        await vi.waitFor(() => expect(engine.sleepingWaits()).toBe(3), { timeout: 15_000 });
        const a = (await mk('a')).invoice;
        expect(await wc).toEqual({
          index: 'created',
          value: 1,
          details: { status: 'unpaid', label: 'a', invstring: a.invstring, kind: 'bolt11' },
        });
        await engine.markPaid(a.payment_hash, msat(1000n), []);
        expect(await wu).toEqual({ index: 'updated', value: 1, details: { status: 'paid', label: 'a' } });
        const wu2 = engine.wait('updated', 2n);
        await vi.waitFor(() => expect(engine.sleepingWaits()).toBe(2), { timeout: 15_000 });
        await engine.delete('a', 'paid', true);
        expect(await wu2).toEqual({ index: 'updated', value: 2, details: { label: 'a', description: 'desc a' } });
        await engine.delete('a', 'paid', false);
        expect(await wd).toEqual({
          index: 'deleted',
          value: 1,
          details: { status: 'paid', label: 'a', invstring: a.invstring, kind: 'bolt11' },
        });
        expect(await engine.wait('created', 1n)).toEqual({ index: 'created', value: 1 });
      });

      it('thousands of waiters cost no timers and are all released by one bump', async () => {
        const ws = Array.from({ length: 2000 }, () => engine.wait('created', 1n));
        await settle(engine);
        expect(clock.pendingTimers).toBe(0);
        await mk('a');
        const rs = await Promise.all(ws);
        expect(rs.every((r) => r.value === 1 && r.details?.label === 'a')).toBe(true);
      });

      it('an aborted wait rejects and leaves no waiter behind', async () => {
        const ac = new AbortController();
        const w = engine.wait('created', 5n, ac.signal);
        await settle(engine);
        ac.abort(new InvoiceError('Failed', 'client gone'));
        await rejects(w, 'Failed', 'client gone');
      });
    });

    describe('payments', () => {
      it('markPaid: guarded, one transaction, HTLCs recorded for replays; change listeners hear it', async () => {
        const a = (await mk('a', { preimage: pre(3) })).invoice;
        const events: string[] = [];
        const off = engine.onInvoiceChange((ev) => events.push(`${toHex(ev.payment_hash).slice(0, 4)}:${ev.status}`));
        const parts = [
          { short_channel_id: '1x2x3', id: 7n, amount_msat: msat(600n) },
          { short_channel_id: '1x2x4', id: 0n, amount_msat: msat(500n) },
        ];
        const paid = await engine.markPaid(a.payment_hash, msat(1100n), parts);
        expect(paid).toMatchObject({ status: 'paid', pay_index: 1, paid_at: T0, amount_received_msat: 1100n, updated_index: 1 });
        await rejects(engine.markPaid(a.payment_hash, msat(1100n), []), 'Failed', 'Invoice is paid, not unpaid');
        await rejects(engine.markPaid(pre(9), msat(1100n), []), 'Failed', 'Unknown invoice');
        expect(await engine.findPaidHtlc('1x2x3', 7n)).toEqual({ payment_hash: a.payment_hash, preimage: pre(3) });
        expect(await engine.findPaidHtlc('1x2x3', 8n)).toBeUndefined();
        expect((await engine.getByPaymentHash(a.payment_hash))?.payment_preimage).toEqual(pre(3));
        // An HTLC already recorded cannot pay a second invoice; nothing of that attempt stays.
        const b = (await mk('b')).invoice;
        await rejects(engine.markPaid(b.payment_hash, msat(1000n), [parts[0]!]), 'Failed', 'HTLC already recorded for a payment');
        expect((await engine.list({ label: 'b' }))[0]?.status).toBe('unpaid');
        expect((await engine.counts()).updated_index).toBe(1);
        const pb = await engine.markPaid(b.payment_hash, msat(1000n), []);
        expect(pb.pay_index).toBe(2);

        await mk('c', { expiry: 1n });
        clock.advance(1000);
        await settle(engine);
        await engine.delete('b', 'paid', false);
        off();
        await engine.delete('a', 'paid', false);
        expect(events).toEqual([`${toHex(a.payment_hash).slice(0, 4)}:paid`, `${toHex(b.payment_hash).slice(0, 4)}:paid`, expect.stringMatching(/:expired$/), `${toHex(b.payment_hash).slice(0, 4)}:deleted`]);
        // Deleting the invoice keeps its HTLC records (migration 0004): a replay is still fulfilled.
        expect(await engine.findPaidHtlc('1x2x3', 7n)).toEqual({ payment_hash: a.payment_hash, preimage: pre(3) });
        expect(await engine.getByPaymentHash(a.payment_hash)).toBeUndefined();
      });

      it('replays are recognised after a restart', async () => {
        const a = (await mk('a', { preimage: pre(4) })).invoice;
        await engine.markPaid(a.payment_hash, msat(1000n), [{ short_channel_id: '9x9x9', id: 1n, amount_msat: msat(1000n) }]);
        await engine.close();
        ({ engine, clock } = await startTestEngine(await t.openAnother()));
        expect(await engine.findPaidHtlc('9x9x9', 1n)).toEqual({ payment_hash: a.payment_hash, preimage: pre(4) });
      });
    });

    describe('createinvoice', () => {
      it('stores and re-signs an external BOLT 11 invoice', async () => {
        const { createInvoiceEngine } = await import('../../src/invoice/engine.js');
        void createInvoiceEngine;
        // Build an invoice signed by another key through a second engine's codec path: use our own, then re-store.
        const made = (await mk('orig', { preimage: pre(5), expiry: 500n })).invoice;
        await engine.delete('orig', 'unpaid', false);
        clock.advance(3000);
        const stored = await engine.createFromInvstring({ invstring: made.invstring, label: 'ext', preimage: pre(5) });
        expect(stored).toMatchObject({ label: 'ext', status: 'unpaid', description: 'desc orig', amount_msat: 1000n });
        expect(stored.expires_at).toBe(T0 + 3 + 500);
        expect(toHex(decodeBolt11(stored.invstring).payee)).toBe(toHex(TEST_NODE_KEYS.nodeId));
        const e = await rejects(
          engine.createFromInvstring({ invstring: made.invstring, label: 'ext', preimage: pre(5) }),
          'LabelExists',
          'Duplicate label',
        );
        expect(e.extra.invoice?.label).toBe('ext');
        await rejects(
          engine.createFromInvstring({ invstring: made.invstring, label: 'ext2', preimage: pre(5) }),
          'PreimageExists',
          'preimage already used',
        );
        await rejects(
          engine.createFromInvstring({ invstring: made.invstring, label: 'ext3', preimage: pre(6) }),
          'InvalidParams',
          'Incorrect preimage',
        );
        const h = (await mk('hashonly', { deschashonly: true, preimage: pre(8) })).invoice;
        await rejects(
          engine.createFromInvstring({ invstring: h.invstring, label: 'ext4', preimage: pre(8) }),
          'InvalidParams',
          'Missing description in invoice',
        );
        const bad = await engine.createFromInvstring({ invstring: 'lnbcrt1xyz', label: 'x', preimage: pre(1) }).catch((err: InvoiceError) => err);
        expect((bad as InvoiceError).kind).toBe('InvalidParams');
        expect((bad as InvoiceError).message).toMatch(/^Unparsable invoice 'lnbcrt1xyz': /);
      });
    });

    describe('autoclean', () => {
      it('autoclean-once cleans by age, reports uncleaned, bumps deleted; totals persist', async () => {
        await mk('e1', { expiry: 10n });
        await mk('e2', { expiry: 100n });
        const p = (await mk('p1')).invoice;
        await mk('u1', { expiry: 100_000n });
        await engine.markPaid(p.payment_hash, msat(1000n), []);
        clock.advance(200_000); // now = T0 + 200
        await settle(engine);
        // expired at T0+10 and T0+100; age 150 → cutoff T0+50 → e1 only.
        expect(await engine.autocleanOnce('expiredinvoices', 150n)).toEqual({
          subsystem: 'expiredinvoices',
          cleaned: 1,
          uncleaned: 1,
        });
        expect(await engine.autocleanOnce('paidinvoices', 300n)).toEqual({ subsystem: 'paidinvoices', cleaned: 0, uncleaned: 1 });
        expect(await engine.autocleanOnce('paidinvoices', 100n)).toEqual({ subsystem: 'paidinvoices', cleaned: 1, uncleaned: 0 });
        expect(await engine.autocleanOnce('failedpays', 100n)).toEqual({ subsystem: 'failedpays', cleaned: 0, uncleaned: 0 });
        await rejects(engine.autocleanOnce('paidinvoices', 0n), 'InvalidParams', 'age: Must be non-zero');
        expect((await engine.list({})).map((i) => i.label)).toEqual(['e2', 'u1']);
        expect((await engine.counts()).deleted_index).toBe(2);

        await engine.close();
        ({ engine, clock } = await startTestEngine(await t.openAnother(), {
          config: { autoclean: { expiredinvoicesAge: 50, cycle: 60 } },
          clock,
        }));
        const status = await engine.autocleanStatus();
        expect(status.map((s) => s.subsystem)).toEqual([
          'succeededforwards',
          'failedforwards',
          'succeededpays',
          'failedpays',
          'paidinvoices',
          'expiredinvoices',
          'networkevents',
        ]);
        expect(await engine.autocleanStatus('expiredinvoices')).toEqual([
          { subsystem: 'expiredinvoices', enabled: true, age: 50, cleaned: 1 },
        ]);
        expect(await engine.autocleanStatus('paidinvoices')).toEqual([
          { subsystem: 'paidinvoices', enabled: false, cleaned: 1 },
        ]);
        // The cycle runs on the clock: e2 (expired at T0+100) is older than 50 s at T0+260.
        const wd = engine.wait('deleted', 3n);
        clock.advance(60_000);
        expect(await wd).toMatchObject({ index: 'deleted', value: 3, details: { status: 'expired', label: 'e2' } });
        await settle(engine);
        expect(await engine.autocleanStatus('expiredinvoices')).toEqual([
          { subsystem: 'expiredinvoices', enabled: true, age: 50, cleaned: 2 },
        ]);
      });
    });

    it('counts invoices by status and reports the indexes', async () => {
      const a = (await mk('a')).invoice;
      await mk('b', { expiry: 1n });
      await mk('c');
      await engine.markPaid(a.payment_hash, msat(1000n), []);
      clock.advance(1000);
      await settle(engine);
      await engine.delete('c', 'unpaid', false);
      expect(await engine.counts()).toEqual({
        unpaid: 0,
        paid: 1,
        expired: 1,
        created_index: 3,
        updated_index: 2,
        deleted_index: 1,
      });
    });
  });
}

/** Typed helper so unused-import lint stays quiet in editors. */
export type _Inv = Invoice;
