/**
 * One daemon per SQLite database (docs/daemon.md, "Startup"). Beside the database, `<database>.lock` is a
 * small SQLite file of its own in which the running daemon holds a write lock for as long as it lives.
 * The kernel releases that lock when the process ends, however it ends (SIGKILL, power loss), so there
 * is no stale lock to clean up; the database itself stays readable by other programs (backups, the
 * sqlite3 shell). The holder's pid is committed in the lock file before the lock is taken for good, so a
 * refused daemon can name it.
 *
 * The lock is named after the database's real path (symbolic links resolved), so a second daemon given
 * a link to the file, or a path through a linked directory, finds the same lock.
 *
 * PostgreSQL takes no such lock: several daemons on one PostgreSQL database are supported.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import Sqlite from 'better-sqlite3';

/** Another daemon holds the lock; main prints the message and exits 1. */
export class DatabaseLockedError extends Error {
  override readonly name = 'DatabaseLockedError';
}

export interface DatabaseLock {
  readonly path: string;
  release(): void;
}

/** `<database>.lock`, beside the database's real path (`realDatabasePath`). */
export function lockPathFor(databasePath: string): string {
  return `${realDatabasePath(databasePath)}.lock`;
}

/** How many links `realDatabasePath` follows by hand before it gives up (as the kernel's ELOOP). */
const MAX_LINKS = 40;

/**
 * The real path of the database file: `fs.realpathSync` when it exists. When it does not exist yet (a
 * new database), symbolic links naming it are followed by hand (a link to a file still to be created),
 * and the result is the real path of its directory plus the file name; the path as given, made
 * absolute, when even the directory is missing (opening the database then fails on its own).
 */
export function realDatabasePath(databasePath: string): string {
  try {
    return fs.realpathSync(databasePath);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  let target = path.resolve(databasePath);
  for (let links = 0; links < MAX_LINKS; links++) {
    let next: string;
    try {
      next = fs.readlinkSync(target);
    } catch {
      break; // not a link (EINVAL), or nothing there (ENOENT): `target` is the file to be
    }
    target = path.resolve(path.dirname(target), next);
  }
  try {
    return path.join(fs.realpathSync(path.dirname(target)), path.basename(target));
  } catch {
    return target;
  }
}

/**
 * Takes the lock of the SQLite database at `databasePath`, or throws DatabaseLockedError naming the
 * database (as given) and its lock (by the real path), and, when it can be read, the pid of the daemon
 * holding it.
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
