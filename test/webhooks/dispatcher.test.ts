/**
 * Webhook delivery against a real local HTTP server and a real database, once per dialect: the server
 * accepts, refuses (500), times out, goes away and comes back; deliveries arrive in seq order with valid
 * HMAC-SHA256 signatures and their headers, are retried with backoff (the injected clock moves time)
 * until accepted, are given up after the retry period, and can be redelivered. On PostgreSQL, two
 * dispatchers (two daemons) on one database post each event exactly once.
 */
import { createHmac } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createEventFeed, type EventFeed } from '../../src/events/feed.js';
import type { InvoiceDatabase } from '../../src/invoice/store/db.js';
import type { InvoiceEngineImpl } from '../../src/invoice/engine.js';
import { formatEventObject } from '../../src/rpc/commands/event-format.js';
import { ManualClock } from '../../src/util/clock.js';
import { createWebhookDispatcher, type WebhookDispatcher } from '../../src/webhooks/dispatcher.js';
import { webhookRouter } from '../../src/webhooks/router.js';
import { parseWebhookTarget } from '../../src/webhooks/webhook-target.js';
import { DIALECTS, openTestDatabase, startTestEngine, testRandom, type TestDatabase } from '../helpers/db.js';

const SECRET = 'ab'.repeat(32);
vi.setConfig({ testTimeout: 180_000 }); // several conditions awaited in a row on a loaded machine
const WAIT = { timeout: 60_000, interval: 10 }; // generous: the machine may be loaded

type Mode = 'accept' | 'refuse' | 'hang';

/** A receiver: records every request, answers as `mode` says. */
class Sink {
  mode: Mode = 'accept';
  readonly received: Array<{ headers: http.IncomingHttpHeaders; body: string; answered: number | 'hung' }> = [];
  private server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      const mode = this.mode;
      this.received.push({ headers: req.headers, body, answered: mode === 'hang' ? 'hung' : mode === 'accept' ? 200 : 500 });
      if (mode === 'hang') return;
      res.writeHead(mode === 'accept' ? 200 : 500).end();
    });
  });
  port = 0;

  async listen(): Promise<void> {
    await new Promise<void>((r) => this.server.listen(this.port, '127.0.0.1', r));
    this.port = (this.server.address() as AddressInfo).port;
  }
  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
    this.server = http.createServer(this.server.listeners('request')[0] as http.RequestListener);
  }
  get url(): string {
    return `http://127.0.0.1:${this.port}/hook`;
  }
  /** The seqs accepted (2xx), in arrival order. */
  accepted(): number[] {
    return this.received.filter((r) => r.answered === 200).map((r) => Number(r.headers['x-invoiced-seq']));
  }
}

interface Node {
  feed: EventFeed;
  engine: InvoiceEngineImpl;
  webhooks: WebhookDispatcher;
  close(): Promise<void>;
}

async function startNode(t: TestDatabase, base: InvoiceDatabase, clock: ManualClock, url: string, tag: string, pg: boolean, retryForMs = 86_400_000): Promise<Node> {
  const feed = createEventFeed({ db: base, clock, random: testRandom(`feed-${tag}`), formatObject: formatEventObject });
  const db: InvoiceDatabase = { ...base, hooks: feed.hooks };
  const claimDb = pg ? await t.openAnother() : undefined;
  const webhooks = createWebhookDispatcher({
    db,
    ...(claimDb ? { claimDb } : {}),
    secret: SECRET,
    clock,
    random: testRandom(`jitter-${tag}`),
    timeoutMs: 2000, // long enough for a loaded machine; the 'hang' case waits it out
    retryForMs,
    userAgent: 'test',
  });
  feed.addRouter(webhookRouter([parseWebhookTarget(url)], clock));
  feed.onEvents(() => webhooks.kick());
  const { engine } = await startTestEngine(db, { clock, random: testRandom(`engine-${tag}`) });
  await feed.start();
  webhooks.start();
  return {
    feed,
    engine,
    webhooks,
    async close() {
      await webhooks.close();
      await feed.close();
      await engine.close();
    },
  };
}

const sign = (body: string) => `sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}`;

for (const dialect of DIALECTS) {
  describe.skipIf(!dialect.available)(`webhooks on ${dialect.name}`, () => {
    let t: TestDatabase;
    let sink: Sink;
    let clock: ManualClock;
    let node: Node;
    const pg = dialect.name === 'postgres';

    beforeEach(async () => {
      t = await openTestDatabase(dialect);
      sink = new Sink();
      await sink.listen();
      clock = new ManualClock(1_700_000_000_000);
      node = await startNode(t, t.db, clock, sink.url, 'a', pg);
    });
    afterEach(async () => {
      await node.close();
      await sink.stop();
      await t.cleanup();
    });

    const create = (label: string) => node.engine.create({ label, description: 'd' });
    /**
     * Moves time on in 10 s steps (more than any backoff of the first attempts) until `check` passes: a
     * retry timer is armed only once the previous attempt is recorded, which the test cannot see.
     */
    const until = (check: () => Promise<void> | void) =>
      vi.waitFor(async () => {
        clock.advance(10_000);
        await check();
      }, WAIT);
    const head = async () => (await node.webhooks.list({}))[0]!;

    it('posts each event in seq order, signed, with its seq and a stable delivery id', async () => {
      for (const l of ['a', 'b', 'c']) await create(l);
      await vi.waitFor(() => expect(sink.accepted()).toEqual([1, 2, 3]), WAIT);
      const events = await node.feed.list({});
      sink.received.forEach((r, i) => {
        expect(r.body).toBe(events[i]!.body);
        expect(r.headers['x-invoiced-signature']).toBe(sign(r.body));
        expect(r.headers['content-type']).toBe('application/json');
        expect(r.headers['x-invoiced-delivery']).toMatch(new RegExp(`^[0-9a-f]{16}-${i + 1}$`));
        expect(r.headers['x-invoiced-attempt']).toBe('1');
      });
      await vi.waitFor(async () => expect((await node.webhooks.list({ status: 'delivered' })).map((d) => d.seq)).toEqual([1, 2, 3]), WAIT);
    });

    it("an invoice's own URL gets its events too, also for many invoices created in one batch", async () => {
      // 45 creations at once share write batches, so their URLs are looked up many at a time.
      const own = (i: number) => `${sink.url}?invoice=${i}`;
      await Promise.all(
        Array.from({ length: 45 }, (_, i) => node.engine.create({ label: `b${i}`, description: 'd', ...(i % 3 === 0 ? { webhook: own(i) } : {}) })),
      );
      const seqOf = new Map((await node.feed.list({})).map((e) => [JSON.parse(e.body).invoice.label as string, e.seq]));
      const deliveries = await node.webhooks.list({});
      expect(deliveries.filter((d) => d.url === sink.url).map((d) => d.seq).sort((a, b) => a - b)).toEqual([...seqOf.values()].sort((a, b) => a - b));
      const ownRows = deliveries.filter((d) => d.url !== sink.url).map((d) => [d.url, d.seq]);
      expect(ownRows.sort()).toEqual(
        Array.from({ length: 15 }, (_, k) => [own(3 * k), seqOf.get(`b${3 * k}`)!]).sort(),
      );
    });

    it('refused (500), timed out, gone, back: retried with backoff until accepted, never out of order', async () => {
      sink.mode = 'refuse';
      await create('a');
      await create('b');
      await vi.waitFor(() => expect(sink.received.length).toBe(1), WAIT);
      await vi.waitFor(async () => expect((await node.webhooks.list({}))[0]).toMatchObject({ seq: 1, status: 'pending', attempts: 1, last_status: 500, last_error: 'HTTP 500' }), WAIT);
      // Backoff with jitter: the first retry waits between 0.5 and 1 s.
      const first = (await node.webhooks.list({}))[0]!;
      expect(first.next_attempt_at - first.updated_at!).toBeGreaterThanOrEqual(500);
      expect(first.next_attempt_at - first.updated_at!).toBeLessThanOrEqual(1000);
      // The head is retried only when its backoff has passed; seq 2 never goes before it.
      sink.mode = 'hang';
      // Time moves on while each check reads, so a retry may already have followed: at least, not exactly.
      await until(async () => {
        const h = await head();
        expect(h.attempts).toBeGreaterThanOrEqual(2);
        expect(h.last_error).toBe('timed out after 2000 ms');
      });
      await sink.stop();
      await until(async () => {
        const h = await head();
        expect(h.attempts).toBeGreaterThanOrEqual(3);
        expect(h.last_error).not.toBe('timed out after 2000 ms');
      });
      expect((await head()).last_status).toBeUndefined();
      expect((await head()).last_error).toMatch(/ECONNREFUSED|ECONNRESET|other side closed/); // no HTTP answer (refused, or a connection dropped without one)
      sink.mode = 'accept';
      await sink.listen();
      await until(() => expect(sink.accepted()).toEqual([1, 2]));
      // Refused, hung, (nothing reaches it while gone), accepted; only then seq 2, at its first attempt.
      const seqs = sink.received.map((r) => Number(r.headers['x-invoiced-seq']));
      // A slow machine may hang a second attempt before the sink stops: seq 1 three times or more, then seq 2.
      expect(seqs.at(-1)).toBe(2);
      expect(seqs.slice(0, -1).every((q) => q === 1) && seqs.length >= 4).toBe(true);
      await vi.waitFor(async () => expect(await node.webhooks.list({ status: 'delivered' })).toHaveLength(2), WAIT);
      const [d1, d2] = await node.webhooks.list({ status: 'delivered' });
      expect(d1!.attempts).toBeGreaterThanOrEqual(4); // at least one attempt while it was gone
      const attempts = sink.received.map((r) => Number(r.headers['x-invoiced-attempt']));
      expect(attempts.slice(0, 2)).toEqual([1, 2]);
      expect(attempts.slice(0, -1).every((a, i, all) => i === 0 || a > all[i - 1]!)).toBe(true);
      expect(attempts.slice(-2)).toEqual([d1!.attempts, 1]);
      expect(d2).toMatchObject({ seq: 2, attempts: 1 });
    });

    it('gives up after the retry period, then goes on; webhook-redeliver sends it again', async () => {
      await node.close();
      node = await startNode(t, t.db, clock, sink.url, 'b', pg, 60_000);
      sink.mode = 'refuse';
      await create('a');
      // Retried for a minute (this node's setting), then given up.
      await until(async () => expect((await head()).status).toBe('failed'));
      const given = await head();
      expect(given.attempts).toBeGreaterThanOrEqual(2);
      expect(given.updated_at! - given.created_at).toBeGreaterThanOrEqual(60_000);
      expect(sink.received.length).toBe(given.attempts);
      sink.mode = 'accept';
      await create('b');
      await vi.waitFor(() => expect(sink.accepted()).toEqual([2]), WAIT);
      expect((await node.webhooks.redeliver(1)).map((x) => [x.seq, x.status, x.attempts])).toEqual([[1, 'pending', 0]]);
      await vi.waitFor(() => expect(sink.accepted()).toEqual([2, 1]), WAIT);
    });

    it('a restarted dispatcher resumes the pending deliveries from the database', async () => {
      sink.mode = 'refuse';
      await create('a');
      await vi.waitFor(() => expect(sink.received.length).toBe(1), WAIT);
      await node.close();
      sink.mode = 'accept';
      node = await startNode(t, await t.openAnother(), clock, sink.url, 'c', pg);
      await until(() => expect(sink.accepted()).toEqual([1]));
    });

    it.runIf(pg)('two daemons on one database post every event exactly once, in order', async () => {
      const other = await startNode(t, await t.openAnother(), clock, sink.url, 'd', pg);
      try {
        await Promise.all(Array.from({ length: 30 }, (_, i) => (i % 2 ? node : other).engine.create({ label: `p${i}`, description: 'd' })));
        await vi.waitFor(() => expect(sink.accepted().length).toBe(30), WAIT);
        expect(sink.accepted()).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
        expect(sink.received.length).toBe(30);
      } finally {
        await other.close();
      }
    });
  });
}
