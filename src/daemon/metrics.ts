/**
 * Prometheus metrics (`--metrics=host:port`, off by default), with prom-client: its registry, its text
 * format, its process metrics. Counters move from what the daemon already reports: committed feed events
 * (invoices, offers, msat received, outbox failures), the RPC server's per-request report, the write
 * queue's commit hook, the webhook dispatcher's attempts, and `htlc_accepted` answers; gauges are read
 * at scrape time (waiters, outbox and webhook backlogs). `GET /metrics` only, on the address given.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import client from 'prom-client';
import type { FeedEvent } from '../events/feed.js';
import { FAILURE_CODE } from '../invoice/payments/htlc-failure.js';
import type { Command, CommandContext, RequestInfo } from '../rpc/index.js';
import type { AttemptOutcome } from '../webhooks/dispatcher.js';

export interface MetricsSources {
  /** Waits asleep until an event (invoice waits, event waits). */
  readonly pendingWaiters: () => number;
  /** Outbox messages still to be sent. */
  readonly outboxPending: () => Promise<number>;
  /** Webhook deliveries still to be made. */
  readonly webhookPending: () => Promise<number>;
}

export interface Metrics {
  readonly registry: client.Registry;
  /** Feed listener: counts this daemon's committed events. */
  onEvents(events: readonly FeedEvent[], local: boolean): void;
  /** RPC server's `onRequest`. */
  onRequest(info: RequestInfo): void;
  /** Write queue's commit hook. */
  onCommit(operations: number, seconds: number): void;
  onWebhookAttempt(outcome: AttemptOutcome, seconds: number): void;
  /** Wraps the command table so `htlc_accepted` answers are counted by outcome and failure reason. */
  instrument(commands: readonly Command[]): Command[];
}

const FAILURE_NAME = new Map<number, string>(Object.entries(FAILURE_CODE).map(([name, code]) => [code, name]));

export function createMetrics(sources: MetricsSources): Metrics {
  const registry = new client.Registry();
  client.collectDefaultMetrics({ register: registry, prefix: 'invoiced_' });
  const reg = { registers: [registry] };
  const invoices = new client.Counter({ name: 'invoiced_invoices_total', help: 'Invoice changes by event and kind', labelNames: ['event', 'kind'], ...reg });
  const offers = new client.Counter({ name: 'invoiced_offers_total', help: 'Offer and invoice_request changes by event', labelNames: ['event', 'kind'], ...reg });
  const received = new client.Counter({ name: 'invoiced_received_msat_total', help: 'msat received by paid invoices', labelNames: ['kind'], ...reg });
  const events = new client.Counter({ name: 'invoiced_events_total', help: 'Feed events committed by this daemon, by type', labelNames: ['type'], ...reg });
  const outboxFailed = new client.Counter({ name: 'invoiced_outbox_failed_total', help: 'Outbox messages reported undeliverable', ...reg });
  const htlcs = new client.Counter({ name: 'invoiced_htlcs_total', help: 'htlc_accepted answers by outcome and failure reason', labelNames: ['outcome', 'reason'], ...reg });
  const rpcRequests = new client.Counter({ name: 'invoiced_rpc_requests_total', help: 'RPC requests by method and error code (0 = success)', labelNames: ['method', 'code'], ...reg });
  const rpcSeconds = new client.Histogram({
    name: 'invoiced_rpc_request_duration_seconds',
    help: 'RPC request latency by method',
    labelNames: ['method'],
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5],
    ...reg,
  });
  const batchSize = new client.Histogram({ name: 'invoiced_write_batch_size', help: 'Operations per write transaction (group commit)', buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256], ...reg });
  const commitSeconds = new client.Histogram({
    name: 'invoiced_write_commit_duration_seconds',
    help: 'Write transaction time, BEGIN to COMMIT',
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    ...reg,
  });
  const webhookAttempts = new client.Counter({ name: 'invoiced_webhook_attempts_total', help: 'Webhook attempts by outcome (retry and failed are failures)', labelNames: ['outcome'], ...reg });
  const webhookSeconds = new client.Histogram({ name: 'invoiced_webhook_attempt_duration_seconds', help: 'Webhook attempt time', buckets: [0.01, 0.05, 0.1, 0.5, 1, 2.5, 5, 10], ...reg });
  new client.Gauge({ name: 'invoiced_pending_waiters', help: 'Waits asleep until a change', collect() { this.set(sources.pendingWaiters()); }, ...reg });
  new client.Gauge({ name: 'invoiced_outbox_pending', help: 'Outbox messages not yet reported sent or failed', async collect() { this.set(await sources.outboxPending()); }, ...reg });
  new client.Gauge({ name: 'invoiced_webhook_pending', help: 'Webhook deliveries not yet made', async collect() { this.set(await sources.webhookPending()); }, ...reg });

  function onEvents(list: readonly FeedEvent[], local: boolean): void {
    if (!local) return;
    for (const e of list) {
      events.inc({ type: e.type });
      const [group, what] = splitType(e.type);
      if (e.kind === 'invoice' && e.subject) {
        const inv = e.subject as { kind?: string; amount_received_msat?: bigint };
        const kind = inv.kind ?? 'bolt11';
        invoices.inc({ event: what, kind });
        if (e.type === 'invoice_paid' && inv.amount_received_msat !== undefined) received.inc({ kind }, Number(inv.amount_received_msat));
      } else if (e.kind === 'offer' || e.kind === 'invoicerequest') {
        offers.inc({ event: what, kind: group });
      } else if (e.type === 'outbox_failed') {
        outboxFailed.inc();
      }
    }
  }

  function instrument(commands: readonly Command[]): Command[] {
    return commands.map((c) =>
      c.name !== 'htlc_accepted'
        ? c
        : Object.freeze({
            ...c,
            bind: c.bind.bind(c),
            run: (values: Record<string, unknown>, ctx: CommandContext) =>
              Promise.resolve(c.run(values, ctx)).then((r) => {
                countHtlc(r);
                return r;
              }),
          }),
    );
  }

  function countHtlc(r: unknown): void {
    const o = r as { result?: string; failure_message?: string };
    if (o?.result === undefined) return;
    const code = o.result === 'fail' && typeof o.failure_message === 'string' ? parseInt(o.failure_message.slice(0, 4), 16) : undefined;
    htlcs.inc({ outcome: o.result, reason: code === undefined ? '' : (FAILURE_NAME.get(code) ?? `0x${code.toString(16)}`) });
  }

  return {
    registry,
    onEvents,
    onRequest(info) {
      const method = info.method ?? '(none)';
      rpcRequests.inc({ method, code: String(info.error_code ?? 0) });
      rpcSeconds.observe({ method }, info.duration_ms / 1000);
    },
    onCommit(operations, seconds) {
      batchSize.observe(operations);
      commitSeconds.observe(seconds);
    },
    onWebhookAttempt(outcome, seconds) {
      webhookAttempts.inc({ outcome });
      webhookSeconds.observe(seconds);
    },
    instrument,
  };
}

/** `invoice_paid` → ['invoice', 'paid']; `invoicerequest_created` → ['invoicerequest', 'created']. */
function splitType(type: string): [string, string] {
  const i = type.indexOf('_');
  return [type.slice(0, i), type.slice(i + 1)];
}

/** Serves `GET /metrics` on host:port; resolves with the bound address and a closer. */
export async function serveMetrics(
  registry: client.Registry,
  host: string,
  port: number,
): Promise<{ address: AddressInfo; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    registry.metrics().then(
      (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text),
      (err: unknown) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`${(err as Error).message}\n`),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    address: server.address() as AddressInfo,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
