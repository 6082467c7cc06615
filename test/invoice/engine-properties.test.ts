/**
 * Property test: random sequences of creations (some colliding), payments, deletions, description
 * removals and clock moves, checked against a small model after every sequence. The indexes must be
 * exactly the model's: every counter equals the number of successful changes it counts, no value is
 * skipped or given twice, and each row shows its latest change.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvoiceError } from '../../src/invoice/errors.js';
import type { InvoiceStatus } from '../../src/invoice/invoice.js';
import { ManualClock } from '../../src/util/clock.js';
import { msat } from '../../src/util/msat.js';
import { DIALECTS, openTestDatabase, startTestEngine } from '../helpers/db.js';

type Op =
  | { t: 'create'; label: number; pre: number; expiry: number }
  | { t: 'pay'; pre: number }
  | { t: 'delete'; label: number; desconly: boolean }
  | { t: 'advance'; s: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ t: fc.constant('create' as const), label: fc.nat(7), pre: fc.nat(9), expiry: fc.integer({ min: 1, max: 50 }) }) },
  { weight: 3, arbitrary: fc.record({ t: fc.constant('pay' as const), pre: fc.nat(9) }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('delete' as const), label: fc.nat(7), desconly: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('advance' as const), s: fc.integer({ min: 1, max: 30 }) }) },
);

interface ModelRow {
  created_index: number;
  status: InvoiceStatus;
  updated_index: number;
  pay_index?: number;
  hasDescription: boolean;
  pre: number;
  expires_at: number;
}

const sqlite = DIALECTS.find((d) => d.name === 'sqlite')!;

describe('engine properties (sqlite)', () => {
  it('indexes and states follow the model for any sequence of operations', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 40 }), async (ops) => {
        const t = await openTestDatabase(sqlite);
        const clock = new ManualClock(1_700_000_000_000);
        const { engine } = await startTestEngine(t.db, { clock });
        try {
          const rows = new Map<string, ModelRow>();
          const c = { created: 0, updated: 0, deleted: 0, pay: 0 };
          const now = () => Math.floor(clock.now() / 1000);
          for (const op of ops) {
            if (op.t === 'create') {
              const label = `l${op.label}`;
              const hashTaken = [...rows.values()].some((r) => r.pre === op.pre);
              const res = await engine
                .create({ label, description: 'd', preimage: new Uint8Array(32).fill(op.pre + 1), expiry: BigInt(op.expiry), amount_msat: msat(1n) })
                .then(
                  (r) => r.invoice,
                  (e: InvoiceError) => e,
                );
              if (hashTaken) expect(res).toMatchObject({ kind: 'PreimageExists' });
              else if (rows.has(label)) expect(res).toMatchObject({ kind: 'LabelExists' });
              else {
                c.created++;
                expect(res).toMatchObject({ created_index: c.created });
                rows.set(label, { created_index: c.created, status: 'unpaid', updated_index: 0, hasDescription: true, pre: op.pre, expires_at: now() + op.expiry });
              }
            } else if (op.t === 'pay') {
              const entry = [...rows.values()].find((r) => r.pre === op.pre);
              const hash = (await engine.list({})).find((i) => i.payment_preimage[0] === op.pre + 1)?.payment_hash ?? new Uint8Array(32);
              const res = await engine.markPaid(hash, msat(1n), []).then(
                (inv) => inv,
                (e: InvoiceError) => e,
              );
              if (entry && entry.status === 'unpaid' && entry.expires_at > now()) {
                c.pay++;
                c.updated++;
                entry.status = 'paid';
                entry.pay_index = c.pay;
                entry.updated_index = c.updated;
                expect(res).toMatchObject({ status: 'paid', pay_index: c.pay, updated_index: c.updated });
              } else {
                expect(res).toBeInstanceOf(InvoiceError);
              }
            } else if (op.t === 'delete') {
              const label = `l${op.label}`;
              const entry = rows.get(label);
              const status = entry?.status ?? 'unpaid';
              const res = await engine.delete(label, status, op.desconly).then(
                (inv) => inv,
                (e: InvoiceError) => e,
              );
              if (!entry) expect(res).toMatchObject({ kind: 'InvoiceNotFound' });
              else if (op.desconly && !entry.hasDescription) expect(res).toMatchObject({ kind: 'NoDescription' });
              else if (op.desconly) {
                c.updated++;
                entry.hasDescription = false;
                entry.updated_index = c.updated;
              } else {
                c.deleted++;
                rows.delete(label);
              }
            } else {
              clock.advance(op.s * 1000);
              await engine.idle();
              // Expiries happen in expires_at order, then creation order, one bump each.
              const due = [...rows.values()]
                .filter((r) => r.status === 'unpaid' && r.expires_at <= now())
                .sort((a, b) => a.expires_at - b.expires_at || a.created_index - b.created_index);
              for (const r of due) {
                c.updated++;
                r.status = 'expired';
                r.updated_index = c.updated;
              }
            }
          }
          await engine.idle();
          const counts = await engine.counts();
          expect([counts.created_index, counts.updated_index, counts.deleted_index]).toEqual([c.created, c.updated, c.deleted]);
          const listed = await engine.list({});
          expect(listed.map((i) => [i.label, i.created_index, i.status, i.updated_index ?? 0, i.pay_index, i.description !== undefined])).toEqual(
            [...rows.entries()]
              .sort((a, b) => a[1].created_index - b[1].created_index)
              .map(([label, r]) => [label, r.created_index, r.status, r.updated_index, r.pay_index, r.hasDescription]),
          );
        } finally {
          await engine.close();
          await t.cleanup();
        }
      }),
      { numRuns: 25 },
    );
  });
});
