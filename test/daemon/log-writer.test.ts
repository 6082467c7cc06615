/**
 * The log writer: a log that cannot be written (disk full: /dev/full answers every write with ENOSPC)
 * drops lines with one warning, counts them, and never blocks or throws, also in the synchronous flush
 * before exit; a symbolic link where the log file should be is refused; a reopen (SIGHUP after logrotate)
 * closes the moved file only once the write in flight on it is done.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
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

/** How many of this process's descriptors are open on `file` (from /proc/self/fd). */
function openDescriptorsOf(file: string): number {
  return fs.readdirSync('/proc/self/fd').filter((fd) => {
    try {
      return fs.readlinkSync(`/proc/self/fd/${fd}`) === file;
    } catch {
      return false; // closed meanwhile (the directory's own descriptor among them)
    }
  }).length;
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

  it('reopens after the file was moved: a write in flight ends in the moved file, whole, before it is closed', async () => {
    // The log is a FIFO nobody reads yet, so a line larger than the pipe holds stays in flight for as long
    // as the test wants; fake timers show that no timer closes its descriptor meanwhile.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      const dir = fs.realpathSync(tempDir('logw-'));
      const file = path.join(dir, 'log');
      execFileSync('mkfifo', [file]);
      const reader = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
      const w = new LogWriter({ file });
      const big = `${'x'.repeat(1 << 20)}\n`;
      w.write(big); // fills the pipe, then waits for the reader
      fs.renameSync(file, `${file}.1`);
      w.reopen();
      w.write('after\n');
      vi.advanceTimersByTime(60_000);
      expect(openDescriptorsOf(`${file}.1`)).toBe(2); // the reader's and the writer's, still in flight
      const got: Buffer[] = [];
      let n = 0;
      await until(() => {
        const chunk = Buffer.alloc(1 << 16);
        try {
          const r = fs.readSync(reader, chunk);
          got.push(chunk.subarray(0, r));
          n += r;
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw err;
        }
        return n === big.length && openDescriptorsOf(`${file}.1`) === 1;
      });
      fs.closeSync(reader);
      expect(Buffer.concat(got).toString()).toBe(big);
      await until(() => fs.readFileSync(file, 'utf8') === 'after\n');
      // Idle, the old file is closed at once, and nothing more goes to it.
      fs.renameSync(file, `${file}.2`);
      w.reopen();
      w.write('last\n');
      await until(() => openDescriptorsOf(`${file}.2`) === 0 && fs.readFileSync(file, 'utf8') === 'last\n');
      expect(fs.readFileSync(`${file}.2`, 'utf8')).toBe('after\n');
    } finally {
      vi.useRealTimers();
    }
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
