/**
 * Nothing acknowledged is lost (DESIGN rule 4): clients create invoices as fast as they can while the
 * daemon is stopped by SIGTERM (graceful) or SIGKILL (crash); after a restart every invoice whose
 * creation was answered is there with the same hash and index, and the created indexes have no gaps.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { E2E_DATABASES, daemonBuilt, dropPgSchemas, startDaemon } from '../helpers/daemon.js';
import type { RpcClient } from '../helpers/rpc-client.js';

const CLIENTS = 8;
/** Acknowledged creations before the signal is sent. */
const BEFORE_SIGNAL = 200;

interface Acked {
  readonly payment_hash: string;
  readonly created_index: number;
}

for (const db of E2E_DATABASES) {
  describe.skipIf(!daemonBuilt() || db.skip)(`durability under load (${db.name})`, () => {
    for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
      it(`${signal} during load: every acknowledged invoice is present after restart`, async () => {
        const d = await startDaemon({ ...(db.database ? { database: db.database } : {}), logLevel: 'info' });
        const acked = new Map<string, Acked>();
        let signalled = false;
        let refused = 0;
        const clients: RpcClient[] = await Promise.all(Array.from({ length: CLIENTS }, () => d.connect()));
        const workers = clients.map(async (c, w) => {
          for (let i = 0; ; i++) {
            const label = `load-${w}-${i}`;
            let r;
            try {
              r = await c.call('invoice', [1000 + i, label, `load ${w} ${i}`]);
            } catch {
              return; // connection gone: this request was never acknowledged
            }
            if (r.error) {
              refused++;
              if (signalled) return;
              throw new Error(`unexpected error before the signal: ${r.raw}`);
            }
            acked.set(label, { payment_hash: r.result.payment_hash, created_index: r.result.created_index });
            if (!signalled && acked.size >= BEFORE_SIGNAL) {
              signalled = true;
              d.proc.kill(signal);
            }
          }
        });
        await Promise.all(workers);
        const exit = await d.exited;
        expect(exit).toEqual(signal === 'SIGTERM' ? { code: 0, signal: null } : { code: null, signal: 'SIGKILL' });
        expect(acked.size).toBeGreaterThanOrEqual(BEFORE_SIGNAL);

        const d2 = await startDaemon(d.startOptions);
        const rows = (await d2.call('listinvoices', {})).result.invoices as Array<{ label: string } & Acked>;
        const byLabel = new Map(rows.map((r) => [r.label, r]));
        for (const [label, a] of acked) {
          expect(byLabel.get(label), label).toMatchObject(a);
        }
        // Created indexes are 1..N with no gap, and the counter agrees.
        const idx = rows.map((r) => r.created_index).sort((a, b) => a - b);
        expect(idx).toEqual(Array.from({ length: idx.length }, (_, i) => i + 1));
        expect((await d2.call('wait', ['invoices', 'created', 0])).result.created).toBe(idx.length);
        // Creating continues after the last index.
        expect((await d2.call('invoice', [1000, 'after-restart', 'x'])).result.created_index).toBe(idx.length + 1);
        expect(refused).toBeLessThanOrEqual(CLIENTS);
        expect(await d2.stop()).toEqual({ code: 0, signal: null });
      });
    }
  });
}

afterAll(dropPgSchemas);
