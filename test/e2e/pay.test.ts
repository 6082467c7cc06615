/**
 * Getting paid, end to end over the real socket of the built daemon: a test payer builds Core Lightning
 * `htlc_accepted` payloads from invoice strings the daemon issued, and every answer is checked — failure
 * messages decoded field by field. Covers the single-part rules, multi-part sets (also interleaved),
 * the MPP timeout with the developer clock, replays before and after restarts, and a SIGKILL between a
 * payment's commit and its answer. Runs on SQLite, and on PostgreSQL when INVOICED_TEST_PG_URL is set.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  dropPgSchemas,
  daemonBuilt,
  E2E_DATABASES,
  startDaemon,
  type TestDaemon,
  startDaemonsKilledAfterEach,
} from '../helpers/daemon.js';
import { decodeFailure, targetFromInvoice, TestPayer, type HtlcPayloadJson, type PayTarget } from '../helpers/payer.js';

// Daemons of every suite here have stopped by now: drop the PostgreSQL schemas they made.
afterAll(dropPgSchemas);

const HEIGHT = 800_000;
let labels = 0;

interface Issued {
  readonly label: string;
  readonly bolt11: string;
  readonly target: PayTarget;
}

async function issue(d: TestDaemon, amount_msat: number | 'any', expiry?: number): Promise<Issued> {
  const label = `pay-${++labels}`;
  const r = await d.call('invoice', {
    amount_msat,
    label,
    description: 'e2e payment',
    ...(expiry !== undefined && { expiry }),
  });
  if (!r.result) throw new Error(`invoice failed: ${r.raw}`);
  return { label, bolt11: r.result.bolt11, target: targetFromInvoice(r.result.bolt11) };
}

/** Sends one HTLC and returns the hook result object. */
async function hook(d: TestDaemon, h: HtlcPayloadJson): Promise<Record<string, string>> {
  const r = await d.call('htlc_accepted', h);
  if (!r.result) throw new Error(`htlc_accepted failed: ${r.raw}`);
  return r.result;
}

function failureOf(r: Record<string, string>) {
  expect(r.result).toBe('fail');
  expect(Object.keys(r)).toEqual(['result', 'failure_message']);
  return decodeFailure(r.failure_message!);
}

function expectResolved(r: Record<string, string>, target: PayTarget): void {
  expect(r).toEqual({ result: 'resolve', payment_key: expect.stringMatching(/^[0-9a-f]{64}$/) });
  const hash = createHash('sha256').update(Buffer.from(r.payment_key!, 'hex')).digest('hex');
  expect(hash).toBe(Buffer.from(target.payment_hash).toString('hex'));
}

const unknownDetails = (htlc_msat: bigint, height = HEIGHT) => ({
  code: 0x400f,
  name: 'incorrect_or_unknown_payment_details',
  htlc_msat,
  height,
});

/**
 * Waits until the daemon has logged `count` lines with this message, of this payment hash if given (a
 * readiness poll, not a delay).
 */
async function logged(d: TestDaemon, msg: string, count: number, payment_hash?: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (d.logs().filter((l) => l.msg === msg && (payment_hash === undefined || l.payment_hash === payment_hash)).length < count) {
    if (Date.now() > deadline) throw new Error(`daemon did not log "${msg}" ${count} times`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function invoiceByLabel(d: TestDaemon, label: string) {
  const r = await d.call('listinvoices', { label });
  return r.result.invoices[0];
}

const start = startDaemonsKilledAfterEach();

for (const db of E2E_DATABASES) {
  describe.skipIf(!daemonBuilt() || db.skip)(`payments on ${db.name}`, () => {
    let d: TestDaemon;
    const payer = new TestPayer({ blockheight: HEIGHT });
    beforeAll(async () => {
      d = await startDaemon({ database: db.database, logLevel: 'debug' });
    });
    afterAll(async () => {
      await d?.kill();
    });

    it('resolves an exact payment and shows it paid', async () => {
      const inv = await issue(d, 100_000);
      const [h] = payer.pay(inv.target);
      const r = await hook(d, h!);
      expectResolved(r, inv.target);
      const paid = await invoiceByLabel(d, inv.label);
      expect(paid).toMatchObject({
        status: 'paid',
        amount_msat: 100_000,
        amount_received_msat: 100_000,
        payment_preimage: r.payment_key,
      });
      expect(paid.pay_index).toBeGreaterThanOrEqual(1);
      expect(typeof paid.paid_at).toBe('number');
      const info = await d.call('getinfo', {});
      expect(info.result.blockheight).toBe(HEIGHT);
    });

    it('answers continue for a payment hash that is not ours', async () => {
      const [h] = payer.pay({ payment_hash: new Uint8Array(32).fill(0xee), payment_secret: new Uint8Array(32), amount_msat: 1000n });
      expect(await hook(d, h!)).toEqual({ result: 'continue' });
    });

    it('refuses 1 msat short, accepts 2x, refuses 2x + 1', async () => {
      const short = await issue(d, 10_000);
      expect(failureOf(await hook(d, payer.pay(short.target, { amounts: [9_999n] })[0]!))).toEqual(unknownDetails(9_999n));
      expect((await invoiceByLabel(d, short.label)).status).toBe('unpaid');
      const twice = await issue(d, 10_000);
      expectResolved(await hook(d, payer.pay(twice.target, { amounts: [20_000n] })[0]!), twice.target);
      expect((await invoiceByLabel(d, twice.label)).amount_received_msat).toBe(20_000);
      const over = await issue(d, 10_000);
      expect(failureOf(await hook(d, payer.pay(over.target, { amounts: [20_001n] })[0]!))).toEqual(unknownDetails(20_001n));
    });

    it('refuses a wrong, a missing and an all-zero secret', async () => {
      const inv = await issue(d, 5_000);
      const wrong = inv.target.payment_secret!.slice();
      wrong[0] = (wrong[0] as number) ^ 0x80;
      for (const payment_secret of [wrong, null, new Uint8Array(32)]) {
        expect(failureOf(await hook(d, payer.pay(inv.target, { payment_secret })[0]!))).toEqual(unknownDetails(5_000n));
      }
      expect((await invoiceByLabel(d, inv.label)).status).toBe('unpaid');
      // The reason is logged in words (debug level).
      await logged(d, 'htlc refused: attempt to pay with wrong payment_secret', 2);
      await logged(d, 'htlc refused: attempt to pay without payment_secret', 1);
    });

    it('refuses a final cltv below --cltv-final, and checks amount and cltv against the onion', async () => {
      const inv = await issue(d, 5_000);
      const c = inv.target.min_final_cltv_expiry!;
      expect(failureOf(await hook(d, payer.pay(inv.target, { cltv_delta: c - 1 })[0]!))).toEqual(unknownDetails(5_000n));
      expect(failureOf(await hook(d, payer.pay(inv.target, { htlc_extra_msat: -1n })[0]!))).toEqual({
        code: 19,
        name: 'final_incorrect_htlc_amount',
        incoming_htlc_amt: 4_999n,
      });
      const [h] = payer.pay(inv.target, { onion_cltv_extra: 1 });
      expect(failureOf(await hook(d, h!))).toEqual({ code: 18, name: 'final_incorrect_cltv_expiry', cltv_expiry: h!.htlc.cltv_expiry });
      expect(failureOf(await hook(d, payer.pay(inv.target, { payment_metadata: Uint8Array.of(0xab) })[0]!))).toEqual({
        code: 0x4016,
        name: 'invalid_onion_payload',
        type: 16n,
        offset: 0,
      });
      // Exactly the final delta is enough.
      expectResolved(await hook(d, payer.pay(inv.target, { cltv_delta: c })[0]!), inv.target);
    });

    it('pays an any-amount invoice with whatever arrives, in old "msat" strings too', async () => {
      const inv = await issue(d, 'any');
      expectResolved(await hook(d, payer.pay(inv.target, { amounts: [1234n], msat_strings: true })[0]!), inv.target);
      expect((await invoiceByLabel(d, inv.label)).amount_received_msat).toBe(1234);
    });

    it('refuses any other HTLC for a paid invoice, but resolves a replay of the paying one', async () => {
      const inv = await issue(d, 7_000);
      const [h] = payer.pay(inv.target);
      const first = await hook(d, h!);
      expectResolved(first, inv.target);
      expect(await hook(d, h!)).toEqual(first);
      expect(failureOf(await hook(d, payer.pay(inv.target)[0]!))).toEqual(unknownDetails(7_000n));
    });

    it.each([2, 3, 20])('pays in %i parts, interleaved with other payments', async (n) => {
      const mpp = await issue(d, 1_000_000);
      const other = await issue(d, 3_000);
      const single = await issue(d, 500);
      const parts = payer.pay(mpp.target, { parts: n });
      const otherParts = payer.pay(other.target, { parts: 3 });
      const order: [HtlcPayloadJson, Issued][] = [];
      parts.forEach((p, i) => {
        order.push([p, mpp]);
        if (i < otherParts.length) order.push([otherParts[i]!, other]);
        if (i === 0) order.push([payer.pay(single.target)[0]!, single]);
      });
      // Other parts (3) may outnumber this set's (2): send what is left.
      otherParts.slice(parts.length).forEach((p) => order.push([p, other]));
      const clients = await Promise.all([d.connect(), d.connect(), d.connect()]);
      const answers = order.map(([h], i) => clients[i % 3]!.call('htlc_accepted', h));
      const replies = await Promise.all(answers);
      replies.forEach((r, i) => expectResolved(r.result, order[i]![1].target));
      for (const c of clients) c.destroy();
      expect((await invoiceByLabel(d, mpp.label)).amount_received_msat).toBe(1_000_000);
      expect((await invoiceByLabel(d, other.label)).amount_received_msat).toBe(3_000);
    });

    it('fails a set whose parts disagree on total_msat', async () => {
      const inv = await issue(d, 6_000);
      const a = d.call('htlc_accepted', payer.pay(inv.target, { amounts: [2_000n], total_msat: 6_000n })[0]!);
      // The line of this invoice's part: a count of all such lines could be met by a late line of an
      // earlier test on this shared daemon (the log comes over its own pipe), before this part joined.
      await logged(d, 'htlc added to payment set', 1, Buffer.from(inv.target.payment_hash).toString('hex'));
      const b = d.call('htlc_accepted', payer.pay(inv.target, { amounts: [3_000n], total_msat: 7_000n })[0]!);
      const want = { code: 19, name: 'final_incorrect_htlc_amount', incoming_htlc_amt: 3_000n };
      expect(failureOf((await a).result)).toEqual(want);
      expect(failureOf((await b).result)).toEqual(want);
      expect((await invoiceByLabel(d, inv.label)).status).toBe('unpaid');
    });

    it("takes CLN's whole hook payload, extra top-level fields included, and the positional form", async () => {
      const inv = await issue(d, 2_000);
      const [h1, h2] = payer.pay(inv.target, { parts: 2 });
      const full = { peer_id: '02' + '22'.repeat(32), ...h1!, forward_to: '33'.repeat(32), some_future_field: { x: 1 } };
      const first = d.call('htlc_accepted', full);
      const second = d.call('htlc_accepted', [h2!.onion, h2!.htlc]);
      expectResolved((await first).result, inv.target);
      expectResolved((await second).result, inv.target);
    });

    it('refuses a bad payload with a parameter error naming the field', async () => {
      const [h] = payer.pay({ payment_hash: new Uint8Array(32), payment_secret: new Uint8Array(32), amount_msat: 1n });
      const r = await d.call('htlc_accepted', { ...h!, htlc: { ...h!.htlc, payment_hash: 'zz' } });
      expect(r.error).toEqual({
        code: -32602,
        message: "htlc.payment_hash: should be 32 bytes of hex: invalid token '\"zz\"'",
      });
    });
  });

  describe.skipIf(!daemonBuilt() || db.skip)(`payments over time and restarts on ${db.name}`, () => {
    it('refuses an invoice that expired between creation and payment', async () => {
      const d = await start({ database: db.database });
      const payer = new TestPayer({ blockheight: HEIGHT });
      const inv = await issue(d, 1_000, 30);
      await d.call('dev-clock', { advance: 31 });
      expect(failureOf(await hook(d, payer.pay(inv.target)[0]!))).toEqual(unknownDetails(1_000n));
    });

    it('fails a set with mpp_timeout after --mpp-timeout, then a new set pays', async () => {
      const d = await start({ database: db.database });
      const payer = new TestPayer({ blockheight: HEIGHT });
      const inv = await issue(d, 9_000);
      const first = payer.pay(inv.target, { amounts: [3_000n, 3_000n], total_msat: 9_000n });
      const pending = first.map((h) => d.call('htlc_accepted', h));
      await logged(d, 'htlc added to payment set', 2);
      await d.call('dev-clock', { advance: 69 });
      await d.call('dev-clock', { advance: 1 });
      for (const p of pending) expect(failureOf((await p).result)).toEqual({ code: 23, name: 'mpp_timeout' });
      const retry = payer.pay(inv.target, { parts: 3 });
      const replies = await Promise.all(retry.map((h) => d.call('htlc_accepted', h)));
      for (const r of replies) expectResolved(r.result, inv.target);
      expect(await invoiceByLabel(d, inv.label)).toMatchObject({ status: 'paid', amount_received_msat: 9_000 });
    });

    it('fails a waiting set when its invoice is deleted or expires', async () => {
      const d = await start({ database: db.database });
      const payer = new TestPayer({ blockheight: HEIGHT });
      const del = await issue(d, 4_000);
      const exp = await issue(d, 4_000, 20);
      const delParts = payer.pay(del.target, { amounts: [1_000n, 500n], total_msat: 4_000n }).map((h) => d.call('htlc_accepted', h));
      const expPart = d.call('htlc_accepted', payer.pay(exp.target, { amounts: [1_000n], total_msat: 4_000n })[0]!);
      await logged(d, 'htlc added to payment set', 3);
      expect((await d.call('delinvoice', { label: del.label, status: 'unpaid' })).result).toMatchObject({ label: del.label });
      expect(failureOf((await delParts[0]!).result)).toEqual(unknownDetails(1_000n));
      expect(failureOf((await delParts[1]!).result)).toEqual(unknownDetails(500n));
      await d.call('dev-clock', { advance: 21 });
      expect(failureOf((await expPart).result)).toEqual(unknownDetails(1_000n));
      // The expiry sweep marks it expired too (waitinvoice answers 903 once it has).
      expect((await d.call('waitinvoice', { label: exp.label })).error).toMatchObject({ code: 903 });
    });

    it('orders waitanyinvoice by payment, starts pay_index at 1, and reports wait/updated details', async () => {
      const d = await start({ database: db.database });
      const payer = new TestPayer({ blockheight: HEIGHT });
      const a = await issue(d, 1_000);
      const b = await issue(d, 2_000);
      const c = await issue(d, 3_000);
      const updatedNow = (await d.call('wait', { subsystem: 'invoices', indexname: 'updated', nextvalue: 0 })).result.updated as number;
      const watcher = await d.connect();
      const waitingB = watcher.call('waitinvoice', { label: b.label });
      const nextUpdate = watcher.call('wait', { subsystem: 'invoices', indexname: 'updated', nextvalue: updatedNow + 1 });
      // A round trip on the same connection: both waits are registered before anything is paid.
      await watcher.call('getinfo', {});
      for (const inv of [c, a, b]) expectResolved(await hook(d, payer.pay(inv.target)[0]!), inv.target);
      const w1 = await d.call('waitanyinvoice', { lastpay_index: 0 });
      expect(w1.result).toMatchObject({ label: c.label, status: 'paid', pay_index: 1, amount_received_msat: 3_000 });
      const w2 = await d.call('waitanyinvoice', { lastpay_index: 1 });
      expect(w2.result).toMatchObject({ label: a.label, pay_index: 2 });
      const w3 = await d.call('waitanyinvoice', { lastpay_index: 2 });
      expect(w3.result).toMatchObject({ label: b.label, pay_index: 3 });
      expect((await waitingB).result).toMatchObject({ label: b.label, status: 'paid', pay_index: 3 });
      const upd = (await nextUpdate).result;
      watcher.destroy();
      expect(upd).toEqual({ subsystem: 'invoices', updated: updatedNow + 1, invoices: { status: 'paid', label: c.label } });
      const paidC = await invoiceByLabel(d, c.label);
      expect(paidC.updated_index).toBe(updatedNow + 1);
    });

    it('never counts replays twice, before and after a restart', async () => {
      const d = await start({ database: db.database });
      const payer = new TestPayer({ blockheight: HEIGHT });
      const inv = await issue(d, 30_000);
      const parts = payer.pay(inv.target, { parts: 3 });
      // Two parts arrive, then the daemon restarts before the third: nothing was answered.
      const early = parts.slice(0, 2).map((h) => d.call('htlc_accepted', h));
      await logged(d, 'htlc added to payment set', 2);
      const replayedEarly = parts.slice(0, 2).map((h) => d.call('htlc_accepted', h));
      await logged(d, 'replayed htlc still pending: sharing its answer', 2);
      const outcomes = [...early, ...replayedEarly].map((p) => p.catch((e: unknown) => ({ lost: String(e) })));
      expect(await d.stop('SIGTERM')).toEqual({ code: 0, signal: null });
      for (const p of outcomes) {
        const r = await p;
        // Either the connection dropped or the daemon answered "Shutting down": never fail or resolve.
        if ('error' in r && r.error) expect(r.error).toMatchObject({ code: -5 });
        else expect(r).not.toHaveProperty('result');
      }
      const d2 = await start(d.startOptions);
      // The node re-sends every unanswered part, and some twice.
      const all = [...parts, parts[0]!].map((h) => d2.call('htlc_accepted', h));
      for (const r of await Promise.all(all)) expectResolved(r.result, inv.target);
      expect(await invoiceByLabel(d2, inv.label)).toMatchObject({ status: 'paid', amount_received_msat: 30_000, pay_index: 1 });
      // After another restart, every part of the paying set still resolves.
      await d2.stop('SIGTERM');
      const d3 = await start(d.startOptions);
      for (const h of parts) expectResolved(await hook(d3, h), inv.target);
      expect(await invoiceByLabel(d3, inv.label)).toMatchObject({ amount_received_msat: 30_000, pay_index: 1 });
    });

    it('keeps getinfo.blockheight across restarts, and a lower height never lowers it', async () => {
      const d = await start({ database: db.database });
      const height = async (x: TestDaemon) => (await x.call('getinfo')).result.blockheight as number;
      expect(await height(d)).toBe(0); // not known yet
      const inv = await issue(d, 5_000);
      expectResolved(await hook(d, new TestPayer({ blockheight: HEIGHT + 7 }).pay(inv.target)[0]!), inv.target);
      expect(await height(d)).toBe(HEIGHT + 7);
      await d.stop('SIGTERM');
      const d2 = await start(d.startOptions);
      expect(await height(d2)).toBe(HEIGHT + 7);
      // An HTLC from a node that is behind (not ours: continue) leaves the height where it was.
      const behind = new TestPayer({ blockheight: HEIGHT - 100, channels: ['900x1x0'] });
      expect(await hook(d2, behind.pay({ payment_hash: new Uint8Array(32).fill(7), amount_msat: 1n })[0]!)).toEqual({ result: 'continue' });
      await d2.stop('SIGTERM');
      const d3 = await start(d.startOptions);
      expect(await height(d3)).toBe(HEIGHT + 7);
    });

    it('checks each HTLC at the height it reports: 1234 then 1200 both pay, getinfo stays at 1234 (issue 12 item 7)', async () => {
      const d = await start({ database: db.database });
      const height = async () => (await d.call('getinfo')).result.blockheight as number;
      // Two nodes' views, on channels of their own (an HTLC is known by channel and id).
      const ahead = new TestPayer({ blockheight: 1234, channels: ['1234x1x0'] });
      const behind = new TestPayer({ blockheight: 1200, channels: ['1200x1x0'] });
      const a = await issue(d, 1_000);
      const b = await issue(d, 1_000);
      const c = await issue(d, 1_000);
      expectResolved(await hook(d, ahead.pay(a.target)[0]!), a.target);
      expect(await height()).toBe(1234);
      // Its cltv_expiry (1200 + final delta + 2) would be too soon at 1234, but its node is at 1200.
      const [hb] = behind.pay(b.target);
      expect(hb!.htlc.cltv_expiry).toBeLessThan(1234 + b.target.min_final_cltv_expiry!);
      expectResolved(await hook(d, hb!), b.target);
      expect(await height()).toBe(1234);
      // One block short at its own height: refused, naming that height, not the daemon's.
      const short = behind.pay(c.target, { cltv_delta: c.target.min_final_cltv_expiry! - 1 })[0]!;
      expect(failureOf(await hook(d, short))).toEqual(unknownDetails(1_000n, 1200));
      expect((await invoiceByLabel(d, c.label)).status).toBe('unpaid');
      expect(await height()).toBe(1234);
    });

    it('takes no height from an unknown HTLC; setblockheight sets it back, across a restart (issue 18 item 5)', async () => {
      const d = await start({ database: db.database });
      const height = async (x: TestDaemon) => (await x.call('getinfo')).result.blockheight as number | undefined;
      expect((await d.call('setblockheight', [HEIGHT])).result).toEqual({ blockheight: HEIGHT });
      const bogus = new TestPayer({ blockheight: 4_000_000_000, channels: ['901x1x0'] });
      expect(await hook(d, bogus.pay({ payment_hash: new Uint8Array(32).fill(9), amount_msat: 1n })[0]!)).toEqual({ result: 'continue' });
      expect(await height(d)).toBe(HEIGHT);
      // A wrong height (as a bridge could report) set by a trusted source, then undone by the operator.
      expect((await d.call('setblockheight', { blockheight: 450_000_000 })).result).toEqual({ blockheight: 450_000_000 });
      expect((await d.call('setblockheight', { blockheight: HEIGHT })).error).toEqual({
        code: -32602,
        message: `blockheight ${HEIGHT} is below the current block height 450000000: pass force=true to set it back`,
      });
      expect((await d.call('setblockheight', { blockheight: HEIGHT, force: true })).result).toEqual({ blockheight: HEIGHT });
      expect((await d.call('setblockheight', [500_000_000])).error).toEqual({
        code: -32602,
        message: "blockheight: should be a block height, at most 499999999: invalid token '500000000'",
      });
      await d.stop('SIGTERM');
      const d2 = await start(d.startOptions);
      expect(await height(d2)).toBe(HEIGHT);
      const inv = await issue(d2, 5_000);
      expectResolved(await hook(d2, new TestPayer({ blockheight: HEIGHT + 1 }).pay(inv.target)[0]!), inv.target);
      expect(await height(d2)).toBe(HEIGHT + 1);
    });

    it('resolves a replay of a paid HTLC after its invoice was deleted (and the daemon restarted)', async () => {
      const d = await start({ database: db.database });
      const payer = new TestPayer({ blockheight: HEIGHT });
      const inv = await issue(d, 9_000);
      const parts = payer.pay(inv.target, { parts: 2 });
      for (const r of await Promise.all(parts.map((h) => hook(d, h)))) expectResolved(r, inv.target);
      expect((await d.call('delinvoice', { label: inv.label, status: 'paid' })).result).toMatchObject({ label: inv.label });
      await d.stop('SIGTERM');
      const d2 = await start(d.startOptions);
      expect(await invoiceByLabel(d2, inv.label)).toBeUndefined();
      for (const h of parts) expectResolved(await hook(d2, h), inv.target);
    });

    it('resolves the replay after a SIGKILL between the commit and the answer', async () => {
      const d = await start({ database: db.database, args: ['--dev-crash-after-pay'] });
      const payer = new TestPayer({ blockheight: HEIGHT });
      const inv = await issue(d, 8_000);
      const parts = payer.pay(inv.target, { parts: 2 });
      const client = await d.connect();
      const answers = parts.map((h) => client.call('htlc_accepted', h));
      const outcome = Promise.any(answers).then(
        () => 'answered',
        () => 'none',
      );
      const exit = await d.exited;
      expect(exit.signal).toBe('SIGKILL');
      await client.closed;
      // No part was answered.
      expect(await outcome).toBe('none');
      const d2 = await start({ ...d.startOptions, args: [] });
      expect(await invoiceByLabel(d2, inv.label)).toMatchObject({ status: 'paid', amount_received_msat: 8_000, pay_index: 1 });
      for (const h of parts) expectResolved(await hook(d2, h), inv.target);
    });
  });
}
