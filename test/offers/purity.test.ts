/**
 * STYLE 1: the BOLT 12 codec is pure — no database, logger, socket, clock or process access. The codec is
 * src/offers/index.ts and every file it reaches through relative imports; the offer engine, its store and the
 * merchant flow live beside it but are not part of it (they are reached from the daemon, not from index.ts).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const DIR = fileURLToPath(new URL('../../src/offers/', import.meta.url));

function codecFiles(): string[] {
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    const src = readFileSync(DIR + file, 'utf8');
    const dir = file.includes('/') ? file.slice(0, file.lastIndexOf('/') + 1) : '';
    for (const m of src.matchAll(/from '(\.\.?\/[\w/-]+)\.js'/g)) {
      const rel = new URL(`${m[1]}.ts`, `file:///${dir}`).pathname.slice(1);
      if (!rel.startsWith('..')) visit(rel);
    }
  };
  visit('index.ts');
  return [...seen].sort();
}

const files = codecFiles();

describe('src/offers codec purity', () => {
  it('reaches the codec files from index.ts and not the engine', () => {
    expect(files).toEqual(expect.arrayContaining(['bolt12/offer.ts', 'bolt12/invoice.ts', 'bolt12/merkle.ts', 'bolt12/tlv-stream.ts', 'blinding/route-blinding.ts']));
    expect(files).not.toContain('offer-store.ts');
  });
  for (const f of files) {
    it(`${f} imports no I/O and reads no clock`, () => {
      const src = readFileSync(DIR + f, 'utf8');
      expect(src).not.toMatch(/from '(kysely|pino|pg|better-sqlite3|node:net|node:fs|node:http)'/);
      expect(src).not.toMatch(/Date\.now|new Date\(|process\.|Math\.random|console\./);
    });
  }
});
