/**
 * Creating a secret file safely, as Core Lightning's hsmd creates hsm_secret: O_CREAT|O_EXCL (never
 * overwrites one, also under a race), the given mode, the file and its directory fsynced before use, and
 * nothing half-written left behind. Used for hsm_secret and webhook_secret.
 */
import { constants as fsConstants } from 'node:fs';
import { open, unlink, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * Writes `data` to a new file at `path` with `mode`; returns false (writing nothing) when the file already
 * exists (another process made it first: read theirs). Errors name the file as `name`.
 */
export async function createSecretFile(path: string, data: Uint8Array | string, mode: number, name: string): Promise<boolean> {
  let fh: FileHandle;
  try {
    fh = await open(path, fsConstants.O_CREAT | fsConstants.O_EXCL | fsConstants.O_WRONLY, mode);
  } catch (e) {
    if (errnoOf(e) === 'EEXIST') return false;
    throw new Error(`${name} ${path}: cannot create: ${messageOf(e)}`);
  }
  try {
    await fh.writeFile(data);
    await fh.sync();
  } catch (e) {
    // Leave no half-written secret behind (CLN unlinks too): the next start creates a fresh one.
    await fh.close().catch(() => undefined);
    await unlink(path).catch(() => undefined);
    throw new Error(`${name} ${path}: cannot write: ${messageOf(e)}`);
  }
  await fh.close();
  try {
    const dir = await open(dirname(path), fsConstants.O_RDONLY);
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
  } catch {
    // Some filesystems refuse fsync on a directory; the file itself is already synced.
  }
  return true;
}

export function errnoOf(e: unknown): string | undefined {
  return typeof e === 'object' && e !== null && 'code' in e ? String((e as { code: unknown }).code) : undefined;
}

export function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
