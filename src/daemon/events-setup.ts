/**
 * Wires the event feed, the webhooks and the metrics into the daemon (issue 16): the feed's hooks go on
 * the database every engine writes through, the router on the feed, the dispatcher behind the feed's
 * wake-ups, the metrics on everything that reports. `createDaemon` calls this once after the database is
 * open and passes `database` (with the hooks) to the engines.
 */
import * as path from 'node:path';
import { sql } from 'kysely';
import type { Logger } from 'pino';
import { createEventFeed, type EventFeed } from '../events/feed.js';
import { openInvoiceDatabase, type InvoiceDatabase } from '../invoice/store/db.js';
import { formatEventObject } from '../rpc/commands/event-format.js';
import type { Clock, RandomSource } from '../util/clock.js';
import { createDeferredRouting, type DeferredRouting } from '../webhooks/deferred-routing.js';
import { createWebhookDispatcher, type WebhookDispatcher } from '../webhooks/dispatcher.js';
import { webhookRouter } from '../webhooks/router.js';
import { loadWebhookSecret } from '../webhooks/webhook-secret.js';
import type { DaemonConfig } from './config.js';
import { createMetrics, serveMetrics, type Metrics } from './metrics.js';

export interface EventsDeps {
  readonly config: DaemonConfig;
  /** The database as opened (the result carries it again, with the write hooks). */
  readonly database: InvoiceDatabase;
  readonly clock: Clock;
  readonly random: RandomSource;
  readonly logger: Logger;
  readonly version: string;
  /** Waits asleep in the invoice engine (read at scrape time). */
  readonly engineWaiters: () => number;
}

export interface EventsSetup {
  /** The database with the feed's and the metrics' write hooks: give this one to the engines. */
  readonly database: InvoiceDatabase;
  readonly feed: EventFeed;
  readonly webhooks: WebhookDispatcher;
  /** Present with `--metrics`. */
  readonly metrics?: Metrics;
  /** Listens to other daemons, starts delivering, serves metrics. */
  start(): Promise<void>;
  close(): Promise<void>;
}

export async function setupEvents(deps: EventsDeps): Promise<EventsSetup> {
  const { config, clock, random, logger } = deps;
  const ev = config.events;
  const feed = createEventFeed({
    db: deps.database,
    clock,
    random,
    formatObject: formatEventObject,
    logger: logger.child({ module: 'events' }),
    autocleanAge: Number(ev.autocleanAge),
    autocleanCycle: Number(config.autoclean.cycle),
  });
  const metrics = ev.metrics
    ? createMetrics({
        pendingWaiters: () => deps.engineWaiters() + feed.waiting,
        outboxPending: async () => {
          const r = await sql<{ n: number | string }>`select count(*) as n from outbox where status = 'pending'`.execute(deps.database.db);
          return Number(r.rows[0]?.n ?? 0);
        },
        webhookPending: async () => (await webhooks.backlog()).reduce((n, b) => n + b.pending, 0),
      })
    : undefined;
  const database: InvoiceDatabase = {
    ...deps.database,
    hooks: { ...feed.hooks, ...(metrics ? { onCommit: metrics.onCommit } : {}) },
  };

  // Deliveries on PostgreSQL hold a row lock during each POST, on a pool of their own.
  const claimDb =
    config.database.kind === 'postgres'
      ? await openInvoiceDatabase({ url: config.database.url, ...(config.database.schema !== undefined ? { schema: config.database.schema } : {}), poolSize: 8 })
      : undefined;
  const secret = await loadWebhookSecret(path.join(config.datadir, 'webhook_secret'), random).catch(async (err: unknown) => {
    await claimDb?.close();
    throw err;
  });
  // SQLite: deliveries routed after the events' commit, many at a time (src/webhooks/deferred-routing.ts).
  let deferred: DeferredRouting | undefined;
  const webhooks = createWebhookDispatcher({
    db: database,
    ...(claimDb ? { claimDb } : {}),
    secret,
    clock,
    random,
    logger: logger.child({ module: 'webhooks' }),
    timeoutMs: ev.webhookTimeoutMs,
    posterNice: ev.webhookNice,
    retryForMs: Number(ev.webhookRetryFor) * 1000,
    userAgent: `invoiced/${deps.version}`,
    beforeRead: () => deferred?.flush() ?? Promise.resolve(),
    ...(metrics ? { onAttempt: (o, s) => metrics.onWebhookAttempt(o, s) } : {}),
  });
  // Wake the dispatcher only after commits that routed deliveries, for the URLs they went to, without a
  // scan (another daemon's commits: a scan). By seq: a later append may route before this one's commit.
  const routed = new Map<string, number>();
  const router = webhookRouter(ev.webhooks, clock, (seq, urls) => {
    for (const u of urls) routed.set(u, Math.max(routed.get(u) ?? 0, seq));
  });
  if (config.database.kind === 'sqlite') {
    deferred = createDeferredRouting({
      db: database,
      route: router,
      logger: logger.child({ module: 'webhooks' }),
      afterCommit: () => {
        const urls = [...routed.keys()];
        routed.clear();
        if (urls.length > 0) webhooks.kick(urls);
      },
    });
    feed.onEvents((events, local) => deferred!.onEvents(events, local));
  } else {
    feed.addRouter(router);
    feed.onEvents((events, local) => {
      if (!local) return webhooks.kick();
      if (routed.size === 0) return;
      const top = events.reduce((m, e) => Math.max(m, e.seq), 0);
      const due: string[] = [];
      for (const [url, seq] of routed) {
        if (seq > top) continue;
        due.push(url);
        routed.delete(url);
      }
      if (due.length > 0) webhooks.kick(due);
    });
  }
  if (metrics) feed.onEvents((events, local) => metrics.onEvents(events, local));

  let server: Awaited<ReturnType<typeof serveMetrics>> | undefined;
  return {
    database,
    feed,
    webhooks,
    ...(metrics ? { metrics } : {}),
    async start() {
      await feed.start();
      await deferred?.start();
      webhooks.start();
      if (metrics && ev.metrics) {
        server = await serveMetrics(metrics.registry, ev.metrics.host, ev.metrics.port);
        logger.info({ address: `${server.address.address}:${server.address.port}` }, 'metrics served');
      }
    },
    async close() {
      await server?.close();
      await deferred?.close();
      await webhooks.close();
      await feed.close();
      await claimDb?.close();
    },
  };
}
