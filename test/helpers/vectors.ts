/** The one loader of the official test vectors kept verbatim in test/vectors/ (see its README). */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const DIR = fileURLToPath(new URL('../vectors/', import.meta.url));

/** Parsed contents of `test/vectors/<name>`. The caller states the shape it expects. */
export function loadVector<T = unknown>(name: string): T {
  return JSON.parse(readFileSync(DIR + name, 'utf8')) as T;
}
