/**
 * The metrics registry without a daemon: feed events move the invoice, offer and msat counters (this
 * daemon's events only), htlc_accepted answers are counted by outcome and BOLT 4 failure name, requests
 * and commits fill their histograms, gauges are read at scrape time.
 */
import { describe, expect, it } from 'vitest';
import { createMetrics } from '../../src/daemon/metrics.js';
import type { FeedEvent } from '../../src/events/feed.js';
import { defineCommand, type CommandContext } from '../../src/rpc/index.js';

const event = (seq: number, type: FeedEvent['type'], subject: object): FeedEvent =>
  ({ seq, type, kind: type.startsWith('invoice') ? 'invoice' : 'offer', created_at: 0, body: '{}', subject }) as FeedEvent;

describe('metrics', () => {
  it('counts what the daemon did', async () => {
    let waiters = 3;
    const m = createMetrics({ pendingWaiters: () => waiters, outboxPending: async () => 2, webhookPending: async () => 5 });
    m.onEvents([event(1, 'invoice_created', { kind: 'bolt12' }), event(2, 'invoice_paid', { kind: 'bolt12', amount_received_msat: 5000n })], true);
    m.onEvents([event(3, 'invoice_paid', { kind: 'bolt11', amount_received_msat: 1n })], false); // another daemon's
    m.onEvents([event(4, 'offer_used', {})], true);
    const answers = [{ result: 'fail', failure_message: '400f00' }, { result: 'fail', failure_message: '0017' }, { result: 'resolve', payment_key: 'aa' }];
    const htlc = defineCommand({ name: 'htlc_accepted', description: 'x', result: 'x', params: {}, check: 'params', run: async () => answers.shift() });
    const [wrapped] = m.instrument([htlc]);
    for (let i = 0; i < 3; i++) await wrapped!.run({}, {} as CommandContext);
    m.onRequest({ method: 'invoice', id: '1', duration_ms: 2 });
    m.onRequest({ method: 'delinvoice', id: '2', duration_ms: 1, error_code: 905 });
    m.onCommit(4, 0.002);
    waiters = 1;
    const text = await m.registry.metrics();
    const lines = new Set(text.split('\n'));
    for (const l of [
      'invoiced_invoices_total{event="created",kind="bolt12"} 1',
      'invoiced_invoices_total{event="paid",kind="bolt12"} 1',
      'invoiced_received_msat_total{kind="bolt12"} 5000',
      'invoiced_offers_total{event="used",kind="offer"} 1',
      'invoiced_htlcs_total{outcome="fail",reason="incorrect_or_unknown_payment_details"} 1',
      'invoiced_htlcs_total{outcome="fail",reason="mpp_timeout"} 1',
      'invoiced_htlcs_total{outcome="resolve",reason=""} 1',
      'invoiced_rpc_requests_total{method="invoice",code="0"} 1',
      'invoiced_rpc_requests_total{method="delinvoice",code="905"} 1',
      'invoiced_write_batch_size_sum 4',
      'invoiced_pending_waiters 1',
      'invoiced_outbox_pending 2',
      'invoiced_webhook_pending 5',
    ]) {
      expect(lines.has(l), l).toBe(true);
    }
    expect(text).not.toContain('kind="bolt11"'); // the other daemon's payment is its own to count
  });
});
