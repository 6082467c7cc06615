/**
 * The checkpoint thread (checkpointer.ts): its own connection to the SQLite file, copying committed WAL
 * frames into the database (`PRAGMA wal_checkpoint(PASSIVE)`, which never blocks the writer) every
 * `intervalMs`. Nothing here logs; a failed checkpoint is reported to the owner, which lets the writer's
 * connection checkpoint by itself again.
 */
import Sqlite from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';

/** From the owner: stop. */
export type CheckpointMessage = { readonly kind: 'stop' };
export type CheckpointAnswer = { readonly kind: 'ready' } | { readonly kind: 'failed'; readonly error: string };

const port = parentPort;
if (port) {
  const { file, intervalMs } = workerData as { file: string; intervalMs: number };
  let conn: Sqlite.Database | undefined;
  const checkpoint = (): void => void conn?.pragma('wal_checkpoint(PASSIVE)');
  const fail = (err: unknown) => {
    clearInterval(timer);
    port.postMessage({ kind: 'failed', error: (err as Error).message } satisfies CheckpointAnswer);
  };
  const timer = setInterval(() => {
    try {
      checkpoint();
    } catch (err) {
      fail(err);
    }
  }, intervalMs);
  try {
    conn = new Sqlite(file, { fileMustExist: true });
    // The copied pages are synced before the WAL may be restarted over them.
    conn.pragma('synchronous = FULL');
    conn.pragma('busy_timeout = 1000');
    port.postMessage({ kind: 'ready' } satisfies CheckpointAnswer);
  } catch (err) {
    fail(err);
  }
  port.on('message', (m: CheckpointMessage) => {
    if (m.kind !== 'stop') return;
    clearInterval(timer);
    conn?.close();
    port.close();
  });
}
