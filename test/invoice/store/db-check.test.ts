/**
 * Opening a database that is not ours, from a newer version, or corrupt (issue 18 items 6 and 7): each is
 * refused with what to do, and a foreign one is left exactly as it was.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import Sqlite from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { openInvoiceDatabase } from '../../../src/invoice/store/db.js';
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
});
