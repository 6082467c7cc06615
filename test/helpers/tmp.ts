/**
 * Temporary directories for one test file. Each is removed once the file's tests and their own after-hooks
 * are done (this module's hook is registered first, so it runs last): nothing is left in the system's
 * temp directory, run after run.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll } from 'vitest';

const made: string[] = [];

afterAll(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A fresh directory under the system temp dir, named `<prefix>XXXXXX` (keep it short for socket paths). */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}
