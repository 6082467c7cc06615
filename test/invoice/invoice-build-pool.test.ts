/**
 * The BOLT 11 build pool signs on worker threads, so it runs from the build (`npm run build`): the worker
 * is a compiled .js file. Its invoices must be byte-for-byte those of the synchronous path, signed by the
 * node key (checked with @noble/secp256k1, independently of the default backend).
 */
import * as fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { nodeKeysFromSeed } from '../../src/crypto/node-keys.js';
import { nobleSecp256k1 } from '../../src/crypto/secp256k1.js';
import { decodeBolt11, encodeBolt11 } from '../../src/invoice/bolt11/index.js';
import { buildBolt11, type Bolt11Draft } from '../../src/invoice/create.js';
import { msat } from '../../src/util/msat.js';

const BUILT = new URL('../../dist/src/invoice/invoice-build-pool.js', import.meta.url);
const built = fs.existsSync(BUILT);
type PoolModule = typeof import('../../src/invoice/invoice-build-pool.js');
const load = async (): Promise<PoolModule> => (await import(BUILT.href)) as PoolModule;

const seed = Uint8Array.from({ length: 32 }, (_, i) => i + 7);
const keys = nodeKeysFromSeed(seed, { backend: nobleSecp256k1 });
const codec = { encode: encodeBolt11, decode: decodeBolt11 };

function draft(i: number): Bolt11Draft {
  return {
    network: 'regtest',
    amount_msat: msat(BigInt(1000 + i)),
    timestamp: 1_700_000_000 + i,
    preimage: Uint8Array.from({ length: 32 }, (_, k) => (k * 31 + i) & 0xff),
    description: `order ${i} ☕`,
    deschashonly: i % 5 === 0,
    expiry: i % 3 === 0 ? 3600 : 600 + i,
    cltv: 18,
    fallbacks: [],
  };
}

describe.skipIf(!built)('bolt11 build pool (built)', () => {
  it('answers a batch in chunks as it signs, in order, so the first are stored while the rest are signed', async () => {
    const { Worker } = await import('node:worker_threads');
    const { ANSWER_CHUNK } = (await import(new URL('../../dist/src/invoice/invoice-build-worker.js', import.meta.url).href)) as typeof import('../../src/invoice/invoice-build-worker.js');
    const worker = new Worker(new URL('../../dist/src/invoice/invoice-build-worker.js', import.meta.url), { workerData: { seed: Uint8Array.from(seed) } });
    try {
      const n = 2 * ANSWER_CHUNK + 2;
      const messages: Array<Array<{ id: number; ok: boolean; invstring?: string }>> = [];
      const all = new Promise<void>((resolve) => {
        let got = 0;
        worker.on('message', (m: Array<{ id: number; ok: boolean }>) => {
          messages.push(m);
          if ((got += m.length) === n) resolve();
        });
      });
      worker.postMessage(Array.from({ length: n }, (_, i) => ({ id: 100 + i, draft: draft(i) })));
      await all;
      expect(messages.map((m) => m.length)).toEqual([ANSWER_CHUNK, ANSWER_CHUNK, 2]);
      expect(messages.flat().map((a) => a.id)).toEqual(Array.from({ length: n }, (_, i) => 100 + i));
      messages.flat().forEach((a, i) => expect(a.invstring).toBe(buildBolt11(draft(i), keys.signEcdsa, codec).invstring));
    } finally {
      await worker.terminate();
    }
  });

  it('signs on workers exactly what the synchronous path writes, with the node key', async () => {
    const { createBolt11BuildPool } = await load();
    const pool = createBolt11BuildPool({ seed, size: 2, inlineWhenIdle: false });
    try {
      const drafts = Array.from({ length: 40 }, (_, i) => draft(i));
      const got = await Promise.all(drafts.map((d) => pool.build(d)));
      got.forEach((b, i) => {
        const want = buildBolt11(drafts[i]!, keys.signEcdsa, codec);
        expect(b.invstring).toBe(want.invstring);
        expect(b.payment_hash).toEqual(want.payment_hash);
        expect(b.payment_secret).toEqual(want.payment_secret);
        // The payee recovered from the signature is our node (decode recovers it with the default backend).
        expect(decodeBolt11(b.invstring).payee).toEqual(keys.nodeId);
      });
    } finally {
      await pool.close();
    }
  });

  it('builds a lone draft inline when nothing is in flight, with the same result', async () => {
    const { createBolt11BuildPool } = await load();
    const pool = createBolt11BuildPool({ seed, size: 1 });
    try {
      const b = await pool.build(draft(3));
      expect(b.invstring).toBe(buildBolt11(draft(3), keys.signEcdsa, codec).invstring);
    } finally {
      await pool.close();
    }
  });

  it("rejects with the codec's error when a draft cannot be encoded, and keeps working", async () => {
    const { createBolt11BuildPool } = await load();
    const pool = createBolt11BuildPool({ seed, size: 1, inlineWhenIdle: false });
    try {
      const bad = { ...draft(1), timestamp: 2 ** 36 };
      let syncError: unknown;
      try {
        buildBolt11(bad, keys.signEcdsa, codec);
      } catch (e) {
        syncError = e;
      }
      expect(syncError).toBeInstanceOf(Error);
      await expect(pool.build(bad)).rejects.toMatchObject({ message: (syncError as Error).message });
      expect((await pool.build(draft(2))).invstring).toBe(buildBolt11(draft(2), keys.signEcdsa, codec).invstring);
    } finally {
      await pool.close();
    }
  });

  it('refuses work after close', async () => {
    const { createBolt11BuildPool } = await load();
    const pool = createBolt11BuildPool({ seed, size: 1 });
    await pool.close();
    await expect(pool.build(draft(0))).rejects.toThrow('bolt11 build pool is closed');
  });
});
