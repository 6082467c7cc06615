/**
 * Opening a database that is not ours, from a newer version, or corrupt (issue 18 items 6 and 7): each is
 * refused with what to do, and a foreign one is left exactly as it was; on SQLite and on PostgreSQL.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import Sqlite from 'better-sqlite3';
import { sql } from 'kysely';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { openInvoiceDatabase, withPostgresSchemaLock } from '../../../src/invoice/store/db.js';
import { PG_URL } from '../../helpers/db.js';
import { tempDir } from '../../helpers/tmp.js';

describe('openInvoiceDatabase refuses what it must not use', () => {
  it("a SQLite file with someone else's tables: refused before anything is written", async () => {
    const file = path.join(tempDir('dbc-'), 'other.sqlite3');
    const other = new Sqlite(file);
    other.exec('create table customers (id integer primary key, name text)');
    other.close();
    const before = fs.readFileSync(file);
    await expect(openInvoiceDatabase({ path: file })).rejects.toThrow(
      `database ${file} holds tables that are not invoiced's (customers): refusing to use it; give invoiced an empty database or its own schema`,
    );
    expect(fs.readFileSync(file).equals(before)).toBe(true);
    expect(fs.existsSync(`${file}-wal`)).toBe(false);
  });

  it('a database written by a newer version: refused with what to do', async () => {
    const file = path.join(tempDir('dbc-'), 'invoices.sqlite3');
    (await openInvoiceDatabase({ path: file })).close();
    const raw = new Sqlite(file);
    raw.prepare('insert into kysely_migration (name, timestamp) values (?, ?)').run('9999-from-the-future', new Date().toISOString());
    raw.close();
    await expect(openInvoiceDatabase({ path: file })).rejects.toThrow(
      `database ${file} was written by a newer version of invoiced (unknown migration 9999-from-the-future): upgrade invoiced, or restore a backup made by this version`,
    );
  });

  it('a corrupt SQLite file: refused at start with what to do', async () => {
    const file = path.join(tempDir('dbc-'), 'invoices.sqlite3');
    const db = await openInvoiceDatabase({ path: file });
    await db.close();
    const bytes = fs.readFileSync(file);
    expect(bytes.length).toBeGreaterThan(3 * 4096);
    // Scribble over every page but the first (the header stays valid, the b-trees do not).
    for (let i = 4096 + 16; i < bytes.length; i += 7) bytes[i] = 0x5a;
    fs.writeFileSync(file, bytes);
    await expect(openInvoiceDatabase({ path: file })).rejects.toThrow(
      new RegExp(`^database ${file.replace(/[.]/g, '\\.')} is corrupt \\(.+\\): stop invoiced, then restore the file from a backup`),
    );
  });

  it('a SQLite file found corrupt while in use: that statement and every later write refused with what to do', async () => {
    const file = path.join(tempDir('dbc-'), 'invoices.sqlite3');
    const db = await openInvoiceDatabase({ path: file });
    try {
      await sql`create table filler (id integer primary key, pad text)`.execute(db.db);
      for (let i = 0; i < 200; i++) await sql`insert into filler (pad) values (${'x'.repeat(500)})`.execute(db.db);
      // Everything into the main file, and a page cache too small to keep it: later reads go to the file.
      await sql`pragma wal_checkpoint(TRUNCATE)`.execute(db.db);
      await sql`pragma cache_size = 1`.execute(db.db);
      const bytes = fs.readFileSync(file);
      for (let i = 4096 + 16; i < bytes.length; i += 7) bytes[i] = 0x5a;
      fs.writeFileSync(file, bytes);
      const message = new RegExp(`^database ${file.replace(/[.]/g, '\\.')} is corrupt \\(.+\\): stop invoiced, then restore the file from a backup`);
      await expect(sql`select count(*) as n, sum(length(pad)) as s from filler`.execute(db.db)).rejects.toThrow(message);
      // Nothing more is written to it, whatever the statement.
      await expect(sql`insert into filler (pad) values ('y')`.execute(db.db)).rejects.toThrow(message);
      await expect(sql`create table later (id integer)`.execute(db.db)).rejects.toThrow(message);
    } finally {
      await db.close().catch(() => {});
    }
  });
});

/** Runs SQL on the test database as its own client, under the schema-change lock (tests' DDL races none). */
async function pgRun(text: string): Promise<Array<Record<string, unknown>>> {
  return withPostgresSchemaLock(PG_URL!, async () => {
    const c = new pg.Client({ connectionString: PG_URL });
    await c.connect();
    try {
      return (await c.query(text)).rows as Array<Record<string, unknown>>;
    } finally {
      await c.end();
    }
  });
}

describe.skipIf(!PG_URL)('openInvoiceDatabase refuses what it must not use, on PostgreSQL', () => {
  const schemaName = (tag: string) => `dbc_${tag}_${process.pid}_${Date.now().toString(36)}`;
  const location = (schema: string) => {
    const u = new URL(PG_URL!);
    u.password = '';
    return `${u.toString()}#${schema}`;
  };

  it("a schema with someone else's tables: refused, and the schema left as it was", async () => {
    const schema = schemaName('foreign');
    await pgRun(`create schema ${schema}; create table ${schema}.customers (id integer primary key, name text)`);
    try {
      await expect(openInvoiceDatabase({ url: PG_URL!, schema })).rejects.toThrow(
        `database ${location(schema)} holds tables that are not invoiced's (customers): refusing to use it; give invoiced an empty database or its own schema`,
      );
      const tables = await pgRun(`select table_name from information_schema.tables where table_schema = '${schema}'`);
      expect(tables.map((t) => t.table_name)).toEqual(['customers']);
    } finally {
      await pgRun(`drop schema ${schema} cascade`);
    }
  });

  it('a schema written by a newer version: refused with what to do', async () => {
    const schema = schemaName('newer');
    try {
      await (await openInvoiceDatabase({ url: PG_URL!, schema })).close();
      await pgRun(`insert into ${schema}.kysely_migration (name, timestamp) values ('9999-from-the-future', '${new Date().toISOString()}')`);
      await expect(openInvoiceDatabase({ url: PG_URL!, schema })).rejects.toThrow(
        `database ${location(schema)} was written by a newer version of invoiced (unknown migration 9999-from-the-future): upgrade invoiced, or restore a backup made by this version`,
      );
    } finally {
      await pgRun(`drop schema if exists ${schema} cascade`);
    }
  });
});
