/**
 * `check` of the commands that write (hold invoices, metadata, the bridge's outbox and block height,
 * currency rates, webhook redelivery), over the real daemon's socket: a check the real call would refuse
 * answers the real call's code and message, one it would accept answers `{"command_to_check": …}`, and
 * nothing has changed afterwards.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { daemonBuilt, dropPgSchemas, E2E_DATABASES, startDaemonsKilledAfterEach, type TestDaemon } from '../helpers/daemon.js';

afterAll(dropPgSchemas);

const HOLD = { amount_msat: 3000, description: 'held', cltv: 40, expiry: 7200 };

/** The real call's error, and `check`'s of the same call: equal. */
async function sameRefusal(d: TestDaemon, method: string, params: Record<string, unknown>) {
  const real = (await d.call(method, params)).error;
  const checked = (await d.call('check', { command_to_check: method, ...params })).error;
  expect(real).toBeDefined();
  expect(checked).toEqual(real);
  return checked;
}

async function checkOk(d: TestDaemon, method: string, params: Record<string, unknown>) {
  expect((await d.call('check', { command_to_check: method, ...params })).result).toEqual({ command_to_check: method });
}

const invoices = async (d: TestDaemon) => (await d.call('listinvoices', {})).result.invoices;

describe.skipIf(!daemonBuilt())('check of writing commands end to end', () => {
  const start = startDaemonsKilledAfterEach();
  for (const db of E2E_DATABASES) {
    describe.skipIf(db.skip)(db.name, () => {
      it('holdinvoice and the hold commands: the real refusals, and nothing created or changed', async () => {
        const d = await start({ database: db.database, args: ['--webhook=http://127.0.0.1:9/hook'] });
        const made = (await d.call('holdinvoice', { ...HOLD, label: 'h1' })).result;
        const before = await invoices(d);
        expect(await sameRefusal(d, 'holdinvoice', { ...HOLD, label: 'h1' })).toMatchObject({ code: 900, message: "Duplicate label 'h1'" });
        expect(await sameRefusal(d, 'holdinvoice', { ...HOLD, label: 'h9', payment_hash: made.payment_hash })).toMatchObject({
          code: 901,
          message: 'preimage already used',
        });
        await checkOk(d, 'holdinvoice', { ...HOLD, label: 'h2' });
        const unknown = '00'.repeat(32);
        expect(await sameRefusal(d, 'holdinvoicecancel', { payment_hash: unknown })).toMatchObject({ code: -32602 });
        expect(await sameRefusal(d, 'holdinvoicesettle', { payment_hash: made.payment_hash })).toMatchObject({
          message: "Holdinvoice is in wrong state: 'OPEN'",
        });
        await sameRefusal(d, 'holdinvoicelookup', { payment_hash: unknown });
        await checkOk(d, 'holdinvoicecancel', { payment_hash: made.payment_hash });
        await checkOk(d, 'holdinvoicelookup', { payment_hash: made.payment_hash });
        expect(await invoices(d)).toEqual(before);
        expect((await d.call('holdinvoicelookup', [made.payment_hash])).result).toEqual({ state: 'OPEN' });
      });

      it('setinvoicemetadata: 905 for an unknown label; the metadata unchanged after an accepted check', async () => {
        const d = await start({ database: db.database });
        await d.call('invoice', { amount_msat: 1000, label: 'm1', description: 'd', metadata: { a: 1 } });
        const before = await invoices(d);
        expect(await sameRefusal(d, 'setinvoicemetadata', { label: 'nolabel', metadata: { b: 2 } })).toMatchObject({
          code: 905,
          message: 'Unknown invoice',
        });
        await checkOk(d, 'setinvoicemetadata', { label: 'm1', metadata: { b: 2 } });
        expect(await invoices(d)).toEqual(before);
      });

      it('outbox-sent / outbox-failed, setblockheight, setcurrencyrate, webhook-redeliver: real refusals, nothing written', async () => {
        const d = await start({ database: db.database, args: ['--webhook=http://127.0.0.1:9/hook'] });
        expect(await sameRefusal(d, 'outbox-sent', { created_index: 99 })).toMatchObject({ code: -1, message: 'Unknown outbox message' });
        expect(await sameRefusal(d, 'outbox-failed', { created_index: 99 })).toMatchObject({ code: -1, message: 'Unknown outbox message' });

        await d.call('setblockheight', { blockheight: 800_000 });
        expect(await sameRefusal(d, 'setblockheight', { blockheight: 799_000 })).toMatchObject({
          code: -32602,
          message: 'blockheight 799000 is below the current block height 800000: pass force=true to set it back',
        });
        await checkOk(d, 'setblockheight', { blockheight: 799_000, force: true });
        await checkOk(d, 'setblockheight', { blockheight: 900_000 });
        expect((await d.call('getinfo', {})).result.blockheight).toBe(800_000);

        const rates = async () => (await d.call('listcurrencyrates', {})).result;
        await d.call('setcurrencyrate', { currency: 'USD', msat_per_unit: 1000 });
        const ratesBefore = await rates();
        const bad = await sameRefusal(d, 'setcurrencyrate', { currency: 'usd', msat_per_unit: 5 });
        expect(bad?.code).toBe(-32602);
        await sameRefusal(d, 'setcurrencyrate', { currency: 'EUR', msat_per_unit: 0 });
        await checkOk(d, 'setcurrencyrate', { currency: 'EUR', msat_per_unit: 5 });
        expect(await rates()).toEqual(ratesBefore);

        expect(await sameRefusal(d, 'webhook-redeliver', { seq: 99 })).toMatchObject({ code: -1, message: 'No delivery of this event' });
        expect(await sameRefusal(d, 'webhook-redeliver', { seq: 99, url: 'http://127.0.0.1:9/other' })).toMatchObject({
          code: -1,
          message: 'Unknown event',
        });
      });
    });
  }
});
