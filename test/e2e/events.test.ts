/**
 * The event feed, webhooks and metrics through the real daemon (built, over its socket), per database:
 * a SIGKILL under load leaves neither an invoice without its event nor an event without its invoice;
 * `--webhook` and `invoice … webhook=` deliveries arrive signed with the daemon's webhook_secret; a daemon
 * killed while a delivery is in flight delivers it again after restart; the poster thread alone runs at
 * the lowest priority unless `--webhook-nice` says otherwise; `--metrics` serves Prometheus text
 * whose counters follow the work done, and nothing is served without the option.
 */
import { createHmac } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { E2E_DATABASES, daemonBuilt, dropPgSchemas, startDaemonsKilledAfterEach } from '../helpers/daemon.js';

vi.setConfig({ testTimeout: 180_000 }); // several conditions awaited in a row on a loaded machine
const WAIT = { timeout: 60_000, interval: 20 }; // generous: the machine may be loaded
const startDaemon = startDaemonsKilledAfterEach();

/** A receiver that records requests and answers 200, or holds them (`hold`). */
async function sink(): Promise<{ url: string; hold: boolean; got: Array<{ path: string; headers: http.IncomingHttpHeaders; body: string }>; close(): Promise<void> }> {
  const s = {
    url: '',
    hold: false,
    got: [] as Array<{ path: string; headers: http.IncomingHttpHeaders; body: string }>,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      s.got.push({ path: req.url ?? '', headers: req.headers, body });
      if (!s.hold) res.writeHead(200).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  s.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return s;
}

/** Prometheus text format → samples (`name{labels}` → value), comments and types checked. */
function parsePrometheus(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('# HELP ') || line.startsWith('# TYPE ')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*",?)*\})? (-?[0-9.e+-]+|NaN|\+Inf|-Inf)$/.exec(line);
    if (!m) throw new Error(`not Prometheus text: ${line}`);
    out.set(m[1]! + (m[2] ?? ''), Number(m[3]));
  }
  return out;
}

/** The nice value of each thread of process `pid` (field 19 of /proc/<pid>/task/<tid>/stat). */
function threadNices(pid: number): number[] {
  return fs.readdirSync(`/proc/${pid}/task`).map((t) => Number(fs.readFileSync(`/proc/${pid}/task/${t}/stat`, 'utf8').split(') ')[1]!.split(' ')[16]));
}
const perThreadNice = fs.existsSync('/proc/thread-self');

let sinks: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(sinks.map((s) => s.close()));
  sinks = [];
});
afterAll(() => dropPgSchemas());

for (const db of E2E_DATABASES) {
  describe.skipIf(!daemonBuilt() || db.skip)(`events, webhooks, metrics (${db.name})`, () => {
    const dbOpt = db.database ? { database: db.database } : {};

    it('SIGKILL under load: every invoice has its event and every event its invoice', async () => {
      const d = await startDaemon(dbOpt);
      const clients = await Promise.all(Array.from({ length: 8 }, () => d.connect()));
      let acked = 0;
      const load = clients.map(async (c, w) => {
        for (let i = 0; ; i++) {
          try {
            const r = await c.call('invoice', [1000, `k-${w}-${i}`, 'd']);
            if (r.error) return;
            acked++;
          } catch {
            return;
          }
        }
      });
      await vi.waitFor(() => expect(acked).toBeGreaterThan(150), WAIT);
      await d.kill();
      await Promise.all(load);
      const d2 = await startDaemon(d.startOptions);
      const invoices = (await d2.call('listinvoices', {})).result.invoices as Array<{ created_index: number; label: string }>;
      const events = (await d2.call('listevents', {})).result.events as Array<{ seq: number; type: string; invoice: { created_index: number; label: string } }>;
      expect(invoices.length).toBeGreaterThanOrEqual(acked);
      expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
      expect(events.every((e) => e.type === 'invoice_created')).toBe(true);
      expect(events.map((e) => [e.invoice.created_index, e.invoice.label])).toEqual(invoices.map((i) => [i.created_index, i.label]));
    });

    it('webhooks: configured (with a type filter) and per invoice, signed; redelivered after a kill mid-delivery', async () => {
      const all = await sink();
      const paidOnly = await sink();
      const own = await sink();
      sinks.push(all, paidOnly, own);
      const d = await startDaemon({ ...dbOpt, developer: true, args: [`--webhook=${all.url}/all`, `--webhook=invoice_deleted,offer_*@${paidOnly.url}/some`] });
      if (perThreadNice) {
        // The poster thread alone runs at nice 19 (--webhook-nice's default); every other thread keeps 0.
        await vi.waitFor(() => expect(threadNices(d.proc.pid!).filter((n) => n === 19)).toHaveLength(1), WAIT);
        expect(threadNices(d.proc.pid!).filter((n) => n !== 19 && n !== 0)).toEqual([]);
      }
      const secretFile = path.join(d.datadir, 'webhook_secret');
      expect(fs.statSync(secretFile).mode & 0o777).toBe(0o600);
      const secret = fs.readFileSync(secretFile, 'utf8');
      expect(secret).toMatch(/^[0-9a-f]{64}$/);

      expect((await d.call('invoice', { amount_msat: 1000, label: 'w', description: 'd', webhook: `${own.url}/mine` })).error).toBeUndefined();
      expect((await d.call('invoice', [1000, 'other', 'd'])).error).toBeUndefined();
      expect((await d.call('delinvoice', ['w', 'unpaid'])).error).toBeUndefined();
      expect((await d.call('invoice', { amount_msat: 1, label: 'bad', description: 'd', webhook: 'ftp://x' })).error).toMatchObject({ code: -32602 });

      await vi.waitFor(() => expect(all.got.map((g) => g.headers['x-invoiced-seq'])).toEqual(['1', '2', '3']), WAIT);
      await vi.waitFor(() => expect(own.got.map((g) => g.headers['x-invoiced-seq'])).toEqual(['1', '3']), WAIT);
      await vi.waitFor(() => expect(paidOnly.got.map((g) => g.headers['x-invoiced-seq'])).toEqual(['3']), WAIT);
      for (const g of [...all.got, ...own.got, ...paidOnly.got]) {
        expect(g.headers['x-invoiced-signature']).toBe(`sha256=${createHmac('sha256', secret).update(g.body).digest('hex')}`);
      }
      expect(JSON.parse(own.got[1]!.body)).toMatchObject({ seq: 3, type: 'invoice_deleted', invoice: { label: 'w', status: 'unpaid' } });
      await vi.waitFor(async () => expect((await d.call('listwebhookdeliveries', { status: 'pending' })).result.deliveries).toEqual([]), WAIT);
      const listed = (await d.call('listwebhookdeliveries', [`${own.url}/mine`])).result.deliveries;
      expect(listed.map((x: { seq: number; status: string; attempts: number }) => [x.seq, x.status, x.attempts])).toEqual([
        [1, 'delivered', 1],
        [3, 'delivered', 1],
      ]);

      // Killed while the receiver holds a delivery: after restart it is delivered again.
      all.hold = true;
      expect((await d.call('offer', ['any', 'o'])).error).toBeUndefined();
      await vi.waitFor(() => expect(all.got.map((g) => g.headers['x-invoiced-seq'])).toContain('4'), WAIT);
      await d.kill();
      all.hold = false;
      const d2 = await startDaemon(d.startOptions);
      await vi.waitFor(() => expect(all.got.filter((g) => g.headers['x-invoiced-seq'] === '4').length).toBe(2), WAIT);
      const again = all.got.filter((g) => g.headers['x-invoiced-seq'] === '4');
      expect(again[1]!.headers['x-invoiced-delivery']).toBe(again[0]!.headers['x-invoiced-delivery']);

      const redo = await d2.call('webhook-redeliver', [2]);
      expect(redo.result.deliveries.map((x: { url: string; status: string }) => [x.url, x.status])).toEqual([[`${all.url}/all`, 'pending']]);
      await vi.waitFor(() => expect(all.got.filter((g) => g.headers['x-invoiced-seq'] === '2').length).toBe(2), WAIT);
      expect((await d2.call('webhook-redeliver', [99])).error).toMatchObject({ code: -1, message: 'No delivery of this event' });
      // wait events created N, from a consumer that remembered seq 4.
      const w = d2.call('wait', ['events', 'created', 5]);
      expect((await d2.call('invoice', [1000, 'later', 'd'])).error).toBeUndefined();
      expect((await w).result).toMatchObject({ subsystem: 'events', created: 5, events: { seq: 5, type: 'invoice_created', invoice: { label: 'later' } } });
    });

    it('a daemon killed right after a commit delivers that event after its restart (routed from the feed)', async () => {
      const s = await sink();
      sinks.push(s);
      const args = [`--webhook=${s.url}/all`];
      const d = await startDaemon({ ...dbOpt, developer: true, args: [...args, '--dev-crash-after-create'] });
      // Killed between the invoice's COMMIT and its answer: on SQLite its deliveries were not routed yet.
      expect(await d.call('invoice', { amount_msat: 1000, label: 'k', description: 'd', webhook: `${s.url}/own` }).catch((e: unknown) => e)).toBeInstanceOf(Error);
      expect((await d.exited).signal).toBe('SIGKILL');
      const d2 = await startDaemon({ ...d.startOptions, args });
      await vi.waitFor(() => expect(s.got.map((g) => [g.path, g.headers['x-invoiced-seq']]).sort()).toEqual([['/all', '1'], ['/own', '1']]), WAIT);
      expect(JSON.parse(s.got[0]!.body)).toMatchObject({ seq: 1, type: 'invoice_created', invoice: { label: 'k' } });
      const listed = (await d2.call('listwebhookdeliveries', {})).result.deliveries;
      expect(listed.map((x: { url: string; seq: number }) => [x.url, x.seq]).sort()).toEqual([[`${s.url}/all`, 1], [`${s.url}/own`, 1]]);
      // Events after it are routed as they come, and listed at once.
      expect((await d2.call('invoice', [1000, 'l', 'd'])).error).toBeUndefined();
      const now = (await d2.call('listwebhookdeliveries', [`${s.url}/all`])).result.deliveries;
      expect(now.map((x: { seq: number }) => x.seq)).toEqual([1, 2]);
    });

    it.skipIf(!perThreadNice)('--webhook-nice=0: the poster thread keeps the daemon’s priority, and still delivers', async () => {
      const s = await sink();
      sinks.push(s);
      const d = await startDaemon({ ...dbOpt, args: [`--webhook=${s.url}/all`, '--webhook-nice=0'] });
      expect((await d.call('invoice', [1000, 'n', 'd'])).error).toBeUndefined();
      await vi.waitFor(() => expect(s.got.map((g) => g.headers['x-invoiced-seq'])).toEqual(['1']), WAIT);
      expect(threadNices(d.proc.pid!).filter((n) => n !== 0)).toEqual([]);
    });

    it('metrics: off by default; with --metrics a scrape parses as Prometheus text and counters follow the work', async () => {
      const off = await startDaemon(dbOpt);
      // 'metrics served' comes before 'invoiced started': once that line is in, its absence means something.
      await off.waitForLog('invoiced started');
      expect(off.logs().some((l) => l.msg === 'metrics served')).toBe(false);
      await off.stop();

      const d = await startDaemon({ ...dbOpt, args: ['--metrics=127.0.0.1:0'] });
      const line = await d.waitForLog('metrics served');
      const address = String(line.address);
      expect(address).toMatch(/^127\.0\.0\.1:[0-9]+$/);
      const scrape = async () => {
        const res = await fetch(`http://${address}/metrics`);
        expect(res.status).toBe(200);
        expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
        return parsePrometheus(await res.text());
      };
      const before = await scrape();
      expect(before.get('invoiced_invoices_total{event="created",kind="bolt11"}') ?? 0).toBe(0);
      expect(before.has('invoiced_process_resident_memory_bytes')).toBe(true);
      for (let i = 0; i < 3; i++) expect((await d.call('invoice', [1000, `m${i}`, 'd'])).error).toBeUndefined();
      expect((await d.call('delinvoice', ['m0', 'unpaid'])).error).toBeUndefined();
      expect((await d.call('offer', ['any', 'o'])).error).toBeUndefined();
      expect((await d.call('delinvoice', ['nope', 'unpaid'])).error).toMatchObject({ code: 905 });
      const after = await scrape();
      expect(after.get('invoiced_invoices_total{event="created",kind="bolt11"}')).toBe(3);
      expect(after.get('invoiced_invoices_total{event="deleted",kind="bolt11"}')).toBe(1);
      expect(after.get('invoiced_offers_total{event="created",kind="offer"}')).toBe(1);
      expect(after.get('invoiced_events_total{type="invoice_created"}')).toBe(3);
      expect(after.get('invoiced_rpc_requests_total{method="invoice",code="0"}')).toBe(3);
      expect(after.get('invoiced_rpc_requests_total{method="delinvoice",code="905"}')).toBe(1);
      expect(after.get('invoiced_rpc_request_duration_seconds_count{method="invoice"}')).toBe(3);
      expect(after.get('invoiced_write_batch_size_count')).toBeGreaterThanOrEqual(5);
      expect(after.get('invoiced_pending_waiters')).toBe(0);
      expect(after.get('invoiced_webhook_pending')).toBe(0);
      expect((await fetch(`http://${address}/other`)).status).toBe(404);
    });
  });
}
