/**
 * WAL checkpoints off the main thread. With the writer's own connection checkpointing (SQLite's default,
 * every 1000 WAL pages), the commit that crosses the mark also copies those pages into the database and
 * syncs it, and holds the main thread for it: at 64 clients that made p99 swing from ~25 ms to 130–270 ms
 * (docs/performance.md). Here a thread with its own connection runs passive checkpoints (they never block
 * the writer) every second, and the writer's connection checkpoints only every 4000 pages: a passive
 * checkpoint under a steady stream of commits never catches up with the last frame, so the WAL could not
 * start over and would grow without end; the writer's own checkpoint, run inside a commit, does catch up,
 * and finds most pages already copied. Commits still sync the WAL themselves (`synchronous = FULL`):
 * durability does not depend on this.
 *
 * If the thread cannot run (no built worker when running from sources, or it fails), the writer's
 * connection checkpoints by itself again, as before.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { CheckpointAnswer, CheckpointMessage } from './checkpoint-worker.js';

const WORKER_URL = new URL('./checkpoint-worker.js', import.meta.url);
/** SQLite's default auto-checkpoint, restored when the thread is not there. */
const AUTO_CHECKPOINT_PAGES = 1000;
/** The writer's auto-checkpoint while the thread runs. */
const AUTO_CHECKPOINT_WITH_THREAD = 4000;

export interface Checkpointer {
  /** Stops the thread (the writer's connection then checkpoints at its close, as SQLite does). */
  stop(): Promise<void>;
}

export interface CheckpointerOptions {
  readonly file: string;
  /** Sets the writer connection's auto-checkpoint, in pages. */
  readonly setAutoCheckpoint: (pages: number) => void;
  readonly intervalMs?: number;
  /** Told once if checkpoints fall back to the writer's connection (the reason). */
  readonly onFallback?: (reason: string) => void;
}

export function startCheckpointer(opts: CheckpointerOptions): Checkpointer | undefined {
  if (opts.file === ':memory:' || !existsSync(fileURLToPath(WORKER_URL))) return undefined;
  const worker = new Worker(WORKER_URL, { workerData: { file: opts.file, intervalMs: opts.intervalMs ?? 1000 } });
  worker.unref();
  let stopped = false;
  let fellBack = false;
  const fallBack = (reason: string) => {
    if (fellBack || stopped) return;
    fellBack = true;
    opts.setAutoCheckpoint(AUTO_CHECKPOINT_PAGES);
    opts.onFallback?.(reason);
  };
  // Spaced out only once the thread's connection is open: until then (and after a failure) as SQLite does.
  worker.on('message', (a: CheckpointAnswer) => {
    if (a.kind === 'ready' && !fellBack && !stopped) opts.setAutoCheckpoint(AUTO_CHECKPOINT_WITH_THREAD);
    else if (a.kind === 'failed') {
      fallBack(a.error);
      void worker.terminate();
    }
  });
  worker.on('error', (err) => fallBack(err.message));
  worker.on('exit', () => fallBack('checkpoint thread ended'));
  const exited = new Promise<void>((r) => worker.once('exit', () => r()));
  return {
    async stop() {
      if (stopped) return;
      stopped = true;
      // Referenced again: the process must not see an empty event loop while the thread finishes.
      worker.ref();
      worker.postMessage({ kind: 'stop' } satisfies CheckpointMessage);
      await exited;
    },
  };
}
