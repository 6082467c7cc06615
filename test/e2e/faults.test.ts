/**
 * The built daemon under faults (issue 18): a log it cannot write, a log path that is a planted link,
 * PostgreSQL terminating the daemon's connections under load, getinfo with the invoice tables locked.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it, vi } from 'vitest';
import {
  DAEMON_MAIN,
  daemonBuilt,
  E2E_DATABASES,
  dropPgSchemas,
  freshPgDatabase,
  makeDatadir,
  PG_URL,
  runScript,
  startDaemonsKilledAfterEach,
} from '../helpers/daemon.js';
import { targetFromInvoice, TestPayer } from '../helpers/payer.js';

const start = startDaemonsKilledAfterEach();
afterAll(dropPgSchemas);

describe.skipIf(!daemonBuilt())('a log that cannot be written', () => {
  it('keeps answering with the disk full where the log lives, warns once, and exits 0 on SIGTERM', async () => {
    const d = await start({ args: ['--log-file=/dev/full'], logLevel: 'debug' });
    for (let i = 0; i < 50; i++) expect((await d.call('getinfo')).result.id).toMatch(/^0[23]/);
    expect((await d.call('invoice', { amount_msat: 1000, label: 'full', description: 'disk full' })).result.bolt11).toMatch(/^lnbcrt/);
    expect(await d.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    expect(d.stderr()).toBe('invoiced: cannot write the log to /dev/full (ENOSPC): dropping log lines until it can be written\n');
  });

  it('refuses to start on a log file that is a symbolic link', async () => {
    const datadir = makeDatadir();
    const target = path.join(datadir, 'elsewhere');
    fs.writeFileSync(target, '');
    fs.mkdirSync(path.join(datadir, 'regtest'), { mode: 0o700 });
    const link = path.join(datadir, 'regtest', 'invoiced.log');
    fs.symlinkSync(target, link);
    const r = await runScript(DAEMON_MAIN, [`--datadir=${datadir}`, '--network=regtest', '--log-file=invoiced.log']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`invoiced: log file ${link} is a symbolic link: refusing to follow it\n`);
    expect(fs.readFileSync(target, 'utf8')).toBe('');
  });
});

describe.skipIf(!daemonBuilt() || !PG_URL)('PostgreSQL connections terminated under load', () => {
  it('fails the affected requests clearly, keeps running, logs once per outage, and loses nothing acknowledged', async () => {
    const app = `e2e_${randomBytes(4).toString('hex')}`;
    const { url } = freshPgDatabase();
    const d = await start({ database: `${url}&application_name=${app}`, logLevel: 'info' });
    const admin = new pg.Client({ connectionString: PG_URL });
    await admin.connect();
    // The daemon opens connections again only as its requests need them (and its listening one a second
    // later): right after the requests are sent, it may hold none yet, the last round's having been
    // terminated. Terminate once it holds one (a readiness poll, bounded for a loaded machine).
    const kill = async () => {
      const deadline = Date.now() + 15_000;
      for (;;) {
        const n = (await admin.query('select pg_terminate_backend(pid) from pg_stat_activity where application_name = $1', [app])).rowCount ?? 0;
        if (n > 0 || Date.now() > deadline) return n;
        await new Promise((r) => setTimeout(r, 5));
      }
    };
    const acked: string[] = [];
    const errors = new Map<string, number>();
    let n = 0;
    const clients = await Promise.all(Array.from({ length: 8 }, () => d.connect()));
    try {
      for (let round = 0; round < 6; round++) {
        const calls = clients.flatMap((c) =>
          Array.from({ length: 5 }, async () => {
            const label = `t${++n}`;
            const r = await c.call('invoice', { amount_msat: 1000, label, description: 'pg drop' });
            if (r.result) acked.push(label);
            else errors.set(`${r.error!.code} ${r.error!.message.split(':')[0]}`, 1 + (errors.get(`${r.error!.code} ${r.error!.message.split(':')[0]}`) ?? 0));
          }),
        );
        // Terminated while the requests are in flight (and the listening connection with them).
        expect(await kill()).toBeGreaterThan(0);
        await Promise.all(calls);
      }
      // Still running and serving once the database is back.
      const after = await d.call('invoice', { amount_msat: 1000, label: 'after', description: 'after' });
      expect(after.result?.bolt11).toMatch(/^lnbcrt/);
      expect(d.proc.exitCode).toBeNull();
      for (const k of errors.keys()) expect(k).toBe('-32603 Database unavailable');
      const listed = new Set(((await d.call('listinvoices', {})).result.invoices as { label: string }[]).map((i) => i.label));
      for (const l of acked) expect(listed.has(l)).toBe(true);
      expect(acked.length).toBeGreaterThan(0);
      // The log reaches the test over another pipe than the answers: wait for the line, then count.
      const lost = 'database connection lost: requests that need it fail until it is back';
      await d.waitForLog(lost);
      const outages = d.logs().filter((l) => l.msg === lost).length;
      expect(outages).toBeGreaterThanOrEqual(1);
      expect(outages).toBeLessThanOrEqual(6);
      expect(d.logs().filter((l) => l.msg === 'rpc handler failed')).toEqual([]);
    } finally {
      for (const c of clients) c.close();
      await admin.end();
    }
  }, 60_000);
});

describe.skipIf(!daemonBuilt() || !PG_URL)('getinfo with PostgreSQL frozen (item 8)', () => {
  it('answers from memory while another session holds every table of its schema, with counts that followed create, pay, delete and another daemon', async () => {
    const { url } = freshPgDatabase();
    const schema = new URL(url).searchParams.get('schema')!;
    const a = await start({ database: url });
    const b = await start({ database: url });
    const inv = async (label: string, d = a) => (await d.call('invoice', { amount_msat: 5000, label, description: 'frozen' })).result;
    const paid = await inv('paid');
    await inv('unpaid');
    await inv('deleted');
    const [htlc] = new TestPayer().pay(targetFromInvoice(paid.bolt11));
    expect((await a.call('htlc_accepted', htlc)).result.result).toBe('resolve');
    expect((await a.call('delinvoice', ['deleted', 'unpaid'])).result.status).toBe('unpaid');
    await inv('remote', b);
    const counts = { unpaid: 2, paid: 1, expired: 0, created_index: 4, updated_index: 1, deleted_index: 1 };
    // b's invoice reaches a with b's NOTIFY.
    await vi.waitFor(async () => expect((await a.call('getinfo')).result.invoices).toEqual(counts), { timeout: 10_000 });

    const admin = new pg.Client({ connectionString: PG_URL });
    await admin.connect();
    try {
      // Every table of the daemon's schema, so getinfo cannot be reading any of them.
      const tables = (await admin.query<{ t: string }>('select tablename as t from pg_tables where schemaname = $1', [schema])).rows;
      expect(tables.map((r) => r.t)).toEqual(expect.arrayContaining(['invoices', 'invoice_counters']));
      await admin.query('begin');
      await admin.query(`lock table ${tables.map((r) => `${schema}."${r.t}"`).join(', ')} in access exclusive mode`);
      // A request that reads the invoices now waits for the lock (up to the statement timeout)…
      let listed = false;
      const list = a.call('listinvoices', {}).then((r) => ((listed = true), r));
      // …while getinfo answers at once, with the counts.
      const info = await a.call('getinfo');
      expect(info.error).toBeUndefined();
      expect(info.result.invoices).toEqual(counts);
      expect(listed).toBe(false);
      await admin.query('rollback');
      expect((await list).result.invoices.map((i: { label: string }) => i.label)).toEqual(['paid', 'unpaid', 'remote']);
    } finally {
      await admin.end();
    }
  }, 30_000);
});

for (const db of E2E_DATABASES) {
  describe.skipIf(!daemonBuilt() || db.skip)(`values refused at the edge on ${db.name} (items 9–11)`, () => {
    it('answers -32602 for what the database cannot hold, and reads big rates back exactly', async () => {
      const d = await start({ database: db.database });
      const bad = async (method: string, params: unknown) => {
        const r = await d.call(method, params);
        expect(r.error?.code, r.raw).toBe(-32602);
        return r.error!.message;
      };
      expect(await bad('invoice', { amount_msat: 1, label: 'a\ud800', description: 'd' })).toBe(
        "label: should be valid Unicode (a \\u escape of a lone surrogate is not): invalid token '\"a\\ud800\"'",
      );
      expect(await bad('invoice', { amount_msat: 1, label: 'a\u0000b', description: 'd' })).toMatch(/^label: should not contain NUL/);
      expect(await bad('outbox-failed', { created_index: 1, error: 'x\u0000' })).toMatch(/^error: should not contain NUL/);
      // (Digits in a string, as CLN reads integers too: the test client's JSON cannot write big numbers.)
      expect(await bad('setcurrencyrate', ['USD', '9223372036854775808'])).toBe(
        "msat_per_unit: should be an unsigned integer below 2^63: invalid token '\"9223372036854775808\"'",
      );
      const max = await d.call('setcurrencyrate', ['USD', '9223372036854775807']);
      expect(max.raw).toContain('"msat_per_unit":9223372036854775807');
      expect((await d.call('listcurrencyrates', [])).raw).toContain('"msat_per_unit":9223372036854775807');
      const htlc = {
        onion: { forward_msat: 1000, outgoing_cltv_value: 800_020, payment_secret: '00'.repeat(32), total_msat: 1000 },
        htlc: { short_channel_id: '1x1x1', id: '9223372036854775808', amount_msat: 1000, cltv_expiry: 800_020, cltv_expiry_relative: 20, payment_hash: '11'.repeat(32) },
      };
      expect(await bad('htlc_accepted', htlc)).toMatch(/^htlc\.id: should be an unsigned integer up to 9223372036854775807/);
      expect(await bad('onion_message_recv', { onion_message: { pathsecret: 2 ** 53 + 2 } })).toBe(
        "onion_message.pathsecret: should be 32-byte hex: invalid token '9007199254740994'",
      );
    });
  });
}
