/**
 * Reconnecting with backoff (issue "under faults and hostile clients" item 2): while PostgreSQL drops every
 * connection, a request that needs one tries to connect only once the backoff has passed (100 ms, then
 * doubling up to 5 s, on the injected clock); the others fail at once with the last attempt's reason, as
 * the database-unavailable error. The first connection that succeeds ends the backoff.
 */
import * as net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createPgPool,
  databaseConnectionProblem,
  RECONNECT_BACKOFF,
  RECONNECT_MAX_MS,
  RECONNECT_MIN_MS,
} from '../../../src/invoice/store/dialect/pg-pool.js';
import { PG_URL } from '../../helpers/db.js';

/** A TCP proxy to the test server that, while shut, accepts each connection and drops it at once (counted). */
async function gate(target: URL) {
  let open = false;
  let dropped = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.on('error', () => client.destroy());
    if (!open) {
      dropped++;
      client.destroy();
      return;
    }
    const upstream = net.connect(Number(target.port || 5432), target.hostname);
    sockets.add(upstream);
    upstream.on('error', () => upstream.destroy());
    client.pipe(upstream).pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = new URL(target.href);
  url.hostname = '127.0.0.1';
  url.port = String((server.address() as net.AddressInfo).port);
  return {
    url: url.href,
    dropped: () => dropped,
    open() {
      open = true;
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c().catch(() => {});
});

describe.skipIf(!PG_URL)('PostgreSQL pool: reconnecting with backoff', () => {
  it('tries again only once the backoff has passed, doubling up to its cap; a success ends it', async () => {
    const proxy = await gate(new URL(PG_URL!));
    closers.push(() => proxy.close());
    let t = 1_000_000;
    const outages: string[] = [];
    let recovered = 0;
    const pool = createPgPool({ url: proxy.url, poolSize: 2, connectTimeoutMs: 5000, now: () => t, onOutage: (r) => outages.push(r), onRecovered: () => recovered++ });
    closers.push(() => pool.end());
    const attempt = async () => {
      const err = await pool.connect().then(
        (c) => {
          c.release();
          return undefined;
        },
        (e: unknown) => e as Error & { code?: string },
      );
      return err;
    };

    // The first request tries, and fails: the backoff starts at its minimum.
    const first = await attempt();
    expect(databaseConnectionProblem(first)).toBeDefined();
    expect(proxy.dropped()).toBe(1);
    let wait = RECONNECT_MIN_MS;
    const waits: number[] = [];
    for (let round = 0; round < 9; round++) {
      // Within the backoff: no attempt, the database-unavailable error at once, with the last reason.
      t += wait - 1;
      const fast = await attempt();
      expect(fast?.code).toBe(RECONNECT_BACKOFF);
      expect(fast?.message).toMatch(/^reconnecting in 1 ms \(last attempt: .+\)$/);
      expect(databaseConnectionProblem(fast)).toBe(fast?.message);
      expect(proxy.dropped()).toBe(round + 1);
      // Once it has passed: one attempt, which fails and doubles the wait (up to the cap).
      t += 1;
      expect(databaseConnectionProblem(await attempt())).toBeDefined();
      expect(proxy.dropped()).toBe(round + 2);
      waits.push(wait);
      wait = Math.min(RECONNECT_MAX_MS, wait * 2);
    }
    expect(waits).toEqual([100, 200, 400, 800, 1600, 3200, 5000, 5000, 5000]);
    expect(outages).toHaveLength(1); // one outage, reported once

    // The server is back: the attempt after the backoff succeeds, and the backoff is over.
    proxy.open();
    t += RECONNECT_MAX_MS;
    expect(await attempt()).toBeUndefined();
    expect(recovered).toBe(1);
    const c = await pool.connect();
    expect((await c.query('select 1 as one')).rows).toEqual([{ one: 1 }]);
    c.release();
  });
});
