/**
 * Hold invoices and idempotent create end to end, over the real socket of the built daemon: a 3-part
 * MPP held and settled, one cancelled, one auto-cancelled by blocks, a daemon SIGKILLed while a set is
 * accepted and settled after the restart, and idempotent retries of a create whose daemon was killed
 * between its commit and its answer. SQLite, and PostgreSQL when INVOICED_TEST_PG_URL is set.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { daemonBuilt, dropPgSchemas, E2E_DATABASES, startDaemonsKilledAfterEach, type TestDaemon } from '../helpers/daemon.js';
import { decodeFailure, targetFromInvoice, TestPayer, type HtlcPayloadJson } from '../helpers/payer.js';

afterAll(dropPgSchemas);

const HEIGHT = 800_000;
const CLTV = 40;
let labels = 0;

async function holdinvoice(d: TestDaemon, extra: Record<string, unknown> = {}) {
  const label = `hold-${++labels}`;
  const r = await d.call('holdinvoice', { amount_msat: 3000, label, description: 'held', cltv: CLTV, expiry: 7200, ...extra });
  if (!r.result) throw new Error(`holdinvoice failed: ${r.raw}`);
  return { label, bolt11: r.result.bolt11 as string, payment_hash: r.result.payment_hash as string };
}

/** Each HTLC on its own connection, as a bridge holding many HTLCs would send them. */
async function sendAll(d: TestDaemon, htlcs: HtlcPayloadJson[]) {
  const clients = await Promise.all(htlcs.map(() => d.connect()));
  return htlcs.map((h, i) => clients[i]!.call('htlc_accepted', h).finally(() => clients[i]!.close()));
}

async function state(d: TestDaemon, payment_hash: string) {
  return (await d.call('holdinvoicelookup', [payment_hash])).result;
}

/** Waits on `wait invoices updated N` (no timer) for the invoice's next change. */
async function nextUpdate(d: TestDaemon, n: number) {
  return (await d.call('wait', ['invoices', 'updated', n])).result;
}

describe.skipIf(!daemonBuilt())('hold invoices end to end', () => {
  const start = startDaemonsKilledAfterEach();
  for (const db of E2E_DATABASES) {
    describe.skipIf(db.skip)(db.name, () => {
      it('a 3-part MPP is held until holdinvoicesettle, then every part is fulfilled', async () => {
        const d = await start({ database: db.database });
        const inv = await holdinvoice(d);
        const payer = new TestPayer({ blockheight: HEIGHT });
        const answers = await sendAll(d, payer.pay(targetFromInvoice(inv.bolt11), { parts: 3 }));
        // The wait answers with the details when it was asleep at the change, with the index alone if the
        // change came first (as CLN's wait): the holdstate is then read from listinvoices.
        expect(await nextUpdate(d, 1)).toMatchObject({ subsystem: 'invoices', updated: 1 });
        expect((await d.call('listinvoices', { label: inv.label })).result.invoices[0]).toMatchObject({
          status: 'unpaid',
          holdstate: 'ACCEPTED',
        });
        expect(await state(d, inv.payment_hash)).toEqual({ state: 'ACCEPTED', htlc_expiry: HEIGHT + CLTV + 2 });
        const listed = (await d.call('listinvoices', [inv.label])).result.invoices[0];
        expect(listed).toMatchObject({ status: 'unpaid', holdstate: 'ACCEPTED', htlc_expiry: HEIGHT + CLTV + 2 });
        expect((await d.call('holdinvoicesettle', [inv.payment_hash])).result).toEqual({ state: 'SETTLED' });
        const results = (await Promise.all(answers)).map((r) => r.result);
        const preimage = results[0]?.payment_key;
        expect(preimage).toMatch(/^[0-9a-f]{64}$/);
        for (const r of results) expect(r).toEqual({ result: 'resolve', payment_key: preimage });
        expect(await state(d, inv.payment_hash)).toEqual({ state: 'SETTLED' });
        const paid = (await d.call('listinvoices', [inv.label])).result.invoices[0];
        expect(paid).toMatchObject({ status: 'paid', holdstate: 'SETTLED', payment_preimage: preimage, amount_received_msat: 3000 });
      });

      it('holdinvoicecancel fails the held parts with incorrect_or_unknown_payment_details', async () => {
        const d = await start({ database: db.database });
        const inv = await holdinvoice(d);
        const answers = await sendAll(d, new TestPayer({ blockheight: HEIGHT }).pay(targetFromInvoice(inv.bolt11), { parts: 2 }));
        await nextUpdate(d, 1);
        expect((await d.call('holdinvoicecancel', { payment_hash: inv.payment_hash })).result).toEqual({ state: 'CANCELED' });
        for (const r of await Promise.all(answers)) {
          expect(r.result.result).toBe('fail');
          expect(decodeFailure(r.result.failure_message)).toMatchObject({ name: 'incorrect_or_unknown_payment_details', htlc_msat: 1500n });
        }
        expect((await d.call('holdinvoicesettle', [inv.payment_hash])).error).toEqual({
          code: -32602,
          message: "Holdinvoice is in wrong state: 'CANCELED'",
        });
      });

      it('auto-cancels an accepted set 6 blocks before its HTLCs expire', async () => {
        const d = await start({ database: db.database });
        const inv = await holdinvoice(d);
        const [answer] = await sendAll(d, new TestPayer({ blockheight: HEIGHT }).pay(targetFromInvoice(inv.bolt11)));
        await nextUpdate(d, 1);
        // The node's height reaches htlc_expiry - 6 with an HTLC for something else.
        const late = new TestPayer({ blockheight: HEIGHT + CLTV + 2 - 6, channels: ['900x1x0'] });
        const plain = (await d.call('invoice', { amount_msat: 1000, label: 'plain', description: 'x' })).result;
        await d.call('htlc_accepted', late.pay(targetFromInvoice(plain.bolt11))[0]);
        const r = (await answer!).result;
        expect(decodeFailure(r.failure_message).name).toBe('incorrect_or_unknown_payment_details');
        expect(await state(d, inv.payment_hash)).toEqual({ state: 'CANCELED' });
      });

      it('SIGKILLed while a set is accepted: after the restart the replays are held and settled', async () => {
        const d = await start({ database: db.database });
        const inv = await holdinvoice(d);
        const htlcs = new TestPayer({ blockheight: HEIGHT }).pay(targetFromInvoice(inv.bolt11), { parts: 3 });
        const answers = await sendAll(d, htlcs);
        await nextUpdate(d, 1);
        const unanswered = Promise.allSettled(answers);
        expect((await d.kill()).signal).toBe('SIGKILL');
        // The killed daemon answered none of them: the node replays them to the next one.
        expect((await unanswered).map((a) => a.status)).toEqual(['rejected', 'rejected', 'rejected']);
        const d2 = await start(d.startOptions);
        expect(await state(d2, inv.payment_hash)).toEqual({ state: 'ACCEPTED', htlc_expiry: HEIGHT + CLTV + 2 });
        const replays = await sendAll(d2, htlcs);
        expect((await d2.call('holdinvoicesettle', [inv.payment_hash])).result).toEqual({ state: 'SETTLED' });
        for (const r of await Promise.all(replays)) expect(r.result.result).toBe('resolve');
      });

      it('metadata numbers are kept as sent; NUL in metadata or a key and repeated keys are refused with -32602', async () => {
        const d = await start({ database: db.database });
        const c = await d.connect();
        const reply = c.expect('m1');
        c.write('{"jsonrpc":"2.0","id":"m1","method":"invoice","params":{"amount_msat":1000,"label":"m-1","description":"d","metadata":{"price":1.50,"neg":-0,"big":1E2}}}');
        expect((await reply).error).toBeUndefined();
        await c.close();
        const listed = await d.call('listinvoices', { metadata_key: 'price', metadata_value: '1.50' });
        expect(listed.raw).toContain('"metadata":{"price":1.50,"neg":-0,"big":1E2}');
        expect(listed.result.invoices.map((i: { label: string }) => i.label)).toEqual(['m-1']);
        expect((await d.call('listinvoices', { metadata_key: 'neg', metadata_value: '-0' })).result.invoices).toHaveLength(1);
        const base = { amount_msat: 1000, label: 'm-2', description: 'd' };
        const nul = 'should not contain NUL (\\u0000)';
        expect((await d.call('invoice', { ...base, metadata: { k: 'a\u0000b' } })).error).toEqual({
          code: -32602,
          message: `metadata: ${nul}: invalid token '{"k":"a\\u0000b"}'`,
        });
        expect((await d.call('invoice', { ...base, metadata: { 'a\u0000': 1 } })).error).toEqual({
          code: -32602,
          message: `metadata: ${nul}: invalid token '{"a\\u0000":1}'`,
        });
        expect((await d.call('holdinvoice', { ...base, cltv: CLTV, idempotency_key: 'k\u0000' })).error).toEqual({
          code: -32602,
          message: `idempotency_key: ${nul}: invalid token '"k\\u0000"'`,
        });
        const dup = await d.connect();
        const dupReply = dup.expect('m2');
        dup.write('{"jsonrpc":"2.0","id":"m2","method":"invoice","params":{"amount_msat":1000,"label":"m-3","description":"d","metadata":{"a":1,"a":2}}}');
        expect((await dupReply).error).toEqual({
          code: -32602,
          message: 'metadata: should not repeat a key ("a"): invalid token \'{"a":1,"a":2}\'',
        });
        await dup.close();
        expect((await d.call('listinvoices', {})).result.invoices).toHaveLength(1);
      });

      it('idempotent retries of a create whose daemon died between commit and answer', async () => {
        const d = await start({ database: db.database, args: ['--dev-crash-after-create'] });
        const params = { amount_msat: 1000, label: 'order-9', description: 'coffee', idempotency_key: 'order-9/1' };
        const lost = await d.call('invoice', params).catch((e: unknown) => e);
        expect(lost).toBeInstanceOf(Error);
        expect((await d.exited).signal).toBe('SIGKILL');
        const d2 = await start({ ...d.startOptions, args: [] });
        const retry = await d2.call('invoice', params);
        const again = await d2.call('invoice', params);
        expect(retry.result.created_index).toBe(1);
        expect(again.raw.replace(/"id":[^,]+,/, '')).toBe(retry.raw.replace(/"id":[^,]+,/, ''));
        const listed = (await d2.call('listinvoices', ['order-9'])).result.invoices[0];
        expect(listed.bolt11).toBe(retry.result.bolt11);
        // Without the key, the label repeat is CLN's 900.
        const { idempotency_key: _k, ...plain } = params;
        expect((await d2.call('invoice', plain)).error?.code).toBe(900);
      });
    });
  }
});
