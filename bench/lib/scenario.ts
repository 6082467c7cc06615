/**
 * What every daemon scenario shares: a daemon on SQLite (fresh datadir) or on a fresh PostgreSQL schema,
 * torn down afterwards whatever happens, and realistic invoice parameters.
 */
import type { BenchOptions } from '../run.js';
import { connectMany } from './client.js';
import { freshPgSchema, makeDatadir, removeDatadir, startDaemon, type BenchDaemon, type StartOptions } from './daemon.js';

/** Runs `body` against a fresh daemon, then stops it and removes its datadir (and PostgreSQL schema). */
export async function withDaemon<T>(
  opts: BenchOptions,
  body: (d: BenchDaemon) => Promise<T>,
  start: Omit<StartOptions, 'database'> = {},
): Promise<T> {
  const datadir = start.datadir ?? makeDatadir();
  const pg = opts.database ? await freshPgSchema(opts.database) : undefined;
  let d: BenchDaemon | undefined;
  try {
    d = await startDaemon({ ...start, datadir, ...(pg ? { database: pg.url } : {}) });
    return await body(d);
  } finally {
    await d?.stop();
    await pg?.drop();
    if (!start.datadir) removeDatadir(datadir);
  }
}

const ITEMS = ['Espresso', 'Flat white', 'Croissant', 'Sourdough loaf', 'Hosting (1 month)', 'VPN 30 days', 'Sticker pack', 'E-book: Mastering Lightning'];

/** A shop-like description of 40–110 characters, varied by `i`. */
export function description(i: number): string {
  const a = ITEMS[i % ITEMS.length]!;
  const b = ITEMS[(i * 7 + 3) % ITEMS.length]!;
  return `Order #${100000 + i} at Example Store: ${1 + (i % 3)}x ${a}, 1x ${b}${i % 4 === 0 ? ' (gift wrapped, deliver to front desk)' : ''}`;
}

/** An amount between 1,000 and ~50,000,000 msat, varied by `i`. */
export function amountMsat(i: number): number {
  return 1000 + ((i * 7919) % 50_000) * 997;
}

/** 64 connections creating invoices: `create(w)` makes the next one (label `<tag>-<n>`) on connection w. */
export async function invoiceLoad(socketPath: string, tag: string): Promise<{ create(w: number): Promise<void>; created(): number; close(): void }> {
  const clients = await connectMany(socketPath, 64);
  let label = 0;
  return {
    async create(w) {
      const i = label++;
      await clients[w]!.ok('invoice', { amount_msat: amountMsat(i), label: `${tag}-${i}`, description: description(i) });
    },
    created: () => label,
    close: () => clients.forEach((c) => c.close()),
  };
}
