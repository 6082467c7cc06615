/**
 * The shape docs/architecture.md describes, checked on the import graph of src/: no import cycles, the
 * dependencies point one way (daemon → rpc → {invoice, offers} → codecs → util, crypto), and the codecs
 * (src/invoice/bolt11/, src/offers/bolt12/, src/offers/blinding/) stay pure: no database, network, file
 * system, workers, logger or clock, however deep the import.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { importCycles, importGraph, REPO } from './helpers/import-graph.js';

const graph = importGraph();
const files = [...graph.edges.keys()];

const CODEC_DIRS = ['src/invoice/bolt11/', 'src/offers/bolt12/', 'src/offers/blinding/'];
const isCodec = (f: string) => CODEC_DIRS.some((d) => f.startsWith(d));
const isBase = (f: string) => f.startsWith('src/util/') || f.startsWith('src/crypto/');

/** Modules that do I/O or keep state outside the call: none may be reached from a codec. */
const IO_MODULE =
  /^(kysely|pg|better-sqlite3|pino|node:(fs|fs\/promises|net|http|https|tls|dgram|child_process|worker_threads|cluster|readline|process))$/;

/** Every file `from` reaches through relative imports, itself included. */
function reach(from: string): string[] {
  const seen = new Set<string>();
  const visit = (f: string) => {
    if (seen.has(f)) return;
    seen.add(f);
    for (const t of graph.edges.get(f) ?? []) visit(t);
  };
  visit(from);
  return [...seen].sort();
}

describe('import graph', () => {
  it('resolves every relative import of src/ to a file of src/', () => {
    const missing = [...graph.edges].flatMap(([f, ts]) => ts.filter((t) => !graph.edges.has(t)).map((t) => `${f} → ${t}`));
    expect(missing).toEqual([]);
  });

  it('finds a cycle when there is one (the check itself)', () => {
    const edges = new Map([
      ['a.ts', ['b.ts']],
      ['b.ts', ['c.ts']],
      ['c.ts', ['a.ts', 'd.ts']],
      ['d.ts', []],
      ['e.ts', ['e.ts']],
    ]);
    expect(importCycles(edges)).toEqual([['a.ts', 'b.ts', 'c.ts'], ['e.ts']]);
    expect(importCycles(new Map([['a.ts', ['b.ts']], ['b.ts', []]]))).toEqual([]);
  });

  it('has no import cycle in src/ (type-only imports included)', () => {
    expect(importCycles(graph.edges)).toEqual([]);
  });
});

describe('dependencies point one way', () => {
  const rules: Array<[string, (f: string) => boolean, RegExp]> = [
    ['util and crypto import only util and crypto', isBase, /^src\/(?!util\/|crypto\/)/],
    ['codecs import only codecs, util and crypto', isCodec, /^src\/(?!util\/|crypto\/|invoice\/bolt11\/|offers\/bolt12\/|offers\/blinding\/)/],
    ['invoice and offers import neither rpc, daemon nor cli', (f) => /^src\/(invoice|offers)\//.test(f), /^src\/(rpc|daemon|cli)\//],
    ['rpc imports neither daemon nor cli', (f) => f.startsWith('src/rpc/'), /^src\/(daemon|cli)\//],
  ];
  for (const [name, applies, forbidden] of rules) {
    it(name, () => {
      const bad = files
        .filter(applies)
        .flatMap((f) => (graph.edges.get(f) ?? []).filter((t) => forbidden.test(t)).map((t) => `${f} → ${t}`));
      expect(bad).toEqual([]);
    });
  }
});

describe('codec purity', () => {
  const codecFiles = files.filter(isCodec);

  it('finds the codec files of every codec folder', () => {
    for (const dir of CODEC_DIRS) expect(codecFiles.filter((f) => f.startsWith(dir)).length).toBeGreaterThanOrEqual(dir.includes('blinding') ? 1 : 6);
    expect(codecFiles).toEqual(expect.arrayContaining(['src/invoice/bolt11/decode.ts', 'src/offers/bolt12/merkle.ts', 'src/offers/blinding/route-blinding.ts']));
  });

  for (const f of codecFiles) {
    it(`${path.posix.relative('src', f)} reaches no I/O module, logger or store, and reads no clock`, () => {
      const reached = reach(f);
      const io = reached.flatMap((r) => (graph.specifiers.get(r) ?? []).filter((s) => IO_MODULE.test(s)).map((s) => `${r}: ${s}`));
      expect(io).toEqual([]);
      expect(reached.filter((r) => /^src\/(daemon|rpc|invoice\/store)\//.test(r))).toEqual([]);
      const src = readFileSync(path.join(REPO, f), 'utf8');
      expect(src).not.toMatch(/Date\.now|new Date\(|process\.|Math\.random|console\.|setTimeout|setInterval/);
    });
  }

  it('the I/O check catches an I/O import (the check itself)', () => {
    expect(['kysely', 'pino', 'node:fs', 'node:worker_threads', 'pg'].every((s) => IO_MODULE.test(s))).toBe(true);
    expect(['node:crypto', '@noble/hashes/sha2.js', 'bech32'].some((s) => IO_MODULE.test(s))).toBe(false);
  });
});
