/**
 * The shape docs/architecture.md describes, checked on the import graph of src/: no import cycles, the
 * dependencies point one way (daemon → rpc → {invoice, offers} → codecs → util, crypto; events and
 * webhooks beside the store; the bridge on its own), and the codecs (src/invoice/bolt11/,
 * src/offers/bolt12/, src/offers/blinding/) stay pure: no database, network, file system, workers, logger
 * or clock, however deep the import.
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

/**
 * The only packages and builtins a codec may reach, however deep (its own imports and those of the util
 * and crypto files it uses): hashing, bech32 and the secp256k1 backends (whose loader, in crypto/, finds
 * the native binding). An allowlist, so that a new dependency is a decision made here, not an accident.
 */
const CODEC_PACKAGE = /^(@noble\/hashes\/[\w-]+\.js|@noble\/secp256k1|bech32|tiny-secp256k1|secp256k1\/(bindings\.js|package\.json)|node:(crypto|module))$/;

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
  interface Rule {
    readonly name: string;
    readonly applies: (f: string) => boolean;
    readonly forbidden: RegExp;
    /** An import the rule refuses and one it lets through, [from, to]: the rule itself is checked on them. */
    readonly breach: readonly [string, string];
    readonly fine: readonly [string, string];
  }
  const rules: Rule[] = [
    {
      name: 'util and crypto import only util and crypto',
      applies: isBase,
      forbidden: /^src\/(?!util\/|crypto\/)/,
      breach: ['src/util/hex.ts', 'src/invoice/store/db.ts'],
      fine: ['src/crypto/node-keys.ts', 'src/util/hex.ts'],
    },
    {
      name: 'codecs import only codecs, util and crypto',
      applies: isCodec,
      forbidden: /^src\/(?!util\/|crypto\/|invoice\/bolt11\/|offers\/bolt12\/|offers\/blinding\/)/,
      breach: ['src/offers/bolt12/offer.ts', 'src/invoice/validate.ts'],
      fine: ['src/offers/bolt12/invoice.ts', 'src/offers/blinding/route-blinding.ts'],
    },
    {
      name: 'invoice and offers import neither rpc, daemon, cli nor the bridge',
      applies: (f) => /^src\/(invoice|offers)\//.test(f),
      forbidden: /^src\/(rpc|daemon|cli|bridge)\//,
      breach: ['src/offers/merchant.ts', 'src/rpc/errors.ts'],
      fine: ['src/offers/merchant.ts', 'src/invoice/engine.ts'],
    },
    {
      name: 'rpc imports neither daemon, cli nor the bridge',
      applies: (f) => f.startsWith('src/rpc/'),
      forbidden: /^src\/(daemon|cli|bridge)\//,
      breach: ['src/rpc/dispatch.ts', 'src/daemon/logger.ts'],
      fine: ['src/rpc/dispatch.ts', 'src/invoice/api.ts'],
    },
    // The offers module hands the invoice engine a rule (setOfferPaidRule); only the codecs go the other way.
    {
      name: 'invoice imports nothing of offers but its codecs',
      applies: (f) => f.startsWith('src/invoice/'),
      forbidden: /^src\/offers\/(?!bolt12\/|blinding\/)/,
      breach: ['src/invoice/engine/payment.ts', 'src/offers/offer-engine.ts'],
      fine: ['src/invoice/payments/htlc-failure.ts', 'src/offers/bolt12/bigsize.ts'],
    },
    // The write path records events by type; the creation job keeps an invoice's own webhook URL.
    {
      name: 'invoice imports of events only its vocabulary and the per-invoice webhook table, nothing of webhooks',
      applies: (f) => f.startsWith('src/invoice/'),
      forbidden: /^src\/(events\/(?!event-types\.ts$|invoice-webhooks\.ts$)|webhooks\/)/,
      breach: ['src/invoice/store/write-queue.ts', 'src/events/feed.ts'],
      fine: ['src/invoice/store/write-queue.ts', 'src/events/event-types.ts'],
    },
    {
      name: 'events and webhooks import neither rpc, daemon, cli, the bridge nor the engines',
      applies: (f) => /^src\/(events|webhooks)\//.test(f),
      forbidden: /^src\/(rpc|daemon|cli|bridge|offers)\/|^src\/invoice\/(engine|payments|hold)/,
      breach: ['src/webhooks/router.ts', 'src/invoice/engine/creation.ts'],
      fine: ['src/webhooks/router.ts', 'src/invoice/store/write-queue.ts'],
    },
    {
      name: 'events import nothing of webhooks',
      applies: (f) => f.startsWith('src/events/'),
      forbidden: /^src\/webhooks\//,
      breach: ['src/events/feed.ts', 'src/webhooks/router.ts'],
      fine: ['src/events/feed.ts', 'src/invoice/store/db.ts'],
    },
    // A separate executable inside lightningd: it speaks JSON-RPC to the daemon and touches none of its state.
    {
      name: "the bridge imports only util, crypto, the BOLT12 codec, the JSON codec and the daemon's paths",
      applies: (f) => f.startsWith('src/bridge/'),
      forbidden: /^src\/(?!bridge\/|util\/|crypto\/|offers\/(index\.ts$|bolt12\/|blinding\/)|rpc\/json-(framer|reader|writer)\.ts$|daemon\/paths\.ts$)/,
      breach: ['src/bridge/cln/main.ts', 'src/rpc/dispatch.ts'],
      fine: ['src/bridge/cln/main.ts', 'src/rpc/json-reader.ts'],
    },
    {
      name: 'nothing but the bridge imports the bridge',
      applies: (f) => !f.startsWith('src/bridge/'),
      forbidden: /^src\/bridge\//,
      breach: ['src/daemon/daemon.ts', 'src/bridge/cln/main.ts'],
      fine: ['src/daemon/daemon.ts', 'src/rpc/server.ts'],
    },
  ];
  for (const { name, applies, forbidden, breach, fine } of rules) {
    it(name, () => {
      const bad = files
        .filter(applies)
        .flatMap((f) => (graph.edges.get(f) ?? []).filter((t) => forbidden.test(t)).map((t) => `${f} → ${t}`));
      expect(bad).toEqual([]);
      // The rule itself: it refuses its breach and lets its fine import through.
      expect(applies(breach[0]) && forbidden.test(breach[1])).toBe(true);
      expect(applies(fine[0]) && !forbidden.test(fine[1])).toBe(true);
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
      const outside = reached.flatMap((r) =>
        (graph.specifiers.get(r) ?? []).filter((s) => !s.startsWith('.') && !CODEC_PACKAGE.test(s)).map((s) => `${r}: ${s}`),
      );
      expect(outside).toEqual([]);
      expect(reached.filter((r) => /^src\/(daemon|rpc|invoice\/store)\//.test(r))).toEqual([]);
      const src = readFileSync(path.join(REPO, f), 'utf8');
      expect(src).not.toMatch(/Date\.now|new Date\(|process\.|Math\.random|console\.|setTimeout|setInterval/);
    });
  }

  it('the package check refuses anything not on its list (the check itself)', () => {
    const io = ['kysely', 'pino', 'pg', 'undici', 'prom-client', 'fs', 'net', 'node:fs', 'node:dns', 'node:worker_threads', 'node:perf_hooks', 'secp256k1'];
    expect(io.filter((s) => CODEC_PACKAGE.test(s))).toEqual([]);
    expect(['node:crypto', '@noble/hashes/sha2.js', '@noble/hashes/hmac.js', 'bech32', 'secp256k1/bindings.js'].every((s) => CODEC_PACKAGE.test(s))).toBe(true);
  });
});
