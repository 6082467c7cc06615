import { describe, expect, it } from 'vitest';
import { formatInvoice } from '../../src/rpc/format-invoice.js';
import { writeJson } from '../../src/rpc/json-writer.js';
import type { Invoice } from '../../src/invoice/invoice.js';
import { msat } from '../../src/util/msat.js';

const base: Invoice = {
  label: 'l',
  invstring: 'lnbcrt1x',
  kind: 'bolt11',
  payment_hash: new Uint8Array(32).fill(0xaa),
  amount_msat: msat(2n ** 64n - 1n),
  status: 'unpaid',
  payment_preimage: new Uint8Array(32).fill(0xbb),
  description: 'd',
  expires_at: 1_700_003_600,
  created_index: 7,
  created_at: 1_700_000_000,
};

describe('formatInvoice', () => {
  it('unpaid: CLN order, created_at after created_index, no preimage, no zero updated_index', () => {
    const j = formatInvoice(base);
    expect(Object.keys(j)).toEqual(['label', 'bolt11', 'payment_hash', 'amount_msat', 'status', 'description', 'expires_at', 'created_index', 'created_at']);
    expect(writeJson(j)).toContain('"amount_msat":18446744073709551615');
    expect(writeJson(j)).not.toContain('bb'.repeat(32));
    expect(formatInvoice({ ...base, updated_index: 0 })).not.toHaveProperty('updated_index');
  });

  it('paid: pay fields between status and description, preimage shown, updated_index last', () => {
    const j = formatInvoice({ ...base, status: 'paid', pay_index: 3, amount_received_msat: msat(5n), paid_at: 1_700_000_100, updated_index: 9 });
    expect(Object.keys(j)).toEqual([
      'label', 'bolt11', 'payment_hash', 'amount_msat', 'status', 'pay_index', 'amount_received_msat', 'paid_at', 'payment_preimage',
      'description', 'expires_at', 'created_index', 'created_at', 'updated_index',
    ]);
    expect(j.payment_preimage).toBe('bb'.repeat(32));
  });

  it('any-amount, no description, BOLT12 with offer fields', () => {
    const j = formatInvoice({
      ...base,
      kind: 'bolt12',
      invstring: 'lni1x',
      amount_msat: undefined,
      description: undefined,
      local_offer_id: new Uint8Array(32).fill(1),
      invreq_payer_note: 'hi',
      status: 'expired',
    });
    expect(Object.keys(j)).toEqual(['label', 'bolt12', 'payment_hash', 'status', 'expires_at', 'local_offer_id', 'invreq_payer_note', 'created_index', 'created_at']);
    expect(j.local_offer_id).toBe('01'.repeat(32));
  });
});
