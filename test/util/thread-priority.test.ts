/**
 * lowerThreadPriority changes the calling thread's nice value and no other thread's: run in a real worker
 * thread (the built module), the worker's /proc entry shows the new value while the main thread keeps its
 * own, and a later call asking for less leaves it there (a priority is only ever lowered); where there is no
 * /proc/thread-self it changes nothing and says why.
 */
import * as fs from 'node:fs';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { lowerThreadPriority } from '../../src/util/thread-priority.js';

/** The nice value of thread `tid` of this process (field 19 of /proc/<pid>/task/<tid>/stat). */
const niceOf = (tid: number): number => Number(fs.readFileSync(`/proc/${process.pid}/task/${tid}/stat`, 'utf8').split(') ')[1]!.split(' ')[16]);
const linux = fs.existsSync('/proc/thread-self');
/** A worker thread loads the built module (it cannot load TypeScript sources). */
const BUILT = new URL('../../dist/src/util/thread-priority.js', import.meta.url);

describe('lowerThreadPriority', () => {
  it.skipIf(!linux || !fs.existsSync(BUILT))('sets the calling thread’s nice value only', async () => {
    const before = niceOf(process.pid);
    // The worker lowers itself, reports its thread id, then waits to be told to end (so its entry stays).
    const worker = new Worker(
      `const { parentPort, workerData } = require('node:worker_threads');
       const fs = require('node:fs');
       import(workerData.module).then(({ lowerThreadPriority }) => {
         const outcome = lowerThreadPriority(12);
         const again = lowerThreadPriority(5); // never raised again
         const nice = require('node:os').getPriority(Number(fs.readlinkSync('/proc/thread-self').split('/').pop()));
         const tid = Number(fs.readlinkSync('/proc/thread-self').split('/').pop());
         parentPort.postMessage({ outcome, again, nice, tid });
         parentPort.once('message', () => process.exit(0));
       });`,
      { eval: true, workerData: { module: BUILT.href } },
    );
    try {
      const m = await new Promise<{ outcome: unknown; again: unknown; nice: number; tid: number }>((resolve, reject) => {
        worker.once('message', resolve);
        worker.once('error', reject);
      });
      expect(m.outcome).toEqual({ nice: 12 });
      expect(m.again).toEqual({ nice: 12 });
      expect(m.nice).toBe(12);
      expect(niceOf(m.tid)).toBe(12);
      expect(niceOf(process.pid)).toBe(before);
    } finally {
      worker.postMessage('end');
      await new Promise((r) => worker.once('exit', r));
    }
  });

  it('changes nothing where the thread cannot be named, and says why', () => {
    expect(lowerThreadPriority(19, '/nonexistent/thread-self')).toEqual({ unchanged: 'no per-thread priority on this system' });
  });
});
