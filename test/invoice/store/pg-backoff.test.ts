/**
 * Reconnecting with backoff (issue "under faults and hostile clients" item 2): while PostgreSQL drops every
 * connection, a request that needs one tries to connect only once the backoff has passed (100 ms, then
 * doubling up to 5 s, on the injected clock); the others fail at once with the last attempt's reason, as
 * the database-unavailable error. The first connection that succeeds ends the backoff. An outage is
 * reported once, also when the errors of the connections it ended come after a request has reconnected.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  createPgPool,
  databaseConnectionProblem,
  RECONNECT_BACKOFF,
  RECONNECT_MAX_MS,
  RECONNECT_MIN_MS,
  WAVE_MS,
} from '../../../src/invoice/store/dialect/pg-pool.js';
import { PG_URL } from '../../helpers/db.js';
import { tcpProxy } from '../../helpers/tcp-proxy.js';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c().catch(() => {});
});

describe.skipIf(!PG_URL)('PostgreSQL pool: reconnecting with backoff', () => {
  it('tries again only once the backoff has passed, doubling up to its cap; a success ends it', async () => {
    const proxy = await tcpProxy(new URL(PG_URL!), { dropping: true });
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
    proxy.dropping = false;
    t += RECONNECT_MAX_MS;
    expect(await attempt()).toBeUndefined();
    expect(recovered).toBe(1);
    const c = await pool.connect();
    expect((await c.query('select 1 as one')).rows).toEqual([{ one: 1 }]);
    c.release();
  });
});

describe.skipIf(!PG_URL)('PostgreSQL pool: one outage, however its errors arrive', () => {
  it('a connection the outage ended, failing after the recovery, is that outage; a later or newer one is another', async () => {
    let t = 1_000_000;
    const outages: string[] = [];
    let recovered = 0;
    const pool = createPgPool({ url: PG_URL!, poolSize: 6, now: () => t, onOutage: (r) => outages.push(r), onRecovered: () => recovered++ });
    closers.push(() => pool.end());
    // Three connections open before the outage, held (as requests in flight hold them).
    const old = await Promise.all([pool.connect(), pool.connect(), pool.connect()]);
    const held = [...old];
    closers.push(async () => held.forEach((c) => c.release(true)));
    // How the server ends a connection (pg_terminate_backend): SQLSTATE 57P01 on the connection.
    const terminated = () => Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01', severity: 'FATAL' });
    old[0]!.emit('error', terminated());
    expect(outages).toHaveLength(1);
    // A request reconnects: the outage is over.
    const fresh = await pool.connect();
    held.push(fresh);
    expect(recovered).toBe(1);
    // The others' errors of the same wave come only now: the same outage, not reported again.
    t += WAVE_MS - 1;
    old[1]!.emit('error', terminated());
    expect(outages).toHaveLength(1);
    // Long after the recovery an old connection failing is a new outage; so is a connection opened since.
    t += 2;
    old[2]!.emit('error', terminated());
    expect(outages).toHaveLength(2);
    const fresher = await pool.connect();
    held.push(fresher);
    expect(recovered).toBe(2);
    fresher.emit('error', terminated());
    expect(outages).toHaveLength(3);
  });
});
