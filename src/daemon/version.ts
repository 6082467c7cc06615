/**
 * The package version, read once from package.json (two levels up from src/, three from dist/src/), for
 * `--version`, `getinfo` and the startup log line.
 */
import { readFileSync } from 'node:fs';

function readVersion(): string {
  for (const rel of ['../../package.json', '../../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'invoiced' && typeof pkg.version === 'string') return pkg.version;
    } catch {
      // Not at this level; try the next.
    }
  }
  return 'unknown';
}

/** e.g. "0.1.0". */
export const VERSION: string = readVersion();
