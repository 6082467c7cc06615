/**
 * The dialect fixture every database test uses:
 *
 *   for (const dialect of DIALECTS) describe.skipIf(!dialect.available)(dialect.name, () => { … });
 *
 * SQLite gets a fresh temp directory per test; PostgreSQL a fresh schema per test on the server named by
 * INVOICED_TEST_PG_URL (skipped, with the reason printed once, when it is unset).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sha256 } from '@noble/hashes/sha2.js';
import pg from 'pg';
import { nodeKeysFromSeed } from '../../src/crypto/node-keys.js';
import { openInvoiceDatabase, withPostgresSchemaLock, type InvoiceDatabase } from '../../src/invoice/store/db.js';
import {
  createInvoiceEngine,
  type InvoiceEngineConfig,
  type InvoiceEngineDeps,
  type InvoiceEngineImpl,
} from '../../src/invoice/engine.js';
import { ManualClock, type RandomSource } from '../../src/util/clock.js';

export const PG_URL = process.env.INVOICED_TEST_PG_URL;

export interface TestDialect {
  readonly name: 'sqlite' | 'postgres';
  readonly available: boolean;
  readonly skipReason?: string;
}

export const DIALECTS: readonly TestDialect[] = [
  { name: 'sqlite', available: true },
  PG_URL
    ? { name: 'postgres', available: true }
    : { name: 'postgres', available: false, skipReason: 'INVOICED_TEST_PG_URL is unset' },
];

let warned = false;
for (const d of DIALECTS) {
  if (!d.available && !warned) {
    warned = true;
    console.warn(`[test] skipping ${d.name} database tests: ${d.skipReason}`);
  }
}

/** A fresh, migrated database for one test, plus the means to open it again (as a restart or a second daemon). */
export interface TestDatabase {
  readonly db: InvoiceDatabase;
  /** Opens another handle on the same database (a second pool / a restarted daemon). */
  openAnother(): Promise<InvoiceDatabase>;
  /** The options that open it (for child processes). */
  readonly openOptions: { path: string } | { url: string; schema: string };
  /**
   * Runs DDL of a test's own (migrating down, renaming a table) the way the daemon migrates: on PostgreSQL
   * holding SCHEMA_CHANGE_LOCK, so that no other test's migrator reads the catalog while it changes.
   */
  schemaChange<T>(fn: () => Promise<T>): Promise<T>;
  /** Closes every handle and removes the directory / schema. */
  cleanup(): Promise<void>;
}

let seq = 0;

export async function openTestDatabase(dialect: TestDialect): Promise<TestDatabase> {
  const handles: InvoiceDatabase[] = [];
  const track = async (p: Promise<InvoiceDatabase>) => {
    const h = await p;
    handles.push(h);
    return h;
  };
  const closeAll = async () => {
    for (const h of handles.splice(0)) await h.close().catch(() => {});
  };
  if (dialect.name === 'sqlite') {
    const dir = mkdtempSync(path.join(tmpdir(), 'invoiced-test-'));
    const openOptions = { path: path.join(dir, 'regtest', 'invoices.sqlite3') };
    const db = await track(openInvoiceDatabase(openOptions));
    return {
      db,
      openOptions,
      openAnother: () => track(openInvoiceDatabase(openOptions)),
      schemaChange: (fn) => fn(),
      async cleanup() {
        await closeAll();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  if (!PG_URL) throw new Error('INVOICED_TEST_PG_URL is unset');
  const schema = `t_${process.pid}_${Date.now().toString(36)}_${++seq}_${Math.floor(Math.random() * 1e6)}`;
  const admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
  try {
    await admin.query(`create schema "${schema}"`);
  } finally {
    await admin.end();
  }
  const openOptions = { url: PG_URL, schema };
  const dropSchema = () =>
    withPostgresSchemaLock(PG_URL, async () => {
      const c = new pg.Client({ connectionString: PG_URL });
      await c.connect();
      try {
        await c.query(`drop schema if exists "${schema}" cascade`);
      } finally {
        await c.end();
      }
    });
  let db: InvoiceDatabase;
  try {
    db = await track(openInvoiceDatabase({ ...openOptions, poolSize: 4 }));
  } catch (err) {
    await dropSchema(); // leave nothing behind when the open itself fails
    throw err;
  }
  return {
    db,
    openOptions,
    openAnother: () => track(openInvoiceDatabase({ ...openOptions, poolSize: 4 })),
    schemaChange: (fn) => withPostgresSchemaLock(PG_URL, fn),
    async cleanup() {
      await closeAll();
      await dropSchema();
    },
  };
}

/** The node keys of every engine test: seed 0x01 × 32. */
export const TEST_NODE_KEYS = nodeKeysFromSeed(new Uint8Array(32).fill(1), { auxRand: () => new Uint8Array(32) });

/** A deterministic random source: SHA256(tag || counter) streams. */
export function testRandom(tag = 'test'): RandomSource {
  let n = 0;
  return (len: number) => {
    const out = new Uint8Array(len);
    for (let off = 0; off < len; off += 32) {
      out.set(sha256(new TextEncoder().encode(`${tag}:${n++}`)).subarray(0, Math.min(32, len - off)), off);
    }
    return out;
  };
}

/** An engine on `db` with a ManualClock at 1_700_000_000 s, regtest, and the test keys; started. */
export async function startTestEngine(
  db: InvoiceDatabase,
  opts: { clock?: ManualClock; config?: InvoiceEngineConfig; random?: RandomSource } & Partial<InvoiceEngineDeps> = {},
): Promise<{ engine: InvoiceEngineImpl; clock: ManualClock }> {
  const clock = opts.clock ?? new ManualClock(1_700_000_000_000);
  const engine = createInvoiceEngine({
    db,
    nodeKeys: TEST_NODE_KEYS,
    network: 'regtest',
    clock,
    random: opts.random ?? testRandom(),
    config: opts.config ?? { invoiceExpiry: 3600, cltvFinal: 10 },
    ...(opts.codec ? { codec: opts.codec } : {}),
    ...(opts.maxBatch !== undefined ? { maxBatch: opts.maxBatch } : {}),
    ...(opts.bolt11Builder ? { bolt11Builder: opts.bolt11Builder } : {}),
    ...(opts.routeHints ? { routeHints: opts.routeHints } : {}),
  });
  await engine.start();
  return { engine, clock };
}
