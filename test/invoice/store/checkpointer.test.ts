/**
 * WAL checkpoints on their own thread (the built worker, as the daemon runs it): the thread copies
 * committed pages into the database file while the writer's connection only checkpoints every 4000
 * pages; a thread that cannot open the file hands checkpoints back to the writer (SQLite's 1000 pages),
 * saying why.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import Sqlite from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import type * as source from '../../../src/invoice/store/checkpointer.js';
import { tempDir } from '../../helpers/tmp.js';

const BUILT = new URL('../../../dist/src/invoice/store/checkpointer.js', import.meta.url);
const load = async () => (await import(BUILT.href)) as typeof source;

describe.skipIf(!fs.existsSync(BUILT))('the checkpoint thread', () => {
  it('copies committed WAL pages into the database file while the writer does not checkpoint', async () => {
    const { startCheckpointer } = await load();
    const file = path.join(tempDir('ckpt-'), 'db.sqlite3');
    const writer = new Sqlite(file);
    writer.pragma('journal_mode = WAL');
    writer.pragma('synchronous = FULL');
    writer.exec('create table t (id integer primary key, v text)');
    const settings: number[] = [];
    const cp = startCheckpointer({ file, intervalMs: 20, setAutoCheckpoint: (n) => void (settings.push(n), writer.pragma(`wal_autocheckpoint = ${n}`)) })!;
    try {
      await expect.poll(() => settings, { timeout: 15_000 }).toEqual([4000]);
      const before = fs.statSync(file).size;
      const insert = writer.prepare('insert into t (v) values (?)');
      writer.transaction(() => {
        for (let i = 0; i < 2000; i++) insert.run('x'.repeat(200));
      })();
      // ~100 pages went into the WAL, far below the writer's 4000: only the thread copies them.
      await expect.poll(() => fs.statSync(file).size, { timeout: 15_000 }).toBeGreaterThan(before + 300_000);
      expect(writer.prepare('select count(*) as n from t').get()).toEqual({ n: 2000 });
    } finally {
      await cp.stop();
      writer.close();
    }
  });

  it('hands checkpoints back to the writer when the thread cannot open the file', async () => {
    const { startCheckpointer } = await load();
    const file = path.join(tempDir('ckpt-'), 'missing.sqlite3');
    const settings: number[] = [];
    const reasons: string[] = [];
    const cp = startCheckpointer({ file, setAutoCheckpoint: (n) => void settings.push(n), onFallback: (r) => void reasons.push(r) })!;
    await expect.poll(() => reasons.length, { timeout: 15_000 }).toBe(1);
    expect(settings).toEqual([1000]);
    expect(reasons[0]).toMatch(/unable to open|does not exist|SQLITE_CANTOPEN|directory/i);
    await cp.stop();
  });
});
