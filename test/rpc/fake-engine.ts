/**
 * A small in-memory InvoiceEngine for the RPC tests: just enough rules to drive every handler and error
 * path (the real rules are src/invoice/engine.ts's and have their own suite). It records the last call
 * of each method so tests can assert what the binder handed over. `pay(label)` and `expire(label)`
 * release waiters, as payments and the expiry timer would.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import type {
  AutocleanOnceResult,
  AutocleanStatusEntry,
  AutocleanSubsystem,
  CreatedInvoice,
  CreateFromInvstringParams,
  CreateInvoiceParams,
  InvoiceCounts,
  InvoiceEngine,
  ListInvoicesParams,
} from '../../src/invoice/api.js';
import { AUTOCLEAN_SUBSYSTEMS } from '../../src/invoice/api.js';
import { InvoiceError } from '../../src/invoice/errors.js';
import type { Invoice, InvoiceIndexName, InvoiceWaitDetails, InvoiceWaitResult } from '../../src/invoice/invoice.js';
import { msat } from '../../src/util/msat.js';
import { equalBytes } from '../../src/util/bytes.js';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

interface Waiter {
  check(): boolean;
}

function abortError(): Error {
  const e = new Error('aborted');
  e.name = 'AbortError';
  return e;
}

export class FakeEngine implements InvoiceEngine {
  readonly invoices: Mutable<Invoice>[] = [];
  readonly calls: Record<string, unknown[]> = {};
  now = 1_700_000_000;
  private idx = { created: 0, updated: 0, deleted: 0 };
  private lastDetails: Partial<Record<InvoiceIndexName, InvoiceWaitDetails>> = {};
  private nextPay = 1;
  private waiters = new Set<Waiter>();
  private seq = 0;
  closed = false;

  private record(name: string, ...args: unknown[]): void {
    this.calls[name] = args;
  }

  private wake(): void {
    for (const w of [...this.waiters]) if (w.check()) this.waiters.delete(w);
  }

  /** Registers a waiter whose `poll` returns a value (resolve), throws (reject) or undefined (keep waiting). */
  private waitFor<T>(poll: () => T | undefined, signal?: AbortSignal): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const w: Waiter = {
        check: () => {
          try {
            const v = poll();
            if (v === undefined) return false;
            resolve(v);
          } catch (e) {
            reject(e);
          }
          return true;
        },
      };
      if (w.check()) return;
      if (signal?.aborted) return reject(abortError());
      this.waiters.add(w);
      signal?.addEventListener('abort', () => {
        if (this.waiters.delete(w)) reject(abortError());
      });
    });
  }

  get waiterCount(): number {
    return this.waiters.size;
  }

  checkCreate(p: CreateInvoiceParams): void {
    void p; // the fake checks nothing before create
  }

  async create(p: CreateInvoiceParams): Promise<CreatedInvoice> {
    this.record('create', p);
    const preimage = p.preimage ?? sha256(new TextEncoder().encode(`preimage ${++this.seq}`));
    const hash = sha256(preimage);
    if (this.invoices.some((i) => equalBytes(i.payment_hash, hash))) throw new InvoiceError('PreimageExists', 'preimage already used');
    if (this.invoices.some((i) => i.label === p.label)) throw new InvoiceError('LabelExists', `Duplicate label '${p.label}'`);
    if (Buffer.byteLength(p.label) > 128) throw new InvoiceError('InvalidParams', `Label '${p.label}' over 128 bytes`);
    const inv = this.add({
      label: p.label,
      invstring: `lnbcrt1fake${this.idx.created + 1}`,
      amount_msat: p.amount_msat,
      description: p.description,
      payment_preimage: preimage,
      expires_at: this.now + Number(p.expiry ?? 3600n),
    });
    const warnings: [string, string][] =
      p.exposeprivatechannels !== undefined ? [['warning_exposeprivatechannels', 'ignored: no channels here']] : [];
    return { invoice: inv, payment_secret: new Uint8Array(32).fill(0x5e), warnings };
  }

  /** Adds an invoice directly (fixtures). */
  add(p: { label: string; invstring?: string; amount_msat?: bigint; description?: string; payment_preimage?: Uint8Array; expires_at?: number }): Invoice {
    const preimage = p.payment_preimage ?? sha256(new TextEncoder().encode(`fixture ${++this.seq}`));
    const inv: Mutable<Invoice> = {
      label: p.label,
      invstring: p.invstring ?? `lnbcrt1fake${this.idx.created + 1}`,
      kind: p.invstring?.startsWith('lni') ? 'bolt12' : 'bolt11',
      payment_hash: sha256(preimage),
      amount_msat: p.amount_msat === undefined ? undefined : msat(p.amount_msat),
      status: 'unpaid',
      payment_preimage: preimage,
      description: p.description,
      expires_at: p.expires_at ?? this.now + 3600,
      created_index: ++this.idx.created,
      created_at: this.now,
    };
    this.invoices.push(inv);
    this.lastDetails.created = { status: 'unpaid', label: inv.label, invstring: inv.invstring, kind: inv.kind };
    this.wake();
    return inv;
  }

  pay(label: string, amount?: bigint): Invoice {
    const inv = this.invoices.find((i) => i.label === label)!;
    inv.status = 'paid';
    inv.pay_index = this.nextPay++;
    inv.amount_received_msat = msat(amount ?? inv.amount_msat ?? 1000n);
    inv.paid_at = this.now;
    inv.updated_index = ++this.idx.updated;
    this.lastDetails.updated = { status: 'paid', label };
    this.wake();
    return inv;
  }

  expire(label: string): void {
    const inv = this.invoices.find((i) => i.label === label)!;
    inv.status = 'expired';
    inv.updated_index = ++this.idx.updated;
    this.lastDetails.updated = { status: 'expired', label };
    this.wake();
  }

  async createFromInvstring(p: CreateFromInvstringParams): Promise<Invoice> {
    this.record('createFromInvstring', p);
    const existing = this.invoices.find((i) => i.label === p.label);
    if (existing) throw new InvoiceError('LabelExists', 'Duplicate label', { invoice: existing });
    return this.add({ label: p.label, invstring: p.invstring, payment_preimage: p.preimage, description: 'external' });
  }

  async list(p: ListInvoicesParams): Promise<Invoice[]> {
    this.record('list', p);
    const selectors = [p.label, p.invstring, p.payment_hash, p.offer_id].filter((x) => x !== undefined).length;
    if (selectors > 1) {
      throw new InvoiceError('InvalidParams', 'Can only specify one of {label}, {invstring}, {payment_hash} or {offer_id}');
    }
    if (p.start !== undefined && p.start !== 0n && p.index === undefined) throw new InvoiceError('InvalidParams', 'Can only specify {start} with {index}');
    let rows = [...this.invoices];
    if (p.label !== undefined) rows = rows.filter((i) => i.label === p.label);
    if (p.payment_hash !== undefined) rows = rows.filter((i) => equalBytes(i.payment_hash, p.payment_hash!));
    if (p.invstring !== undefined) rows = rows.filter((i) => i.invstring === p.invstring);
    if (p.status !== undefined) rows = rows.filter((i) => i.status === p.status);
    if (p.start !== undefined) rows = rows.filter((i) => BigInt(i.created_index) >= p.start!);
    if (p.reverse) rows.reverse();
    if (p.limit !== undefined) rows = rows.slice(0, p.limit);
    return rows;
  }

  async delete(label: string, status: string, desconly: boolean): Promise<Invoice> {
    this.record('delete', label, status, desconly);
    const i = this.invoices.findIndex((x) => x.label === label);
    if (i < 0) throw new InvoiceError('InvoiceNotFound', 'Unknown invoice');
    const inv = this.invoices[i]!;
    if (inv.status !== status) {
      throw new InvoiceError('StatusUnexpected', `Invoice status is ${inv.status} not ${status}`, {
        current_status: inv.status,
        expected_status: status,
      });
    }
    if (desconly) {
      if (inv.description === undefined) throw new InvoiceError('NoDescription', 'Invoice description already removed');
      const before = { ...inv };
      delete before.description;
      inv.description = undefined;
      return before;
    }
    this.invoices.splice(i, 1);
    this.idx.deleted++;
    this.lastDetails.deleted = { status: inv.status, label, invstring: inv.invstring, kind: inv.kind };
    this.wake();
    return inv;
  }

  waitInvoice(label: string, signal?: AbortSignal): Promise<Invoice> {
    this.record('waitInvoice', label);
    if (!this.invoices.some((i) => i.label === label)) return Promise.reject(new InvoiceError('Failed', 'Label not found'));
    return this.waitFor(() => {
      const inv = this.invoices.find((i) => i.label === label);
      if (!inv) throw new InvoiceError('Failed', 'Invoice deleted during wait');
      if (inv.status === 'expired') throw new InvoiceError('ExpiredDuringWait', 'invoice expired during wait', { invoice: inv });
      return inv.status === 'paid' ? inv : undefined;
    }, signal);
  }

  waitAnyInvoice(lastpay_index: bigint, timeout: bigint | undefined, signal?: AbortSignal): Promise<Invoice> {
    this.record('waitAnyInvoice', lastpay_index, timeout);
    const find = () =>
      this.invoices
        .filter((i) => i.pay_index !== undefined && BigInt(i.pay_index) > lastpay_index)
        .sort((a, b) => a.pay_index! - b.pay_index!)[0];
    if (timeout === 0n && !find()) return Promise.reject(new InvoiceError('WaitTimedOut', 'Timed out while waiting for invoice to be paid'));
    return this.waitFor(find, signal);
  }

  wait(index: InvoiceIndexName, nextvalue: bigint, signal?: AbortSignal): Promise<InvoiceWaitResult> {
    this.record('wait', index, nextvalue);
    const current = this.idx[index];
    if (BigInt(current) >= nextvalue) return Promise.resolve({ index, value: current });
    return this.waitFor(
      () => (BigInt(this.idx[index]) >= nextvalue ? { index, value: this.idx[index], details: this.lastDetails[index] } : undefined),
      signal,
    );
  }

  async autocleanOnce(subsystem: AutocleanSubsystem, age: bigint): Promise<AutocleanOnceResult> {
    this.record('autocleanOnce', subsystem, age);
    return { subsystem, cleaned: 2, uncleaned: 1 };
  }

  async autocleanStatus(subsystem?: AutocleanSubsystem): Promise<AutocleanStatusEntry[]> {
    this.record('autocleanStatus', subsystem);
    const all = AUTOCLEAN_SUBSYSTEMS.map((s) =>
      s === 'expiredinvoices' ? { subsystem: s, enabled: true, age: 86400, cleaned: 3 } : { subsystem: s, enabled: false, cleaned: 0 },
    );
    return subsystem ? all.filter((e) => e.subsystem === subsystem) : all;
  }

  async counts(): Promise<InvoiceCounts> {
    return this.liveCounts();
  }

  liveCounts(): InvoiceCounts {
    const n = (s: string) => this.invoices.filter((i) => i.status === s).length;
    return {
      unpaid: n('unpaid'),
      paid: n('paid'),
      expired: n('expired'),
      created_index: this.idx.created,
      updated_index: this.idx.updated,
      deleted_index: this.idx.deleted,
    };
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}
