/**
 * The log writer: a log that cannot be written (disk full: /dev/full answers every write with ENOSPC)
 * drops lines with one warning, counts them, and never blocks or throws, also in the synchronous flush
 * before exit; a symbolic link where the log file should be is refused.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { LogFileError, LogWriter } from '../../src/daemon/log-writer.js';
import { tempDir } from '../helpers/tmp.js';

/**
 * Resolves once `cond()` holds, checked after each turn of I/O (no timer). Bounded by time, not by a count
 * of turns: the writes run on the thread pool, which a loaded machine may not schedule within any number
 * of quick turns of this loop.
 */
async function until(cond: () => boolean): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (!cond() && Date.now() < deadline) await new Promise((r) => setImmediate(r));
  expect(cond()).toBe(true);
}

describe('LogWriter', () => {
  it('drops lines it cannot write, warns once per outage, and flushes without looping', async () => {
    const warnings: string[] = [];
    const w = new LogWriter({ file: '/dev/full', warn: (l) => warnings.push(l) });
    for (let i = 0; i < 100; i++) w.write(`{"n":${i}}\n`);
    await until(() => w.dropped === 100);
    w.write('{"last":1}\n');
    w.flushSync();
    expect(w.dropped).toBeGreaterThanOrEqual(100);
    expect(warnings).toEqual(['invoiced: cannot write the log to /dev/full (ENOSPC): dropping log lines until it can be written\n']);
  });

  it('writes lines in order to a file, and reports the count lost once it can write again', async () => {
    const dir = tempDir('logw-');
    const file = path.join(dir, 'sub', 'log');
    const warnings: string[] = [];
    const w = new LogWriter({ file, maxQueuedBytes: 15, warn: (l) => warnings.push(l) });
    w.write('0123456789\n'); // being written
    w.write('abcdefghij\n'); // waits
    w.write('ABCDEFGHIJ\n'); // over 15 bytes waiting: dropped
    // The second warning comes when the first write completes, before the waiting line is written: wait
    // for both lines too (their exact content is checked below).
    await until(() => warnings.length === 2 && fs.readFileSync(file, 'utf8').length >= 22);
    expect(fs.readFileSync(file, 'utf8')).toBe('0123456789\nabcdefghij\n');
    expect(warnings[0]).toBe(`invoiced: cannot write the log to ${file} (too many lines waiting): dropping log lines until it can be written\n`);
    expect(warnings[1]).toBe(`invoiced: the log to ${file} can be written again; 1 lines were dropped\n`);
    expect((fs.statSync(file).mode & 0o777).toString(8)).toBe('600');
  });

  it('refuses a symbolic link planted where the log file goes', () => {
    const dir = tempDir('logw-');
    const target = path.join(dir, 'target');
    fs.writeFileSync(target, '');
    const link = path.join(dir, 'log');
    fs.symlinkSync(target, link);
    expect(() => new LogWriter({ file: link })).toThrow(new LogFileError(`log file ${link} is a symbolic link: refusing to follow it`));
    expect(fs.readFileSync(target, 'utf8')).toBe('');
  });
});
