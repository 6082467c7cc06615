/**
 * One daemon per SQLite database (docs/daemon.md, "Startup"). Beside the database, `<database>.lock` is a
 * small SQLite file of its own in which the running daemon holds a write lock for as long as it lives.
 * The kernel releases that lock when the process ends, however it ends (SIGKILL, power loss), so there
 * is no stale lock to clean up; the database itself stays readable by other programs (backups, the
 * sqlite3 shell). The holder's pid is committed in the lock file before the lock is taken for good, so a
 * refused daemon can name it.
 *
 * PostgreSQL takes no such lock: several daemons on one PostgreSQL database are supported.
 */
import Sqlite from 'better-sqlite3';

/** Another daemon holds the lock; main prints the message and exits 1. */
export class DatabaseLockedError extends Error {
  override readonly name = 'DatabaseLockedError';
}

export interface DatabaseLock {
  readonly path: string;
  release(): void;
}

/** `<database>.lock`. */
export function lockPathFor(databasePath: string): string {
  return `${databasePath}.lock`;
}

/**
 * Takes the lock of the SQLite database at `databasePath`, or throws DatabaseLockedError naming the
 * database and, when it can be read, the pid of the daemon holding it.
 */
export function lockDatabase(databasePath: string, pid: number = process.pid): DatabaseLock {
  const lockPath = lockPathFor(databasePath);
  const conn = new Sqlite(lockPath);
  try {
    // A rollback journal (not WAL): a RESERVED lock lets others read the holder's pid but not write.
    conn.pragma('journal_mode = DELETE');
    conn.pragma('busy_timeout = 0');
    // Only the lock matters, not the pid's durability: no fsync on the start path.
    conn.pragma('synchronous = OFF');
    conn.exec('create table if not exists holder (pid integer not null, since integer not null)');
    const refuse = (): never => {
      const row = conn.prepare('select pid from holder').get() as { pid: number } | undefined;
      const who = row ? `the daemon with pid ${row.pid}` : 'another daemon';
      throw new DatabaseLockedError(
        `database ${databasePath} is in use by ${who} (lock ${lockPath}): stop it first, ` +
          'or give this daemon its own --database (only PostgreSQL serves several daemons at once)',
      );
    };
    const take = (): boolean => {
      try {
        conn.exec('begin immediate');
        return true;
      } catch (err) {
        if ((err as { code?: unknown }).code === 'SQLITE_BUSY') return false;
        throw err;
      }
    };
    if (!take()) refuse();
    conn.exec('delete from holder');
    conn.prepare('insert into holder (pid, since) values (?, ?)').run(pid, Math.floor(Date.now() / 1000));
    conn.exec('commit');
    // Between that commit and this begin another daemon may have taken the lock: it wins, we refuse.
    if (!take()) refuse();
  } catch (err) {
    conn.close();
    throw err;
  }
  return {
    path: lockPath,
    release: () => {
      if (conn.inTransaction) conn.exec('rollback');
      conn.close();
    },
  };
}
