/**
 * What a payment leaves behind for later, against the real engine and database, once per dialect: the
 * HTLC records that answer a replay survive the invoice's deletion (delinvoice, autoclean) and carry the
 * preimage (migration 0004, with its back-fill of older rows); the highest block height seen survives a
 * restart and never goes down.
 */
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { migrateInvoiceDatabase } from '../../src/invoice/store/db.js';
import type { InvoiceEngineImpl } from '../../src/invoice/engine.js';
import { parseHtlcAccepted, type HtlcAcceptedResult } from '../../src/invoice/payments/htlc-payload.js';
import { createPaymentProcessor, type PaymentProcessor } from '../../src/invoice/payments/processor.js';
import type { ManualClock } from '../../src/util/clock.js';
import { toHex } from '../../src/util/hex.js';
import { msat } from '../../src/util/msat.js';
import { DIALECTS, openTestDatabase, startTestEngine, type TestDatabase } from '../helpers/db.js';
import { targetFromInvoice, TestPayer, type HtlcPayloadJson } from '../helpers/payer.js';

const quiet = { debug() {}, info() {}, warn() {} };
const HEIGHT = 800_000;

function expectResolve(r: HtlcAcceptedResult, preimage: Uint8Array): void {
  if (r.result !== 'resolve') throw new Error(`expected resolve, got ${JSON.stringify(r)}`);
  expect(toHex(r.payment_key)).toBe(toHex(preimage));
}

for (const dialect of DIALECTS) {
  describe.skipIf(!dialect.available)(`payment durability on ${dialect.name}`, () => {
    let t: TestDatabase;
    let engine: InvoiceEngineImpl;
    let clock: ManualClock;
    const processors: PaymentProcessor[] = [];
    const processor = (initialBlockheight?: number) => {
      const p = createPaymentProcessor({
        engine,
        clock,
        cltvFinal: 10,
        logger: quiet,
        ...(initialBlockheight !== undefined ? { initialBlockheight } : {}),
      });
      processors.push(p);
      return p;
    };
    const send = (p: PaymentProcessor, j: HtlcPayloadJson) => p.htlcAccepted(parseHtlcAccepted(j.onion, j.htlc));

    beforeEach(async () => {
      t = await openTestDatabase(dialect);
      ({ engine, clock } = await startTestEngine(t.db));
    });
    afterEach(async () => {
      for (const p of processors.splice(0)) p.close();
      await engine.close();
      await t.cleanup();
    });

    /** Pays a new invoice `label` in `parts` HTLCs; returns the payloads and the preimage. */
    async function payInvoice(label: string, parts: number) {
      const { invoice } = await engine.create({ label, amount_msat: msat(3000n), description: label });
      const payer = new TestPayer({ blockheight: HEIGHT });
      const htlcs = payer.pay(targetFromInvoice(invoice.invstring), { parts });
      const proc = processor();
      for (const r of await Promise.all(htlcs.map((h) => send(proc, h)))) expectResolve(r, invoice.payment_preimage);
      return { htlcs, preimage: invoice.payment_preimage };
    }

    it('delinvoice of a paid invoice: a replay of its HTLCs (after a restart) still resolves with the preimage', async () => {
      const { htlcs, preimage } = await payInvoice('paid-then-deleted', 3);
      const hash = Buffer.from(htlcs[0]!.htlc.payment_hash, 'hex');
      await engine.delete('paid-then-deleted', 'paid', false);
      expect(await engine.getByPaymentHash(hash)).toBeUndefined();
      // The bridge crashed before delivering the answers; the daemon restarted; the node replays.
      await engine.close();
      ({ engine, clock } = await startTestEngine(await t.openAnother()));
      const fresh = processor();
      for (const h of htlcs) expectResolve(await send(fresh, h), preimage);
      // Another HTLC for that hash is not ours any more: the invoice is gone.
      const other = new TestPayer({ blockheight: HEIGHT, channels: ['999x1x0'] }).pay(
        { payment_hash: hash, amount_msat: 3000n },
        { payment_secret: null },
      )[0]!;
      expect(await send(fresh, other)).toEqual({ result: 'continue' });
    });

    it('autoclean of paid invoices keeps their HTLC records too', async () => {
      const { htlcs, preimage } = await payInvoice('cleaned', 1);
      clock.advance(10_000_000);
      expect(await engine.autocleanOnce('paidinvoices', 1n)).toMatchObject({ cleaned: 1 });
      expect(await engine.list({ label: 'cleaned' })).toEqual([]);
      expectResolve(await send(processor(), htlcs[0]!), preimage);
    });

    it('the highest block height seen in an HTLC is stored, only ever raised, and read back after a restart', async () => {
      expect(await engine.storedBlockheight()).toBeUndefined();
      const { invoice } = await engine.create({ label: 'h', amount_msat: msat(3000n), description: 'h' });
      const target = targetFromInvoice(invoice.invstring);
      const payer = new TestPayer({ blockheight: HEIGHT });
      const proc = processor();
      // Refused HTLCs (1 msat) tell the height just the same.
      const htlcAt = async (height: number) => {
        payer.blockheight = height;
        await send(proc, payer.pay(target, { amounts: [1n] })[0]!);
        await engine.idle();
      };
      await htlcAt(HEIGHT);
      expect(await engine.storedBlockheight()).toBe(HEIGHT);
      await htlcAt(HEIGHT - 10);
      expect(await engine.storedBlockheight()).toBe(HEIGHT);
      await htlcAt(HEIGHT + 3);
      expect(proc.blockheight()).toBe(HEIGHT + 3);
      // Restart: the stored height is where getinfo starts from (the daemon passes it in).
      await engine.close();
      ({ engine, clock } = await startTestEngine(await t.openAnother()));
      const stored = await engine.storedBlockheight();
      expect(stored).toBe(HEIGHT + 3);
      expect(processor(stored).blockheight()).toBe(HEIGHT + 3);
      // This engine has noted nothing yet; a lower height (another daemon behind) does not lower the row.
      engine.noteBlockheight(HEIGHT - 500);
      await engine.idle();
      expect(await engine.storedBlockheight()).toBe(HEIGHT + 3);
      for (let h = HEIGHT + 4; h < HEIGHT + 20; h++) engine.noteBlockheight(h);
      await engine.idle();
      expect(await engine.storedBlockheight()).toBe(HEIGHT + 19);
    });

    it('migration 0004 back-fills the preimage of HTLC rows written before it', async () => {
      const schema = 'schema' in t.openOptions ? t.openOptions.schema : undefined;
      const { htlcs, preimage } = await payInvoice('before-0004', 2);
      await engine.close();
      // Back to schema 0003, where rows had no preimage, then forward again.
      await t.schemaChange(() => migrateInvoiceDatabase(t.db.db, schema, '0003-merchant'));
      const cols = async () =>
        dialect.name === 'sqlite'
          ? (await sql<{ name: string }>`select name from pragma_table_info('invoice_htlcs')`.execute(t.db.db)).rows.map((r) => r.name)
          : (
              await sql<{ name: string }>`select column_name as name from information_schema.columns
                where table_name = 'invoice_htlcs' and table_schema = current_schema()`.execute(t.db.db)
            ).rows.map((r) => r.name);
      expect(await cols()).not.toContain('payment_preimage');
      await t.schemaChange(() => migrateInvoiceDatabase(t.db.db, schema));
      expect(await cols()).toContain('payment_preimage');
      ({ engine, clock } = await startTestEngine(t.db));
      await engine.delete('before-0004', 'paid', false);
      const fresh = processor();
      for (const h of htlcs) expectResolve(await send(fresh, h), preimage);
    });
  });
}
