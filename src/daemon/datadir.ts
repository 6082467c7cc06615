/**
 * The directories the daemon writes to, checked before anything else touches them, so that a typo or an
 * unusable place fails at once with a message instead of creating a tree in the wrong place (or, as
 * Node's recursive mkdir does on /proc, spinning forever).
 *
 * - `<datadir>` is created when missing, but only if its parent exists, unless it is the default
 *   `~/.invoiced` (as Core Lightning creates its lightning-dir with a plain mkdir).
 * - `<datadir>/<network>` is created when missing, and must be a directory we can write in: a probe file
 *   is created and removed.
 * - A SQLite database outside the network directory must have an existing parent directory.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { DaemonConfig } from './config.js';

/** A directory or path the daemon cannot use; main prints the message and exits 1. */
export class DatadirError extends Error {
  override readonly name = 'DatadirError';
}

/** Creates and checks the datadir and network directory, and checks the SQLite database's directory. */
export function prepareDirectories(config: DaemonConfig): void {
  makeDirectory(config.datadir, 'datadir', config.datadirIsDefault);
  makeDirectory(config.networkDir, 'network directory', false);
  probeWritable(config.networkDir);
  if (config.database.kind === 'sqlite' && config.database.path !== ':memory:') {
    const dir = path.dirname(config.database.path);
    const st = statOrUndefined(dir);
    if (!st?.isDirectory()) {
      throw new DatadirError(
        `--database: the directory ${dir} does not exist${st ? ' (not a directory)' : ''}; ` +
          'create it first, or correct the path (the daemon creates only its datadir)',
      );
    }
  }
}

/** mkdir (mode 0700) without `recursive`; the parent must exist unless `parents` is set. */
function makeDirectory(dir: string, what: string, parents: boolean): void {
  const st = statOrUndefined(dir);
  if (st) {
    if (!st.isDirectory()) throw new DatadirError(`${what} ${dir} exists but is not a directory`);
    return;
  }
  const parent = path.dirname(dir);
  if (parents && parent !== dir && !statOrUndefined(parent)) makeDirectory(parent, what, true);
  try {
    fs.mkdirSync(dir, { mode: 0o700 });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST' && statOrUndefined(dir)?.isDirectory()) return; // created by a racing start
    const hint = code === 'ENOENT' && !statOrUndefined(parent) ? ` (its parent ${parent} does not exist)` : '';
    throw new DatadirError(`cannot create ${what} ${dir}: ${(err as Error).message}${hint}`);
  }
}

/** Creates and removes a file in `dir`: access(2) alone says yes on read-only or virtual filesystems. */
function probeWritable(dir: string): void {
  const probe = path.join(dir, `.invoiced-probe-${process.pid}`);
  try {
    fs.closeSync(fs.openSync(probe, fs.constants.O_CREAT | fs.constants.O_TRUNC | fs.constants.O_WRONLY, 0o600));
    fs.unlinkSync(probe);
  } catch (err) {
    throw new DatadirError(`cannot write in ${dir}: ${(err as Error).message}`);
  }
}

function statOrUndefined(p: string): fs.Stats | undefined {
  try {
    return fs.statSync(p);
  } catch {
    return undefined;
  }
}

/**
 * Which hsm_secret file to read: `config.hsmSecret` (per network), unless it does not exist and the
 * shared `<datadir>/hsm_secret` of earlier versions does; that one is then used as before, and
 * `onShared` is told (the daemon logs a warning with the command that moves it). It is not moved
 * automatically: it served every network, so moving it into one network's directory would give the
 * next network started a fresh key without a word.
 */
export function chooseHsmSecret(config: DaemonConfig, onShared: (shared: string, perNetwork: string) => void): string {
  const shared = config.sharedHsmSecret;
  if (shared === undefined || statOrUndefined(config.hsmSecret) || !statOrUndefined(shared)) return config.hsmSecret;
  onShared(shared, config.hsmSecret);
  return shared;
}
