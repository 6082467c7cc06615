/**
 * The daemon names its secp256k1 backend in the startup log, falls back to tiny-secp256k1 when the
 * native binding is not loaded (here forced with INVOICED_SECP256K1=wasm), and signs the same invoice
 * bytes either way: each daemon's invoice equals the same fields re-signed here with @noble/secp256k1.
 */
import { describe, expect, it } from 'vitest';
import { nodeKeysFromSeed } from '../../src/crypto/node-keys.js';
import { nobleSecp256k1 } from '../../src/crypto/secp256k1.js';
import { decodeBolt11, encodeBolt11 } from '../../src/invoice/bolt11/index.js';
import { resignBolt11 } from '../../src/invoice/create.js';
import { fromHex } from '../../src/util/hex.js';
import { daemonBuilt, startDaemonsKilledAfterEach, TEST_SEED } from '../helpers/daemon.js';

const start = startDaemonsKilledAfterEach();
const noble = nodeKeysFromSeed(TEST_SEED, { backend: nobleSecp256k1 });
const codec = { encode: encodeBolt11, decode: decodeBolt11 };

describe.skipIf(!daemonBuilt())('secp256k1 backend of the daemon', () => {
  for (const [name, env, backend] of [
    ['native', {}, /^libsecp256k1 native \(secp256k1@[0-9.]+; BIP-340 tiny-secp256k1\)$/],
    ['fallback', { INVOICED_SECP256K1: 'wasm' }, /^tiny-secp256k1$/],
  ] as const) {
    it(`${name}: logged at startup, and invoices signed byte for byte as noble signs them`, async () => {
      const d = await start({ env });
      const line = await d.waitForLog('invoiced started');
      expect(String(line.secp256k1)).toMatch(backend);
      // The warning comes before the started line, so it is in the log by now.
      const warned = d.logs().some((l) => l.msg === 'native libsecp256k1 not loaded: signing with tiny-secp256k1 (WebAssembly)');
      expect(warned).toBe(name === 'fallback');
      // Sent together, so the first is built inline and the others on the signing worker.
      const preimages = Array.from({ length: 8 }, (_, i) => `${i}`.padStart(2, '0').repeat(32));
      const replies = await Promise.all(
        preimages.map((preimage, i) => d.call('invoice', { amount_msat: 1000 + i, label: `l${i}`, description: `d${i}`, preimage })),
      );
      replies.forEach((r, i) => {
        const bolt11 = String(r.result.bolt11);
        expect(resignBolt11(decodeBolt11(bolt11), noble.signEcdsa, codec)).toBe(bolt11);
      });
    });
  }
});
