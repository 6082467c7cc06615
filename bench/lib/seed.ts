/**
 * Seeding a database with many invoices for the `list` scenario, quickly: the schema comes from the
 * store's own migrations (openInvoiceDatabase), the rows carry exactly the columns the store writes for an
 * invoice that was created and then paid or expired (with the HTLC row a payment records, and the counters
 * moved to match), and they go in with one prepared bulk INSERT per chunk instead of one group-commit
 * transaction per invoice.
 *
 * Realistic rows: shop-like descriptions, varied amounts, genuine signed BOLT 11 strings made with the
 * datadir's node key (a pool of distinct ones is reused across rows — the daemon never re-decodes a
 * stored invstring, so only the size matters), one created every 15 s over the past ~half year, expiry
 * one week; older than a week: 75 % paid, 25 % expired; the last week: half paid, half still unpaid.
 *
 * SQLite: the seeded file is kept as a template in the temp directory (keyed by row count and the
 * migration files) and copied for each run, so repeated runs seed once.
 */
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import Sqlite from 'better-sqlite3';
import pg from 'pg';
import { nodeKeysFromSeed } from '../../src/crypto/node-keys.js';
import { decodeBolt11, encodeBolt11 } from '../../src/invoice/bolt11/index.js';
import { buildBolt11 } from '../../src/invoice/create.js';
import { COUNTER } from '../../src/invoice/store/schema.js';
import { openInvoiceDatabase } from '../../src/invoice/store/db.js';
import { msat } from '../../src/util/msat.js';
import { amountMsat, description } from './scenario.js';

const INTERVAL_S = 15;
const EXPIRY_S = 7 * 24 * 3600;
/** Template layout version: bump when the generated rows change. */
const SEED_VERSION = 2;

/** The preimage of seeded invoice `i` (1-based created_index); its payment_hash is sha256 of it. */
export function seededPreimage(i: number): Buffer {
  return createHash('sha256').update(`invoiced-bench-${i}`).digest();
}
export const seededHash = (i: number): Buffer => createHash('sha256').update(seededPreimage(i)).digest();
export const seededLabel = (i: number): string => `shop-order-${100000 + i}`;

export interface SeedRow {
  created_index: number;
  label: string;
  kind: 'bolt11';
  invstring: string;
  payment_hash: Buffer;
  payment_preimage: Buffer;
  amount_msat: string;
  status: 'unpaid' | 'paid' | 'expired';
  pay_index: number | null;
  amount_received_msat: string | null;
  paid_at: number | null;
  description: string;
  expires_at: number;
  local_offer_id: null;
  invreq_payer_note: null;
  updated_index: number;
  created_at: number;
}

export interface SeedSummary {
  readonly rows: number;
  readonly paid: number;
  readonly expired: number;
  readonly unpaid: number;
  readonly counters: Record<string, number>;
}

/** Generates rows 1..n in order, calling `sink` with chunks; returns the totals and final counters. */
async function generate(n: number, seed: Uint8Array, now: number, sink: (rows: SeedRow[], htlcs: unknown[][]) => Promise<void> | void): Promise<SeedSummary> {
  const keys = nodeKeysFromSeed(seed);
  const codec = { encode: encodeBolt11, decode: decodeBolt11 };
  const pool = Array.from({ length: 256 }, (_, k) =>
    buildBolt11(
      {
        network: 'regtest',
        amount_msat: msat(BigInt(amountMsat(k))),
        timestamp: now,
        preimage: randomBytes(32),
        description: description(k),
        deschashonly: false,
        expiry: EXPIRY_S,
        cltv: 10,
        fallbacks: [],
      },
      keys.signEcdsa,
      codec,
    ).invstring,
  );
  let pay = 0;
  let upd = 0;
  let paid = 0;
  let expired = 0;
  let unpaid = 0;
  const CHUNK = 20_000;
  for (let start = 1; start <= n; start += CHUNK) {
    const rows: SeedRow[] = [];
    const htlcs: unknown[][] = [];
    for (let i = start; i < Math.min(n + 1, start + CHUNK); i++) {
      const created_at = now - (n - i) * INTERVAL_S;
      const expires_at = created_at + EXPIRY_S;
      const hash = seededHash(i);
      // A cheap deterministic spread (no Math.random: runs seed the same rows).
      const h = hash[0]!;
      const recent = expires_at > now;
      const status: SeedRow['status'] = recent ? (h < 128 ? 'paid' : 'unpaid') : h < 192 ? 'paid' : 'expired';
      const amount = String(amountMsat(i));
      const row: SeedRow = {
        created_index: i,
        label: seededLabel(i),
        kind: 'bolt11',
        invstring: pool[i % pool.length]!,
        payment_hash: hash,
        payment_preimage: seededPreimage(i),
        amount_msat: amount,
        status,
        pay_index: null,
        amount_received_msat: null,
        paid_at: null,
        description: description(i),
        expires_at,
        local_offer_id: null,
        invreq_payer_note: null,
        updated_index: 0,
        created_at,
      };
      if (status === 'paid') {
        row.pay_index = ++pay;
        row.paid_at = created_at + 30 + (h % 120);
        row.amount_received_msat = amount;
        row.updated_index = ++upd;
        htlcs.push([`${700000 + (i >> 12)}x${i & 4095}x0`, i, hash, amount]);
        paid++;
      } else if (status === 'expired') {
        row.updated_index = ++upd;
        expired++;
      } else unpaid++;
      rows.push(row);
    }
    await sink(rows, htlcs);
  }
  return {
    rows: n,
    paid,
    expired,
    unpaid,
    counters: { [COUNTER.created]: n, [COUNTER.updated]: upd, [COUNTER.pay]: pay },
  };
}

const COLUMNS = [
  'created_index', 'label', 'kind', 'invstring', 'payment_hash', 'payment_preimage', 'amount_msat', 'status', 'pay_index',
  'amount_received_msat', 'paid_at', 'description', 'expires_at', 'local_offer_id', 'invreq_payer_note', 'updated_index', 'created_at',
] as const;

function templateDir(n: number): string {
  const migrations = fileListHash(new URL('../../migrations/', import.meta.url));
  return path.join(os.tmpdir(), `invoiced-bench-seed-v${SEED_VERSION}-${n}-${migrations}`);
}

function fileListHash(dir: URL): string {
  const h = createHash('sha256');
  for (const f of fs.readdirSync(dir).filter((x) => x.endsWith('.js')).sort()) h.update(f).update(fs.readFileSync(new URL(f, dir)));
  return h.digest('hex').slice(0, 12);
}

/**
 * Fills `datadir` (regtest, SQLite) with `n` seeded invoices and its hsm_secret; returns the totals and the
 * seconds spent seeding (0 when the template already existed) and copying.
 */
export async function seedSqliteDatadir(datadir: string, n: number): Promise<SeedSummary & { seed_s: number; copy_s: number }> {
  const tpl = templateDir(n);
  let seed_s = 0;
  if (!fs.existsSync(path.join(tpl, 'done.json'))) {
    const t0 = performance.now();
    // Templates of older layouts or migrations of the same size are stale: remove them (each is ~1 GB).
    const prefix = `invoiced-bench-seed-`;
    for (const old of fs.readdirSync(os.tmpdir()).filter((f) => f.startsWith(prefix) && f.includes(`-${n}-`))) {
      fs.rmSync(path.join(os.tmpdir(), old), { recursive: true, force: true });
    }
    fs.rmSync(tpl, { recursive: true, force: true });
    fs.mkdirSync(tpl, { recursive: true });
    const seed = randomBytes(32);
    fs.writeFileSync(path.join(tpl, 'hsm_secret'), seed, { mode: 0o400 });
    const file = path.join(tpl, 'invoices.sqlite3');
    const opened = await openInvoiceDatabase({ path: file });
    await opened.close();
    const conn = new Sqlite(file);
    conn.pragma('journal_mode = WAL');
    conn.pragma('synchronous = OFF'); // seeding only: the file is checked for completeness by done.json
    conn.pragma('cache_size = -400000');
    // Secondary indexes are dropped during the bulk insert and rebuilt after (a sort instead of a million
    // random B-tree inserts); the same CREATE INDEX texts the migrations wrote, so the result is the same.
    const indexes = conn
      .prepare("select name, sql from sqlite_master where type = 'index' and sql is not null")
      .all() as Array<{ name: string; sql: string }>;
    for (const ix of indexes) conn.exec(`drop index "${ix.name}"`);
    const ins = conn.prepare(`insert into invoices (${COLUMNS.join(',')}) values (${COLUMNS.map(() => '?').join(',')})`);
    const insH = conn.prepare('insert into invoice_htlcs (short_channel_id, id, payment_hash, amount_msat) values (?,?,?,?)');
    const chunk = conn.transaction((rows: SeedRow[], htlcs: unknown[][]) => {
      for (const r of rows) ins.run(COLUMNS.map((c) => r[c]));
      for (const h of htlcs) insH.run(h);
    });
    const summary = await generate(n, seed, Math.floor(Date.now() / 1000), (rows, htlcs) => chunk(rows, htlcs));
    const setC = conn.prepare('update invoice_counters set value = ? where name = ?');
    for (const [name, v] of Object.entries(summary.counters)) setC.run(v, name);
    for (const ix of indexes) conn.exec(ix.sql);
    conn.pragma('wal_checkpoint(TRUNCATE)');
    conn.exec('analyze');
    conn.close();
    fs.writeFileSync(path.join(tpl, 'done.json'), JSON.stringify(summary));
    seed_s = (performance.now() - t0) / 1000;
  }
  const summary = JSON.parse(fs.readFileSync(path.join(tpl, 'done.json'), 'utf8')) as SeedSummary;
  const t1 = performance.now();
  const net = path.join(datadir, 'regtest');
  fs.mkdirSync(net, { recursive: true });
  fs.rmSync(path.join(datadir, 'hsm_secret'), { force: true });
  fs.copyFileSync(path.join(tpl, 'hsm_secret'), path.join(datadir, 'hsm_secret'));
  fs.copyFileSync(path.join(tpl, 'invoices.sqlite3'), path.join(net, 'invoices.sqlite3'));
  return { ...summary, seed_s, copy_s: (performance.now() - t1) / 1000 };
}

/**
 * Fills a PostgreSQL schema (through `url` with `?schema=` as the daemon takes it) with `n` seeded invoices,
 * writing the datadir's hsm_secret; rows go in by `unnest` of column arrays, 20,000 per statement.
 */
export async function seedPostgres(datadir: string, baseUrl: string, schema: string, n: number): Promise<SeedSummary & { seed_s: number }> {
  const t0 = performance.now();
  const seed = randomBytes(32);
  fs.rmSync(path.join(datadir, 'hsm_secret'), { force: true });
  fs.writeFileSync(path.join(datadir, 'hsm_secret'), seed, { mode: 0o400 });
  const opened = await openInvoiceDatabase({ url: baseUrl, schema });
  await opened.close();
  const c = new pg.Client({ connectionString: baseUrl, options: `-c search_path=${schema}` });
  await c.connect();
  try {
    const types = ['bigint', 'text', 'text', 'text', 'bytea', 'bytea', 'text', 'text', 'bigint', 'text', 'bigint', 'text', 'bigint', 'bytea', 'text', 'bigint', 'bigint'];
    const insSql = `insert into invoices (${COLUMNS.join(',')}) select * from unnest(${types.map((t, k) => `$${k + 1}::${t}[]`).join(',')})`;
    const summary = await generate(n, seed, Math.floor(Date.now() / 1000), async (rows, htlcs) => {
      await c.query('begin');
      await c.query(insSql, COLUMNS.map((col) => rows.map((r) => r[col])));
      await c.query('insert into invoice_htlcs (short_channel_id, id, payment_hash, amount_msat) select * from unnest($1::text[], $2::bigint[], $3::bytea[], $4::text[])', [0, 1, 2, 3].map((k) => htlcs.map((h) => h[k])));
      await c.query('commit');
    });
    for (const [name, v] of Object.entries(summary.counters)) await c.query('update invoice_counters set value = $1 where name = $2', [v, name]);
    await c.query('analyze');
    return { ...summary, seed_s: (performance.now() - t0) / 1000 };
  } finally {
    await c.end();
  }
}
