/**
 * Lowers the priority of the calling thread alone (not its process), where the system allows it: on Linux
 * a thread is a task with its own nice value, and `setpriority(PRIO_PROCESS, tid)` sets that task's. The
 * thread's id comes from `/proc/thread-self`, the calling thread's own `/proc/<pid>/task/<tid>` directory.
 *
 * Used by background threads whose work may wait while the RPC threads want the CPU (webhook POSTs): at a
 * higher nice value the scheduler gives such a thread mostly what the others leave, and still a share when
 * none is left (at nice 10 about a tenth of a core against one busy thread at nice 0).
 * Raising a nice value needs no privilege. Elsewhere (no /proc/thread-self) nothing changes.
 */
import { readlinkSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';

/** What `lowerThreadPriority` did: the thread's nice value now, or why it could not be set. */
export type PriorityOutcome = { readonly nice: number } | { readonly unchanged: string };

export function lowerThreadPriority(nice: number, threadSelf: string = '/proc/thread-self'): PriorityOutcome {
  let tid: number;
  try {
    tid = Number(readlinkSync(threadSelf).split('/').pop());
  } catch {
    return { unchanged: 'no per-thread priority on this system' };
  }
  if (!Number.isSafeInteger(tid) || tid <= 0) return { unchanged: `unexpected thread id from ${threadSelf}` };
  try {
    // Only ever lowered: a thread already at that nice value or above (the daemon run niced) keeps its own.
    const current = getPriority(tid);
    if (current >= nice) return { nice: current };
    setPriority(tid, nice);
    return { nice };
  } catch (err) {
    return { unchanged: (err as Error).message };
  }
}
