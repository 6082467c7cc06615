/**
 * Hold invoices against the real engine, payment processor and database, once per dialect: every
 * transition, the deadlines with an injected clock and block heights, a restart in every state, and
 * races between settle, cancel, auto-cancel and expiry (exactly one wins).
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { InvoiceDatabase } from '../../src/invoice/store/db.js';
import type { InvoiceEngineImpl } from '../../src/invoice/engine.js';
import { createExtras } from '../../src/invoice/create-extras.js';
import { createHoldInvoiceEngine, type HoldInvoiceEngine } from '../../src/invoice/hold/hold-engine.js';
import { parseHtlcAccepted, type HtlcAcceptedResult } from '../../src/invoice/payments/htlc-payload.js';
import { createPaymentProcessor, type PaymentProcessor } from '../../src/invoice/payments/processor.js';
import { ManualClock } from '../../src/util/clock.js';
import { toHex } from '../../src/util/hex.js';
import { msat } from '../../src/util/msat.js';
import { DIALECTS, openTestDatabase, startTestEngine, type TestDatabase } from '../helpers/db.js';
import { decodeFailure, targetFromInvoice, TestPayer, type HtlcPayloadJson } from '../helpers/payer.js';

const quiet = { debug() {}, info() {}, warn() {} };
const HEIGHT = 800_000;
const CLTV = 40;

function expectFail(r: HtlcAcceptedResult): void {
  if (r.result !== 'fail') throw new Error(`expected fail, got ${JSON.stringify(r)}`);
  expect(decodeFailure(toHex(r.failure_message)).name).toBe('incorrect_or_unknown_payment_details');
}

interface Node {
  engine: InvoiceEngineImpl;
  payments: PaymentProcessor;
  hold: HoldInvoiceEngine;
  /** The height the hold engine reads (moved by hand, or by HTLCs). */
  height: { value: number };
}

for (const dialect of DIALECTS) {
  describe.skipIf(!dialect.available)(`hold invoices on ${dialect.name}`, () => {
    let t: TestDatabase;
    let clock: ManualClock;
    let node: Node;
    let payer: TestPayer;
    const nodes: Node[] = [];

    async function startNode(db: InvoiceDatabase): Promise<Node> {
      const { engine } = await startTestEngine(db, { clock });
      const height = { value: 0 };
      let hold: HoldInvoiceEngine | undefined = undefined;
      const payments = createPaymentProcessor({ engine, clock, cltvFinal: 10, logger: quiet, hold: () => hold });
      hold = createHoldInvoiceEngine({
        engine,
        db: db.db,
        clock,
        blockheight: () => Math.max(height.value, payments.blockheight()),
        defaultExpiry: 7200,
      });
      await hold.start();
      const n = { engine, payments, hold, height };
      nodes.push(n);
      return n;
    }

    async function stopNode(n: Node): Promise<void> {
      n.hold.close();
      n.payments.close();
      await n.engine.close();
      nodes.splice(nodes.indexOf(n), 1);
    }

    beforeEach(async () => {
      t = await openTestDatabase(dialect);
      clock = new ManualClock(1_700_000_000_000);
      // One payer per test: HTLC ids are never reused on a channel.
      payer = new TestPayer({ blockheight: HEIGHT });
      node = await startNode(t.db);
    });
    afterEach(async () => {
      for (const n of [...nodes]) await stopNode(n);
      await t.cleanup();
    });

    const send = (n: Node, j: HtlcPayloadJson) => n.payments.htlcAccepted(parseHtlcAccepted(j.onion, j.htlc));

    async function holdInvoice(label: string, o: { payment_hash?: Uint8Array; expiry?: bigint } = {}) {
      const created = await node.hold.create({
        label,
        amount_msat: msat(3000n),
        description: label,
        cltv: CLTV,
        ...(o.expiry !== undefined ? { expiry: o.expiry } : {}),
        ...(o.payment_hash ? { payment_hash: o.payment_hash } : {}),
      });
      return created.invoice;
    }

    /** Sends `parts` HTLCs paying `invstring`; returns their pending answers and payloads. */
    function pay(n: Node, invstring: string, parts: number) {
      const htlcs = payer.pay(targetFromInvoice(invstring), { parts });
      const answers = htlcs.map((h) => send(n, h));
      return { htlcs, answers };
    }

    /** Records when each promise settles, without waiting for it. */
    function watch<T>(ps: Promise<T>[]): { settled: () => number } {
      let done = 0;
      for (const p of ps) p.then(() => done++, () => done++);
      return { settled: () => done };
    }

    const stateOf = async (hash: Uint8Array) => (await node.hold.lookup(hash)).state;
    /** Waits, on the engine's `updated` events (no timer), until the hold invoice reaches `state`. */
    async function until(hash: Uint8Array, state: string): Promise<void> {
      for (;;) {
        const next = (await node.engine.counts()).updated_index + 1;
        if ((await stateOf(hash)) === state) return;
        await node.engine.wait('updated', BigInt(next));
      }
    }
    const listed = async (label: string) => (await node.engine.list({ label }))[0]!;

    it('holds a 3-part MPP until the whole set arrived, then until settled; settle fulfils every part', async () => {
      const inv = await holdInvoice('mpp');
      expect(inv.holdstate).toBe('OPEN');
      const htlcs = payer.pay(targetFromInvoice(inv.invstring), { parts: 3 });
      const first = [send(node, htlcs[0]!), send(node, htlcs[1]!)];
      await vi.waitFor(() => expect(node.payments.pendingSets()).toBe(1), { timeout: 15_000 });
      expect(await stateOf(inv.payment_hash)).toBe('OPEN');
      const third = send(node, htlcs[2]!);
      const all = [...first, third];
      const w = watch(all);
      await until(inv.payment_hash, 'ACCEPTED');
      expect(await node.hold.lookup(inv.payment_hash)).toEqual({ state: 'ACCEPTED', htlc_expiry: HEIGHT + CLTV + 2 });
      expect(w.settled()).toBe(0);
      const accepted = await listed('mpp');
      expect(accepted.status).toBe('unpaid');
      expect(accepted.updated_index).toBe(1);

      expect(await node.hold.settle(inv.payment_hash, undefined)).toBe('SETTLED');
      for (const r of await Promise.all(all)) expect(r).toEqual({ result: 'resolve', payment_key: inv.payment_preimage });
      const paid = await listed('mpp');
      expect(paid.status).toBe('paid');
      expect(paid.holdstate).toBe('SETTLED');
      expect(paid.amount_received_msat).toBe(3000n);
      expect(paid.updated_index).toBe(2);
      expect(await node.hold.lookup(inv.payment_hash)).toEqual({ state: 'SETTLED' });
      // Settling again is harmless (the plugin's SETTLED → SETTLED); cancelling is not.
      expect(await node.hold.settle(inv.payment_hash, undefined)).toBe('SETTLED');
      await expect(node.hold.cancel(inv.payment_hash)).rejects.toThrow("Holdinvoice is in wrong state: 'SETTLED'");
      // A later HTLC for it is refused.
      expectFail(await pay(node, inv.invstring, 1).answers[0]!);
    });

    it('keeps an HTLC id above 2^53 exact: settled, its replay is fulfilled (also after a restart)', async () => {
      const inv = await holdInvoice('big-id');
      const [h] = payer.pay(targetFromInvoice(inv.invstring), { parts: 1 });
      // As CLN writes it in JSON: an integer beyond a double's exact range (9007199254740993 = 2^53 + 1).
      const big = { ...h!, htlc: { ...h!.htlc, id: '9007199254740993' as unknown as number } };
      const first = send(node, big);
      await until(inv.payment_hash, 'ACCEPTED');
      expect(await node.hold.settle(inv.payment_hash, undefined)).toBe('SETTLED');
      expect(await first).toEqual({ result: 'resolve', payment_key: inv.payment_preimage });
      expect(await send(node, big)).toEqual({ result: 'resolve', payment_key: inv.payment_preimage });
      await stopNode(node);
      node = await startNode(await t.openAnother());
      expect(await send(node, big)).toEqual({ result: 'resolve', payment_key: inv.payment_preimage });
      // Its neighbour (the id a rounding would have recorded) is another, unknown HTLC.
      expectFail(await send(node, { ...big, htlc: { ...big.htlc, id: '9007199254740992' as unknown as number } }));
    });

    it('a part of the settled set checked against the settled invoice is fulfilled, never failed (a replay racing the settle)', async () => {
      const inv = await holdInvoice('race');
      const htlcs = payer.pay(targetFromInvoice(inv.invstring), { parts: 2 });
      const all = htlcs.map((h) => send(node, h));
      await until(inv.payment_hash, 'ACCEPTED');
      expect(await node.hold.settle(inv.payment_hash, undefined)).toBe('SETTLED');
      for (const r of await Promise.all(all)) expect(r).toEqual({ result: 'resolve', payment_key: inv.payment_preimage });
      // The payment processor reads the paid HTLCs and the invoice side by side: a replay whose first read
      // came before the settle's commit and whose second after meets the invoice SETTLED, and no record.
      const settled = await listed('race');
      expect(settled.holdstate).toBe('SETTLED');
      let early = true;
      const racing = new Proxy(node.engine, {
        get(target, key) {
          if (key === 'findPaidHtlc' && early) {
            early = false;
            return async () => undefined; // the read that came before the settle's commit
          }
          const v: unknown = Reflect.get(target, key);
          return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
        },
      });
      const racer = createPaymentProcessor({ engine: racing, clock, cltvFinal: 10, logger: quiet, hold: () => node.hold });
      try {
        const replay = parseHtlcAccepted(htlcs[1]!.onion, htlcs[1]!.htlc);
        expect(await racer.htlcAccepted(replay)).toEqual({ result: 'resolve', payment_key: inv.payment_preimage });
        expect(early).toBe(false);
        // An HTLC not of the set still fails.
        const other = parseHtlcAccepted(htlcs[1]!.onion, { ...htlcs[1]!.htlc, id: 999_999 });
        expectFail(await racer.htlcAccepted(other));
      } finally {
        racer.close();
      }
    });

    it('reports each transition as an updated bump with its holdstate', async () => {
      const inv = await holdInvoice('bumps');
      const waits = [1n, 2n].map((v) => node.engine.wait('updated', v));
      const { answers } = pay(node, inv.invstring, 1);
      expect(await waits[0]).toEqual({ index: 'updated', value: 1, details: { status: 'unpaid', label: 'bumps', holdstate: 'ACCEPTED' } });
      await node.hold.cancel(inv.payment_hash);
      expect(await waits[1]).toEqual({ index: 'updated', value: 2, details: { status: 'unpaid', label: 'bumps', holdstate: 'CANCELED' } });
      expectFail(await answers[0]!);
    });

    it('cancel fails the held parts; a canceled invoice refuses every HTLC and any settle', async () => {
      const inv = await holdInvoice('cancel');
      const { answers } = pay(node, inv.invstring, 2);
      await until(inv.payment_hash, 'ACCEPTED');
      expect(await stateOf(inv.payment_hash)).toBe('ACCEPTED');
      expect(await node.hold.cancel(inv.payment_hash)).toBe('CANCELED');
      for (const r of await Promise.all(answers)) expectFail(r);
      expect(await node.hold.cancel(inv.payment_hash)).toBe('CANCELED');
      await expect(node.hold.settle(inv.payment_hash, undefined)).rejects.toThrow("Holdinvoice is in wrong state: 'CANCELED'");
      expectFail(await pay(node, inv.invstring, 1).answers[0]!);
      const row = await listed('cancel');
      expect(row.status).toBe('unpaid');
      expect(row.holdstate).toBe('CANCELED');
    });

    it('refuses to settle an OPEN invoice; cancels one; unknown hashes are named', async () => {
      const inv = await holdInvoice('open');
      await expect(node.hold.settle(inv.payment_hash, undefined)).rejects.toThrow("Holdinvoice is in wrong state: 'OPEN'");
      expect(await node.hold.cancel(inv.payment_hash)).toBe('CANCELED');
      const other = sha256(new Uint8Array([9]));
      await expect(node.hold.lookup(other)).rejects.toThrow(`payment_hash '${toHex(other)}' not found`);
      // An ordinary invoice is not a hold invoice.
      const { invoice } = await node.engine.create({ label: 'plain', amount_msat: msat(1000n), description: 'x' });
      await expect(node.hold.settle(invoice.payment_hash, undefined)).rejects.toThrow('not found');
    });

    it('made from a payment hash with an idempotency key: a repeat after the settle answers the first payment_secret', async () => {
      const preimage = sha256(new TextEncoder().encode('idempotent hold'));
      const hash = sha256(preimage);
      const p = { label: 'hash-key', amount_msat: msat(3000n), description: 'd', cltv: CLTV, payment_hash: hash };
      const ext = () => createExtras('holdinvoice', { ...p, idempotency_key: 'hk-1' });
      const first = await node.hold.create(p, ext());
      expect(toHex(first.payment_secret)).toBe(toHex(targetFromInvoice(first.invoice.invstring).payment_secret!));
      const { answers } = pay(node, first.invoice.invstring, 1);
      await until(hash, 'ACCEPTED');
      expect(await node.hold.settle(hash, preimage)).toBe('SETTLED');
      expect((await answers[0]!).result).toBe('resolve');
      const again = await node.hold.create(p, ext());
      expect(toHex(again.payment_secret)).toBe(toHex(first.payment_secret));
      expect(again.invoice.invstring).toBe(first.invoice.invstring);
      expect(again.warnings).toEqual(first.warnings);
    });

    it('made from a payment hash alone: settle needs the preimage that hashes to it', async () => {
      const preimage = sha256(new TextEncoder().encode('merchant secret'));
      const hash = sha256(preimage);
      const inv = await holdInvoice('hash-only', { payment_hash: hash });
      expect(toHex(inv.payment_hash)).toBe(toHex(hash));
      expect(toHex(targetFromInvoice(inv.invstring).payment_hash)).toBe(toHex(hash));
      const { answers } = pay(node, inv.invstring, 1);
      await until(inv.payment_hash, 'ACCEPTED');
      await expect(node.hold.settle(hash, undefined)).rejects.toThrow(
        'payment_preimage: required: this hold invoice was made from its payment_hash',
      );
      await expect(node.hold.settle(hash, sha256(preimage))).rejects.toThrow('payment_preimage: does not hash to payment_hash');
      expect(await stateOf(hash)).toBe('ACCEPTED');
      // lnd's form: the preimage alone.
      expect(await node.hold.settle(undefined, preimage)).toBe('SETTLED');
      expect(await answers[0]).toEqual({ result: 'resolve', payment_key: preimage });
      expect(toHex((await listed('hash-only')).payment_preimage)).toBe(toHex(preimage));
    });

    it('auto-cancels an accepted set N blocks before its HTLCs expire (height from a later HTLC)', async () => {
      const inv = await holdInvoice('blocks');
      const { answers } = pay(node, inv.invstring, 1);
      await until(inv.payment_hash, 'ACCEPTED');
      const htlc_expiry = HEIGHT + CLTV + 2;
      // One block before the deadline: still ACCEPTED.
      const other = await node.engine.create({ label: 'plain', amount_msat: msat(1000n), description: 'x' });
      await send(node, new TestPayer({ blockheight: htlc_expiry - 7, channels: ['900x1x0'] }).pay(targetFromInvoice(other.invoice.invstring))[0]!);
      await node.hold.idle();
      expect(await stateOf(inv.payment_hash)).toBe('ACCEPTED');
      // The block 6 before htlc_expiry arrives with an HTLC: cancelled, the held part fails.
      const other2 = await node.engine.create({ label: 'plain2', amount_msat: msat(1000n), description: 'x' });
      await send(node, new TestPayer({ blockheight: htlc_expiry - 6, channels: ['901x1x0'] }).pay(targetFromInvoice(other2.invoice.invstring))[0]!);
      expectFail(await answers[0]!);
      expect(await stateOf(inv.payment_hash)).toBe('CANCELED');
    });

    it('a settle after the block deadline is refused and the cancel wins, never half-applied', async () => {
      const inv = await holdInvoice('late');
      const { answers } = pay(node, inv.invstring, 1);
      await until(inv.payment_hash, 'ACCEPTED');
      node.height.value = HEIGHT + CLTV + 2 - 6; // moved without telling the engine: no sweep ran
      await expect(node.hold.settle(inv.payment_hash, undefined)).rejects.toThrow(
        `Holdinvoice is past its deadline and was canceled: its HTLCs expire at block ${HEIGHT + CLTV + 2}, within 6 blocks of the current height ${HEIGHT + CLTV - 4}`,
      );
      expectFail(await answers[0]!);
      const row = await listed('late');
      expect([row.status, row.holdstate, row.pay_index]).toEqual(['unpaid', 'CANCELED', undefined]);
    });

    it('an OPEN invoice is canceled cancel-before-invoice-expiry seconds before it expires; an ACCEPTED one at expiry', async () => {
      const open = await holdInvoice('soft-open', { expiry: 7200n });
      const acc = await holdInvoice('soft-accepted', { expiry: 7200n });
      const { answers } = pay(node, acc.invstring, 1);
      await until(acc.payment_hash, 'ACCEPTED');
      clock.advance((7200 - 1800 - 1) * 1000);
      await node.hold.idle();
      expect(await stateOf(open.payment_hash)).toBe('OPEN');
      clock.advance(1000);
      await node.hold.idle();
      expect(await stateOf(open.payment_hash)).toBe('CANCELED');
      // Soft expiry leaves an accepted set settleable.
      expect(await stateOf(acc.payment_hash)).toBe('ACCEPTED');
      // A new HTLC for the open one is refused now.
      clock.advance(1799 * 1000);
      await node.hold.idle();
      expect(await stateOf(acc.payment_hash)).toBe('ACCEPTED');
      clock.advance(1000);
      expectFail(await answers[0]!);
      expect(await stateOf(acc.payment_hash)).toBe('CANCELED');
      await expect(node.hold.settle(acc.payment_hash, undefined)).rejects.toThrow("Holdinvoice is in wrong state: 'CANCELED'");
    });

    it('refuses an expiry within cancel-before-invoice-expiry', async () => {
      await expect(holdInvoice('short', { expiry: 1800n })).rejects.toThrow(
        'expiry: should be more than 1800 seconds (holdinvoice-cancel-before-invoice-expiry)',
      );
    });

    describe('restart', () => {
      async function restart(): Promise<void> {
        await stopNode(node);
        node = await startNode(await t.openAnother());
      }

      it('OPEN: stays OPEN and takes a payment', async () => {
        const inv = await holdInvoice('r-open');
        await restart();
        expect(await stateOf(inv.payment_hash)).toBe('OPEN');
        const { answers } = pay(node, inv.invstring, 1);
        await until(inv.payment_hash, 'ACCEPTED');
        expect(await stateOf(inv.payment_hash)).toBe('ACCEPTED');
        await node.hold.settle(inv.payment_hash, undefined);
        expect((await answers[0]!).result).toBe('resolve');
      });

      it('ACCEPTED: the answers wait through a restart; the replayed set is held again and settled', async () => {
        const inv = await holdInvoice('r-acc');
        const { htlcs, answers } = pay(node, inv.invstring, 3);
        await until(inv.payment_hash, 'ACCEPTED');
        await restart();
        // The old daemon gave no final answer: the node replays.
        for (const a of answers) await expect(a).rejects.toThrow('Shutting down');
        expect(await node.hold.lookup(inv.payment_hash)).toEqual({ state: 'ACCEPTED', htlc_expiry: HEIGHT + CLTV + 2 });
        // One replayed part alone is held (not timed out as an incomplete set).
        const replays = [send(node, htlcs[1]!)];
        await vi.waitFor(() => expect(node.hold.heldParts()).toBe(1), { timeout: 15_000 });
        // Past the MPP timeout: a held replay is not an incomplete set that times out.
        clock.advance(80_000);
        replays.push(send(node, htlcs[0]!), send(node, htlcs[2]!));
        expect(await node.hold.settle(inv.payment_hash, undefined)).toBe('SETTLED');
        for (const r of await Promise.all(replays)) expect(r).toEqual({ result: 'resolve', payment_key: inv.payment_preimage });
        // An HTLC outside the accepted set is refused.
        expectFail(await pay(node, inv.invstring, 1).answers[0]!);
      });

      it('SETTLED: replays after a restart are fulfilled again', async () => {
        const inv = await holdInvoice('r-set');
        const { htlcs } = pay(node, inv.invstring, 2);
        await until(inv.payment_hash, 'ACCEPTED');
        await node.hold.settle(inv.payment_hash, undefined);
        await restart();
        for (const h of htlcs) expect(await send(node, h)).toEqual({ result: 'resolve', payment_key: inv.payment_preimage });
      });

      it('CANCELED: replays after a restart fail', async () => {
        const inv = await holdInvoice('r-can');
        const { htlcs } = pay(node, inv.invstring, 2);
        await until(inv.payment_hash, 'ACCEPTED');
        await node.hold.cancel(inv.payment_hash);
        await restart();
        for (const h of htlcs) expectFail(await send(node, h));
        expect(await stateOf(inv.payment_hash)).toBe('CANCELED');
      });

      it('a deadline passed while down is applied at start', async () => {
        const inv = await holdInvoice('r-down', { expiry: 7200n });
        await stopNode(node);
        clock.advance((7200 - 1800) * 1000);
        node = await startNode(await t.openAnother());
        expect(await stateOf(inv.payment_hash)).toBe('CANCELED');
      });
    });

    describe('races: exactly one wins', () => {
      it('settle vs cancel, in one batch and in either order', async () => {
        for (const order of ['settle-first', 'cancel-first'] as const) {
          const inv = await holdInvoice(`race-${order}`);
          const { answers } = pay(node, inv.invstring, 1);
          await until(inv.payment_hash, 'ACCEPTED');
          const settle = () => node.hold.settle(inv.payment_hash, undefined);
          const cancel = () => node.hold.cancel(inv.payment_hash);
          // Both join one write batch; the one queued first wins, the other meets its state guard.
          const results = await Promise.allSettled(order === 'settle-first' ? [settle(), cancel()] : [cancel(), settle()]);
          expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected']);
          const loser = results[1];
          expect(loser?.status === 'rejected' && String(loser.reason)).toContain('Holdinvoice is in wrong state');
          const state = await stateOf(inv.payment_hash);
          expect(state).toBe(order === 'settle-first' ? 'SETTLED' : 'CANCELED');
          const answer = await answers[0]!;
          if (state === 'SETTLED') expect(answer.result).toBe('resolve');
          else expectFail(answer);
        }
      });

      it('settle vs cancel vs auto-cancel vs expiry sweep at the deadline', async () => {
        const inv = await holdInvoice('race-all', { expiry: 7200n });
        const { answers } = pay(node, inv.invstring, 1);
        await until(inv.payment_hash, 'ACCEPTED');
        const before = (await node.engine.counts()).updated_index;
        clock.advance(inv.expires_at * 1000 - clock.now());
        const results = await Promise.allSettled([
          node.hold.settle(inv.payment_hash, undefined),
          node.hold.cancel(inv.payment_hash),
          node.engine.sweepExpired(),
        ]);
        expect(results[0]!.status).toBe('rejected');
        expectFail(await answers[0]!);
        expect(await stateOf(inv.payment_hash)).toBe('CANCELED');
        // One change only: the cancel or the expiry, never both, never a payment.
        expect((await node.engine.counts()).updated_index).toBe(before + 1);
        expect((await listed('race-all')).pay_index).toBeUndefined();
      });

      it.skipIf(dialect.name !== 'postgres')('two daemons on one database: settle on one, cancel on the other', async () => {
        const other = await startNode(await t.openAnother());
        const inv = await holdInvoice('two');
        const { answers } = pay(node, inv.invstring, 1);
        await until(inv.payment_hash, 'ACCEPTED');
        const results = await Promise.allSettled([node.hold.settle(inv.payment_hash, undefined), other.hold.cancel(inv.payment_hash)]);
        expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
        const state = await stateOf(inv.payment_hash);
        const answer = await answers[0]!;
        if (state === 'SETTLED') expect(answer.result).toBe('resolve');
        else expectFail(answer);
      });
    });
  });
}
