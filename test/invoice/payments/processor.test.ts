import { sha256 } from '@noble/hashes/sha2.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvoiceError } from '../../../src/invoice/errors.js';
import type { Invoice } from '../../../src/invoice/invoice.js';
import { parseHtlcAccepted, type HtlcAcceptedResult } from '../../../src/invoice/payments/htlc-payload.js';
import {
  createPaymentProcessor,
  type InvoiceChange,
  type PaidHtlcPart,
  type PaymentEngine,
  type PaymentLogger,
  type PaymentProcessorOptions,
} from '../../../src/invoice/payments/processor.js';
import { bolt12PathSecret, paymentSecretFromPreimage } from '../../../src/invoice/payments/secret.js';
import { ManualClock, nowSeconds, type Clock } from '../../../src/util/clock.js';
import { toHex } from '../../../src/util/hex.js';
import { msat, type Msat } from '../../../src/util/msat.js';
import { decodeFailure, TestPayer, type HtlcPayloadJson } from '../../helpers/payer.js';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/**
 * In-memory stand-in for the four engine methods payments use, with the engine's guarantees (guarded
 * unpaid → paid with expires_at > now, parts recorded, change events), and knobs to delay or break markPaid.
 */
class FakePaymentEngine implements PaymentEngine {
  readonly invoices = new Map<string, Mutable<Invoice>>();
  readonly parts = new Map<string, { payment_hash: Uint8Array; preimage: Uint8Array }>();
  readonly markPaidCalls: { payment_hash: string; amount: bigint; parts: PaidHtlcPart[] }[] = [];
  private listeners: ((c: InvoiceChange) => void)[] = [];
  private nextPayIndex = 1;
  private seq = 0;
  /** When set, markPaid waits for it before committing. */
  gate?: Promise<void>;
  /** When set, the next markPaid throws it (before committing). */
  breakNext?: Error;

  constructor(private readonly clock: Clock) {}

  /** Adds an unpaid invoice; returns it with its BOLT11 payment_secret. */
  add(o: { amount_msat?: bigint; expiry?: number; kind?: 'bolt11' | 'bolt12'; preimage?: Uint8Array } = {}) {
    const n = ++this.seq;
    const preimage = o.preimage ?? sha256(new TextEncoder().encode(`preimage ${n} ${Math.random()}`));
    const payment_hash = sha256(preimage);
    const now = nowSeconds(this.clock);
    const inv: Mutable<Invoice> = {
      label: `label-${n}`,
      invstring: `lnbcrt-fake-${n}`,
      kind: o.kind ?? 'bolt11',
      payment_hash,
      ...(o.amount_msat !== undefined && { amount_msat: msat(o.amount_msat) }),
      status: 'unpaid',
      payment_preimage: preimage,
      expires_at: now + (o.expiry ?? 3600),
      created_index: n,
      created_at: now,
    };
    this.invoices.set(toHex(payment_hash), inv);
    return {
      invoice: inv as Invoice,
      target: {
        payment_hash,
        payment_secret: paymentSecretFromPreimage(preimage),
        ...(o.amount_msat !== undefined && { amount_msat: o.amount_msat }),
      },
    };
  }

  async getByPaymentHash(payment_hash: Uint8Array): Promise<Invoice | undefined> {
    const inv = this.invoices.get(toHex(payment_hash));
    return inv && { ...inv };
  }

  async markPaid(payment_hash: Uint8Array, amount_received_msat: Msat, parts: readonly PaidHtlcPart[]): Promise<Invoice> {
    this.markPaidCalls.push({ payment_hash: toHex(payment_hash), amount: amount_received_msat, parts: [...parts] });
    if (this.gate) await this.gate;
    if (this.breakNext) {
      const e = this.breakNext;
      delete this.breakNext;
      throw e;
    }
    const inv = this.invoices.get(toHex(payment_hash));
    if (!inv || inv.status !== 'unpaid' || inv.expires_at <= nowSeconds(this.clock)) {
      throw new InvoiceError('Failed', 'invoice is not unpaid');
    }
    inv.status = 'paid';
    inv.pay_index = this.nextPayIndex++;
    inv.amount_received_msat = amount_received_msat;
    inv.paid_at = nowSeconds(this.clock);
    for (const p of parts) {
      this.parts.set(`${p.short_channel_id}/${p.id}`, { payment_hash, preimage: inv.payment_preimage });
    }
    this.emit({ payment_hash, status: 'paid' });
    return { ...inv };
  }

  readonly notedHeights: number[] = [];
  readonly writtenHeights: number[] = [];
  noteBlockheight(height: number): void {
    this.notedHeights.push(height);
  }
  async writeBlockheight(height: number): Promise<void> {
    this.writtenHeights.push(height);
  }

  async findPaidHtlc(short_channel_id: string, id: bigint) {
    return this.parts.get(`${short_channel_id}/${id}`);
  }

  onInvoiceChange(listener: (change: InvoiceChange) => void): () => void {
    this.listeners.push(listener);
    return () => {
      this.listeners = this.listeners.filter((l) => l !== listener);
    };
  }

  /** The expiry sweep or delinvoice, as the engine would report them. */
  setStatus(payment_hash: Uint8Array, status: 'expired' | 'deleted'): void {
    const key = toHex(payment_hash);
    if (status === 'deleted') this.invoices.delete(key);
    else this.invoices.get(key)!.status = 'expired';
    this.emit({ payment_hash, status });
  }

  get listenerCount(): number {
    return this.listeners.length;
  }

  private emit(c: InvoiceChange): void {
    for (const l of this.listeners) l(c);
  }
}

/** A logger that keeps debug lines so tests can assert the reason was logged in words. */
function memoryLogger() {
  const lines: { level: string; obj: Record<string, unknown>; msg: string }[] = [];
  const log =
    (level: string) =>
    (obj: Record<string, unknown>, msg: string): void => {
      lines.push({ level, obj, msg });
    };
  const logger: PaymentLogger = { debug: log('debug'), info: log('info'), warn: log('warn') };
  return { logger, lines };
}

const HEIGHT = 800_000;
const CLTV_FINAL = 18;

function setup(o: Partial<PaymentProcessorOptions> = {}) {
  const clock = new ManualClock();
  const engine = new FakePaymentEngine(clock);
  const { logger, lines } = memoryLogger();
  const base = new Uint8Array(32).fill(9);
  const make = (extra: Partial<PaymentProcessorOptions> = {}) =>
    createPaymentProcessor({
      engine,
      clock,
      cltvFinal: CLTV_FINAL,
      logger,
      bolt12InvoiceBase: base,
      ...o,
      ...extra,
    });
  const proc = make();
  const payer = new TestPayer({ blockheight: HEIGHT });
  const send = (j: HtlcPayloadJson) => proc.htlcAccepted(parseHtlcAccepted(j.onion, j.htlc));
  return { clock, engine, proc, payer, send, lines, base, make };
}

/** Lets every pending promise callback run. */
const flush = () => new Promise<void>((r) => setImmediate(r));

/** Settled value of `p` now, or 'pending'. */
async function peek<T>(p: Promise<T>): Promise<T | 'pending'> {
  await flush();
  return Promise.race([p, Promise.resolve('pending' as const)]);
}

function expectFail(r: HtlcAcceptedResult | 'pending') {
  if (r === 'pending' || r.result !== 'fail') throw new Error(`expected a failure, got ${JSON.stringify(r)}`);
  return decodeFailure(toHex(r.failure_message));
}

function expectResolve(r: HtlcAcceptedResult | 'pending', preimage: Uint8Array) {
  expect(r).not.toBe('pending');
  if (r === 'pending' || r.result !== 'resolve') throw new Error(`expected resolve, got ${JSON.stringify(r)}`);
  expect(toHex(r.payment_key)).toBe(toHex(preimage));
}

const unknownDetails = (htlc_msat: bigint, height = HEIGHT) => ({
  code: 0x400f,
  name: 'incorrect_or_unknown_payment_details',
  htlc_msat,
  height,
});

describe('single-part payments', () => {
  it('resolves an exact payment with the preimage, after the engine recorded it', async () => {
    const { engine, payer, send, proc } = setup();
    const { invoice, target } = engine.add({ amount_msat: 100_000n });
    const [h] = payer.pay(target);
    expectResolve(await send(h!), invoice.payment_preimage);
    const stored = engine.invoices.get(toHex(invoice.payment_hash))!;
    expect(stored.status).toBe('paid');
    expect(stored.amount_received_msat).toBe(100_000n);
    expect(stored.pay_index).toBe(1);
    expect(engine.markPaidCalls).toEqual([
      {
        payment_hash: toHex(invoice.payment_hash),
        amount: 100_000n,
        parts: [{ short_channel_id: h!.htlc.short_channel_id, id: BigInt(h!.htlc.id), amount_msat: 100_000n }],
      },
    ]);
    expect(proc.pendingSets()).toBe(0);
  });

  it('answers continue for a payment hash that is not ours', async () => {
    const { payer, send, engine } = setup();
    const [h] = payer.pay({ payment_hash: new Uint8Array(32).fill(7), payment_secret: new Uint8Array(32), amount_msat: 5n });
    expect(await send(h!)).toEqual({ result: 'continue' });
    expect(engine.markPaidCalls).toEqual([]);
  });

  it('refuses 1 msat short, with the HTLC amount and height, and logs why', async () => {
    const { engine, payer, send, lines } = setup();
    const { target } = engine.add({ amount_msat: 100_000n });
    const [h] = payer.pay(target, { amounts: [99_999n] });
    expect(expectFail(await send(h!))).toEqual(unknownDetails(99_999n));
    expect(lines.some((l) => l.level === 'debug' && l.msg === 'htlc refused: amount 99999msat < 100000msat')).toBe(true);
  });

  it('accepts exactly twice the amount and refuses twice + 1', async () => {
    const { engine, payer, send } = setup();
    const a = engine.add({ amount_msat: 1000n });
    expectResolve(await send(payer.pay(a.target, { amounts: [2000n] })[0]!), a.invoice.payment_preimage);
    expect(engine.invoices.get(toHex(a.invoice.payment_hash))!.amount_received_msat).toBe(2000n);
    const b = engine.add({ amount_msat: 1000n });
    expect(expectFail(await send(payer.pay(b.target, { amounts: [2001n] })[0]!))).toEqual(unknownDetails(2001n));
  });

  it('refuses a wrong, a missing and an all-zero payment_secret', async () => {
    const { engine, payer, send, lines } = setup();
    const { target } = engine.add({ amount_msat: 1000n });
    const wrong = target.payment_secret.slice();
    wrong[31] = (wrong[31] as number) ^ 1;
    expect(expectFail(await send(payer.pay(target, { payment_secret: wrong })[0]!))).toEqual(unknownDetails(1000n));
    expect(expectFail(await send(payer.pay(target, { payment_secret: null })[0]!))).toEqual(unknownDetails(1000n));
    const zeros = new Uint8Array(32);
    expect(expectFail(await send(payer.pay(target, { payment_secret: zeros })[0]!))).toEqual(unknownDetails(1000n));
    const reasons = lines.filter((l) => l.msg.startsWith('htlc refused')).map((l) => l.msg);
    expect(reasons).toEqual([
      'htlc refused: attempt to pay with wrong payment_secret',
      'htlc refused: attempt to pay without payment_secret',
      'htlc refused: attempt to pay with wrong payment_secret',
    ]);
  });

  it('refuses a final cltv too small for --cltv-final', async () => {
    const { engine, payer, send } = setup();
    const { target } = engine.add({ amount_msat: 1000n });
    // cltv_expiry = height + 17 < height + 18.
    expect(expectFail(await send(payer.pay(target, { cltv_delta: 17 })[0]!))).toEqual(unknownDetails(1000n));
    // Exactly height + 18 is enough.
    const ok = engine.add({ amount_msat: 1000n });
    expectResolve(await send(payer.pay(ok.target, { cltv_delta: 18 })[0]!), ok.invoice.payment_preimage);
  });

  it('refuses an HTLC carrying less than the onion says (final_incorrect_htlc_amount)', async () => {
    const { engine, payer, send } = setup();
    const { target } = engine.add({ amount_msat: 1000n });
    const [h] = payer.pay(target, { htlc_extra_msat: -1n });
    expect(expectFail(await send(h!))).toEqual({ code: 19, name: 'final_incorrect_htlc_amount', incoming_htlc_amt: 999n });
  });

  it('refuses an HTLC whose cltv is below the onion value (final_incorrect_cltv_expiry)', async () => {
    const { engine, payer, send } = setup();
    const { target } = engine.add({ amount_msat: 1000n });
    const [h] = payer.pay(target, { onion_cltv_extra: 1 });
    expect(expectFail(await send(h!))).toEqual({
      code: 18,
      name: 'final_incorrect_cltv_expiry',
      cltv_expiry: h!.htlc.cltv_expiry,
    });
  });

  it('refuses payment_metadata with invalid_onion_payload (type 16, offset 0)', async () => {
    const { engine, payer, send } = setup();
    const { target } = engine.add({ amount_msat: 1000n });
    const [h] = payer.pay(target, { payment_metadata: Uint8Array.of(1, 2) });
    expect(expectFail(await send(h!))).toEqual({ code: 0x4016, name: 'invalid_onion_payload', type: 16n, offset: 0 });
  });

  it('applies the checks in CLN order: amount, cltv, final cltv, metadata, then the invoice', async () => {
    const { engine, payer, send } = setup();
    const { target } = engine.add({ amount_msat: 1000n });
    const all = { htlc_extra_msat: -1n, onion_cltv_extra: 1, cltv_delta: 3, payment_metadata: Uint8Array.of(1), payment_secret: null };
    expect(expectFail(await send(payer.pay(target, all)[0]!)).name).toBe('final_incorrect_htlc_amount');
    const noAmt = { ...all, htlc_extra_msat: 0n };
    expect(expectFail(await send(payer.pay(target, noAmt)[0]!)).name).toBe('final_incorrect_cltv_expiry');
    const noCltv = { ...noAmt, onion_cltv_extra: 0 };
    expect(expectFail(await send(payer.pay(target, noCltv)[0]!))).toEqual(unknownDetails(1000n));
    const noFinal = { ...noCltv, cltv_delta: 40 };
    expect(expectFail(await send(payer.pay(target, noFinal)[0]!)).name).toBe('invalid_onion_payload');
  });

  it('refuses an invoice past expires_at even before the expiry sweep ran', async () => {
    const { engine, payer, send, clock, lines } = setup();
    const { target } = engine.add({ amount_msat: 1000n, expiry: 60 });
    clock.advance(60_000);
    expect(engine.invoices.get(toHex(target.payment_hash))!.status).toBe('unpaid');
    expect(expectFail(await send(payer.pay(target)[0]!))).toEqual(unknownDetails(1000n));
    expect(lines.some((l) => l.msg.startsWith('htlc refused: expired invoice'))).toBe(true);
  });

  it('refuses expired and paid invoices', async () => {
    const { engine, payer, send } = setup();
    const a = engine.add({ amount_msat: 1000n });
    engine.setStatus(a.invoice.payment_hash, 'expired');
    expect(expectFail(await send(payer.pay(a.target)[0]!))).toEqual(unknownDetails(1000n));
    const b = engine.add({ amount_msat: 1000n });
    expectResolve(await send(payer.pay(b.target)[0]!), b.invoice.payment_preimage);
    expect(expectFail(await send(payer.pay(b.target)[0]!))).toEqual(unknownDetails(1000n));
  });

  it('accepts any amount for an any-amount invoice, and records what arrived', async () => {
    const { engine, payer, send } = setup();
    const { invoice, target } = engine.add();
    expectResolve(await send(payer.pay(target, { amounts: [1n] })[0]!), invoice.payment_preimage);
    expect(engine.invoices.get(toHex(invoice.payment_hash))!.amount_received_msat).toBe(1n);
  });

  it('accepts the old "123msat" string amounts', async () => {
    const { engine, payer, send } = setup();
    const { invoice, target } = engine.add({ amount_msat: 5000n });
    expectResolve(await send(payer.pay(target, { msat_strings: true })[0]!), invoice.payment_preimage);
  });

  it('checks BOLT12 payments by their path_id', async () => {
    const { engine, payer, send, base } = setup();
    const { invoice, target } = engine.add({ amount_msat: 1000n, kind: 'bolt12' });
    const path_id = bolt12PathSecret(base, invoice.payment_hash);
    expect(expectFail(await send(payer.pay(target, { payment_secret: null })[0]!))).toEqual(unknownDetails(1000n));
    expect(
      expectFail(await send(payer.pay(target, { payment_secret: null, path_id: new Uint8Array(32) })[0]!)),
    ).toEqual(unknownDetails(1000n));
    expectResolve(await send(payer.pay(target, { payment_secret: null, path_id })[0]!), invoice.payment_preimage);
  });

  it("accepts a BOLT12 path_id where CLN's hook puts it: in payment_secret", async () => {
    const { engine, payer, send, base } = setup();
    const { invoice, target } = engine.add({ amount_msat: 1000n, kind: 'bolt12' });
    const wrong = new Uint8Array(32).fill(1);
    expect(expectFail(await send(payer.pay(target, { payment_secret: wrong })[0]!))).toEqual(unknownDetails(1000n));
    // A BOLT11-style secret derived from the preimage is not a BOLT12 path_id.
    const bolt11Secret = paymentSecretFromPreimage(invoice.payment_preimage);
    expect(expectFail(await send(payer.pay(target, { payment_secret: bolt11Secret })[0]!))).toEqual(unknownDetails(1000n));
    const path_id = bolt12PathSecret(base, invoice.payment_hash);
    expectResolve(await send(payer.pay(target, { payment_secret: path_id })[0]!), invoice.payment_preimage);
  });

  it('remembers the highest block height seen', async () => {
    const { engine, payer, send, proc } = setup({ initialBlockheight: HEIGHT - 10 });
    expect(proc.blockheight()).toBe(HEIGHT - 10);
    const { target } = engine.add({ amount_msat: 1000n });
    await send(payer.pay(target, { amounts: [1n] })[0]!);
    expect(proc.blockheight()).toBe(HEIGHT);
    payer.blockheight = HEIGHT - 5;
    await send(payer.pay(target, { amounts: [1n] })[0]!);
    expect(proc.blockheight()).toBe(HEIGHT);
  });
});

describe('block heights', () => {
  it('never takes a height from an HTLC for a hash we do not know (issue 18 item 5)', async () => {
    const { engine, payer, send, proc } = setup({ initialBlockheight: HEIGHT });
    const stranger = new TestPayer({ blockheight: 4_000_000_000 });
    const bogus = stranger.pay({ payment_hash: new Uint8Array(32).fill(0xee), payment_secret: new Uint8Array(32), amount_msat: 1n })[0]!;
    expect(await send(bogus)).toEqual({ result: 'continue' });
    expect(proc.blockheight()).toBe(HEIGHT);
    expect(engine.notedHeights).toEqual([]);
    // An honest payment afterwards is unaffected.
    const { invoice, target } = engine.add({ amount_msat: 1000n });
    expectResolve(await send(payer.pay(target)[0]!), invoice.payment_preimage);
  });

  it('takes a jump of at most 2016 blocks from an HTLC of ours; checks each HTLC at its own height', async () => {
    const { engine, send, proc, lines } = setup({ initialBlockheight: HEIGHT });
    const far = new TestPayer({ blockheight: HEIGHT + 2017 });
    const { invoice, target } = engine.add({ amount_msat: 1000n });
    // Checked at the height it reports, so it is payable; but the known height does not follow it.
    expectResolve(await send(far.pay(target)[0]!), invoice.payment_preimage);
    expect(proc.blockheight()).toBe(HEIGHT);
    expect(lines.some((l) => l.msg === 'htlc block height too far above the known height: not taken')).toBe(true);
    const near = new TestPayer({ blockheight: HEIGHT + 2016 });
    const second = engine.add({ amount_msat: 1000n });
    expectResolve(await send(near.pay(second.target)[0]!), second.invoice.payment_preimage);
    expect(proc.blockheight()).toBe(HEIGHT + 2016);
    expect(engine.notedHeights).toEqual([HEIGHT + 2016]);
  });

  it('accepts a payment whose node reports a lower height than another did (issue 12 item 7)', async () => {
    const { engine, send, proc } = setup({ initialBlockheight: 1000 });
    const a = engine.add({ amount_msat: 1000n });
    const b = engine.add({ amount_msat: 1000n });
    expectResolve(await send(new TestPayer({ blockheight: 1234 }).pay(a.target)[0]!), a.invoice.payment_preimage);
    // cltv_expiry 1220 would be too soon at 1234 + 18, but this node is at 1200.
    expectResolve(await send(new TestPayer({ blockheight: 1200 }).pay(b.target)[0]!), b.invoice.payment_preimage);
    expect(proc.blockheight()).toBe(1234);
  });

  it('refuses an HTLC too close to expiry at its own height, naming that height', async () => {
    const { engine, send } = setup({ initialBlockheight: 1000 });
    const { target } = engine.add({ amount_msat: 1000n });
    const r = await send(new TestPayer({ blockheight: 1100 }).pay(target, { cltv_delta: CLTV_FINAL - 1 })[0]!);
    expect(expectFail(r)).toEqual(unknownDetails(1000n, 1100));
  });
});

describe('multi-part payments', () => {
  it.each([2, 3, 20])('holds %i parts until the sum arrives, then resolves them all', async (n) => {
    const { engine, payer, send, proc } = setup();
    const { invoice, target } = engine.add({ amount_msat: 1_000_003n });
    const parts = payer.pay(target, { parts: n });
    const answers: Promise<HtlcAcceptedResult>[] = [];
    for (const [i, h] of parts.entries()) {
      answers.push(send(h));
      if (i < n - 1) {
        expect(await peek(answers[0]!)).toBe('pending');
        expect(engine.markPaidCalls).toHaveLength(0);
      }
    }
    for (const a of answers) expectResolve(await a, invoice.payment_preimage);
    expect(engine.markPaidCalls).toHaveLength(1);
    expect(engine.markPaidCalls[0]!.parts).toHaveLength(n);
    expect(engine.invoices.get(toHex(invoice.payment_hash))!.amount_received_msat).toBe(1_000_003n);
    expect(proc.pendingSets()).toBe(0);
  });

  it('keeps interleaved payments for different invoices apart', async () => {
    const { engine, payer, send } = setup();
    const a = engine.add({ amount_msat: 3000n });
    const b = engine.add({ amount_msat: 5000n });
    const pa = payer.pay(a.target, { parts: 3 });
    const pb = payer.pay(b.target, { parts: 2 });
    const order = [pa[0]!, pb[0]!, pa[1]!, pb[1]!, pa[2]!];
    const answers = order.map((h) => send(h));
    const results = await Promise.all(answers);
    expectResolve(results[0]!, a.invoice.payment_preimage);
    expectResolve(results[1]!, b.invoice.payment_preimage);
    expectResolve(results[4]!, a.invoice.payment_preimage);
    expect(engine.invoices.get(toHex(a.invoice.payment_hash))!.pay_index).toBe(2);
    expect(engine.invoices.get(toHex(b.invoice.payment_hash))!.pay_index).toBe(1);
  });

  it('fails every part with mpp_timeout after 70 s, then a new set can pay', async () => {
    const { engine, payer, send, clock, proc } = setup();
    const { invoice, target } = engine.add({ amount_msat: 3000n });
    const first = payer.pay(target, { amounts: [1000n, 1000n, 1000n] }).slice(0, 2).map(send);
    await flush();
    clock.advance(69_999);
    expect(await peek(first[0]!)).toBe('pending');
    clock.advance(1);
    for (const a of first) expect(expectFail(await a)).toEqual({ code: 23, name: 'mpp_timeout' });
    expect(proc.pendingSets()).toBe(0);
    const retry = payer.pay(target, { parts: 2 }).map(send);
    for (const a of retry) expectResolve(await a, invoice.payment_preimage);
    expect(clock.pendingTimers).toBe(0);
  });

  it('honours --mpp-timeout', async () => {
    const { engine, payer, send, clock } = setup({ mppTimeoutMs: 5_000 });
    const { target } = engine.add({ amount_msat: 3000n });
    const a = send(payer.pay(target, { amounts: [1000n], total_msat: 3000n })[0]!);
    await flush();
    clock.advance(5_000);
    expect(expectFail(await a).name).toBe('mpp_timeout');
  });

  it('fails the whole set when a part disagrees on total_msat', async () => {
    const { engine, payer, send, lines } = setup();
    const { target } = engine.add({ amount_msat: 3000n });
    const a = send(payer.pay(target, { amounts: [1000n], total_msat: 3000n })[0]!);
    const b = send(payer.pay(target, { amounts: [1500n], total_msat: 3500n })[0]!);
    const want = { code: 19, name: 'final_incorrect_htlc_amount', incoming_htlc_amt: 1500n };
    expect(expectFail(await a)).toEqual(want);
    expect(expectFail(await b)).toEqual(want);
    expect(lines.some((l) => l.msg === "payment set failed: total_msat 3500 differs from the set's 3000")).toBe(true);
  });

  it('fails a waiting set when its invoice is deleted or expires', async () => {
    const { engine, payer, send } = setup();
    const a = engine.add({ amount_msat: 3000n });
    const pa = payer.pay(a.target, { amounts: [1000n, 700n], total_msat: 3000n }).map(send);
    await flush();
    engine.setStatus(a.invoice.payment_hash, 'deleted');
    expect(expectFail(await pa[0]!)).toEqual(unknownDetails(1000n));
    expect(expectFail(await pa[1]!)).toEqual(unknownDetails(700n));
    const b = engine.add({ amount_msat: 3000n });
    const pb = send(payer.pay(b.target, { amounts: [1000n], total_msat: 3000n })[0]!);
    await flush();
    engine.setStatus(b.invoice.payment_hash, 'expired');
    expect(expectFail(await pb)).toEqual(unknownDetails(1000n));
  });

  it('fails a waiting set at expires_at by the clock, without waiting for the sweep', async () => {
    const { engine, payer, send, clock } = setup();
    const { target } = engine.add({ amount_msat: 3000n, expiry: 30 });
    const a = send(payer.pay(target, { amounts: [1000n], total_msat: 3000n })[0]!);
    await flush();
    clock.advance(29_999);
    expect(await peek(a)).toBe('pending');
    clock.advance(1);
    expect(expectFail(await a)).toEqual(unknownDetails(1000n));
  });

  it('answers resolve only after the payment is committed', async () => {
    const { engine, payer, send } = setup();
    const { invoice, target } = engine.add({ amount_msat: 2000n });
    let open!: () => void;
    engine.gate = new Promise<void>((r) => (open = r));
    const answers = payer.pay(target, { parts: 2 }).map(send);
    await flush();
    expect(engine.markPaidCalls).toHaveLength(1);
    expect(await peek(answers[0]!)).toBe('pending');
    expect(engine.invoices.get(toHex(invoice.payment_hash))!.status).toBe('unpaid');
    open();
    for (const a of answers) expectResolve(await a, invoice.payment_preimage);
  });

  it('runs the afterCommit hook after the commit and before any answer', async () => {
    let release!: () => void;
    const seen: string[] = [];
    const { engine, payer, send } = setup({
      afterCommit: (hash) => {
        seen.push(engine.invoices.get(toHex(hash))!.status);
        return new Promise<void>((r) => (release = r));
      },
    });
    const { invoice, target } = engine.add({ amount_msat: 2000n });
    const answers = payer.pay(target, { parts: 2 }).map(send);
    await flush();
    expect(seen).toEqual(['paid']);
    expect(await peek(answers[0]!)).toBe('pending');
    release();
    for (const a of answers) expectResolve(await a, invoice.payment_preimage);
  });

  it('refuses a new HTLC while another set is being recorded', async () => {
    const { engine, payer, send } = setup();
    const { target } = engine.add({ amount_msat: 2000n });
    let open!: () => void;
    engine.gate = new Promise<void>((r) => (open = r));
    const first = send(payer.pay(target)[0]!);
    await flush();
    const late = await send(payer.pay(target)[0]!);
    expect(expectFail(late)).toEqual(unknownDetails(2000n));
    open();
    expect((await first).result).toBe('resolve');
  });

  it('fails the set when the engine refuses to mark it paid (lost race)', async () => {
    const { engine, payer, send } = setup();
    const { target } = engine.add({ amount_msat: 2000n });
    engine.breakNext = new InvoiceError('Failed', 'invoice is not unpaid');
    const answers = payer.pay(target, { amounts: [500n, 1500n] }).map(send);
    expect(expectFail(await answers[0]!)).toEqual(unknownDetails(500n));
    expect(expectFail(await answers[1]!)).toEqual(unknownDetails(1500n));
  });

  it('gives no final answer when recording fails unexpectedly; the replay then decides', async () => {
    const { engine, payer, send } = setup();
    const { invoice, target } = engine.add({ amount_msat: 2000n });
    engine.breakNext = new Error('disk I/O error');
    const parts = payer.pay(target, { parts: 2 });
    const answers = parts.map(send);
    await expect(answers[0]!).rejects.toThrow('disk I/O error');
    await expect(answers[1]!).rejects.toThrow('disk I/O error');
    const replays = parts.map(send);
    for (const a of replays) expectResolve(await a, invoice.payment_preimage);
  });
});

describe('replays', () => {
  it('never counts a re-sent part twice while its set waits', async () => {
    const { engine, payer, send } = setup();
    const { invoice, target } = engine.add({ amount_msat: 3000n });
    const parts = payer.pay(target, { parts: 3 });
    const a0 = send(parts[0]!);
    const a1 = send(parts[1]!);
    // Every part sent again (a bridge reconnect): the set still holds 2000 of 3000.
    const r0 = send(parts[0]!);
    const r1 = send(parts[1]!);
    expect(await peek(r0)).toBe('pending');
    expect(engine.markPaidCalls).toHaveLength(0);
    const a2 = send(parts[2]!);
    for (const a of [a0, a1, r0, r1, a2]) expectResolve(await a, invoice.payment_preimage);
    expect(engine.markPaidCalls[0]!.parts).toHaveLength(3);
    expect(engine.markPaidCalls[0]!.amount).toBe(3000n);
  });

  it('answers resolve again to every part of a paid set, also from a restarted processor', async () => {
    const { engine, payer, send, make, clock } = setup();
    const { invoice, target } = engine.add({ amount_msat: 3000n, expiry: 100 });
    const parts = payer.pay(target, { parts: 3 });
    for (const r of await Promise.all(parts.map(send))) expectResolve(r, invoice.payment_preimage);
    for (const r of await Promise.all(parts.map(send))) expectResolve(r, invoice.payment_preimage);
    // A restart, much later: blocks went by and the invoice would have expired; replays still resolve.
    const restarted = make();
    clock.advance(3_600_000);
    for (const h of parts) {
      const again = { ...h, htlc: { ...h.htlc, cltv_expiry_relative: 1 } };
      expectResolve(await restarted.htlcAccepted(parseHtlcAccepted(again.onion, again.htlc)), invoice.payment_preimage);
    }
    expect(engine.markPaidCalls).toHaveLength(1);
  });

  it('answers a replayed refusal with the same failure', async () => {
    const { engine, payer, send, clock } = setup();
    const { target } = engine.add({ amount_msat: 3000n });
    const [h] = payer.pay(target, { amounts: [1000n], total_msat: 3000n });
    const first = send(h!);
    await flush();
    clock.advance(70_000);
    const f1 = expectFail(await first);
    expect(f1.name).toBe('mpp_timeout');
    expect(expectFail(await send(h!))).toEqual(f1);
  });

  it('fails any other HTLC for a paid invoice', async () => {
    const { engine, payer, send, make } = setup();
    const { invoice, target } = engine.add({ amount_msat: 1000n });
    expectResolve(await send(payer.pay(target)[0]!), invoice.payment_preimage);
    const fresh = make();
    const [h] = payer.pay(target);
    expect(expectFail(await fresh.htlcAccepted(parseHtlcAccepted(h!.onion, h!.htlc)))).toEqual(unknownDetails(1000n));
  });
});

describe('close', () => {
  it('rejects waiting parts with ShuttingDown, stops timers and unsubscribes', async () => {
    const { engine, payer, send, proc, clock } = setup();
    const { target } = engine.add({ amount_msat: 3000n });
    const a = send(payer.pay(target, { amounts: [1000n], total_msat: 3000n })[0]!);
    await flush();
    expect(engine.listenerCount).toBe(1);
    proc.close();
    await expect(a).rejects.toMatchObject({ kind: 'ShuttingDown', message: 'Shutting down' });
    expect(clock.pendingTimers).toBe(0);
    expect(engine.listenerCount).toBe(0);
    await expect(send(payer.pay(target)[0]!)).rejects.toMatchObject({ kind: 'ShuttingDown' });
  });
});

describe('properties', () => {
  it('any split, any order, any replays: one commit of exactly the sum, every copy resolved', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.bigInt({ min: 1n, max: 50_000n }), { minLength: 1, maxLength: 12 }),
        fc.array(fc.nat(), { maxLength: 12 }),
        fc.nat(),
        async (amounts, replayPicks, seed) => {
          const { engine, payer, send } = setup();
          const total = amounts.reduce((a, b) => a + b, 0n);
          const { invoice, target } = engine.add({ amount_msat: total });
          const parts = payer.pay(target, { amounts });
          // Parts in a shuffled order, with some sent again (before the set completes or after).
          const order = [...parts, ...replayPicks.map((i) => parts[i % parts.length]!)];
          let s = seed;
          for (let i = order.length - 1; i > 0; i--) {
            s = (s * 1103515245 + 12345) >>> 0;
            const j = s % (i + 1);
            [order[i], order[j]] = [order[j]!, order[i]!];
          }
          const answers = await Promise.all(order.map(send));
          for (const a of answers) expectResolve(a, invoice.payment_preimage);
          expect(engine.markPaidCalls).toHaveLength(1);
          expect(engine.markPaidCalls[0]!.amount).toBe(total);
          expect(engine.markPaidCalls[0]!.parts).toHaveLength(parts.length);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('hostile payloads only ever raise InvalidParams', () => {
    const onionKeys = fc.constantFrom('forward_msat', 'outgoing_cltv_value', 'total_msat', 'payment_secret', 'payment_metadata', 'path_id');
    const htlcKeys = fc.constantFrom('short_channel_id', 'id', 'amount_msat', 'cltv_expiry', 'cltv_expiry_relative', 'payment_hash');
    fc.assert(
      fc.property(fc.dictionary(onionKeys, fc.jsonValue()), fc.dictionary(htlcKeys, fc.jsonValue()), (onion, htlc) => {
        try {
          parseHtlcAccepted(onion, htlc);
        } catch (e) {
          expect(e).toBeInstanceOf(InvoiceError);
          expect((e as InvoiceError).kind).toBe('InvalidParams');
        }
      }),
      { numRuns: 500 },
    );
  });
});
