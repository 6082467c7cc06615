/**
 * `npm run bench -- bolt11`: BOLT 11 encode+sign and decode+verify per second, for the default secp256k1
 * backend (libsecp256k1 as WebAssembly) and for @noble/secp256k1, so the backend choice is a measurement.
 *
 * The invoice is what the daemon writes: amount, 32-byte hash and secret, a 40-character description,
 * expiry, cltv, one route hint, features. Decoding recovers the payee (no `n`), as payers do.
 * Each figure runs for about 1.5 s after a short warm-up.
 */
import { nobleSecp256k1, tinySecp256k1, type Secp256k1 } from '../../src/crypto/secp256k1.js';
import { decodeBolt11, encodeBolt11, featuresOf, type Bolt11Fields } from '../../src/invoice/bolt11/index.js';
import { msat } from '../../src/util/msat.js';
import type { BenchOptions, ScenarioResult } from '../run.js';
import { opsPerSecond } from './throughput.js';

const SECRET = new Uint8Array(32).fill(1);
const HOP = nobleSecp256k1.getPublicKey(new Uint8Array(32).fill(2));

function fields(i: number): Bolt11Fields {
  const hash = new Uint8Array(32).fill(i & 0xff);
  hash[0] = i >> 8;
  return {
    network: 'bitcoin',
    amount_msat: msat(BigInt(1000 + i)),
    timestamp: 1_700_000_000 + i,
    payment_hash: hash,
    payment_secret: new Uint8Array(32).fill(0x11),
    description: 'Order #' + i + ': one cup of coffee, to go',
    expiry: 604800,
    min_final_cltv_expiry: 18,
    features: featuresOf([8, 14, 17]),
    routes: [
      [
        {
          pubkey: HOP,
          short_channel_id: '800000x1234x1',
          fee_base_msat: 1000,
          fee_proportional_millionths: 100,
          cltv_expiry_delta: 40,
        },
      ],
    ],
  };
}

function measure(secp: Secp256k1, prefix: string, out: ScenarioResult): void {
  const sign = (d: Uint8Array) => secp.signRecoverable(d, SECRET);
  const samples = Array.from({ length: 256 }, (_, i) => encodeBolt11(fields(i), sign));
  out[`${prefix}_encode_sign_per_s`] = opsPerSecond((i) => encodeBolt11(fields(i & 0xffff), sign), 1500);
  out[`${prefix}_decode_verify_per_s`] = opsPerSecond((i) => decodeBolt11(samples[i & 255] as string, { secp }), 1500);
}

export async function run(_opts: BenchOptions): Promise<ScenarioResult> {
  const out: ScenarioResult = {};
  measure(tinySecp256k1, 'tiny_secp256k1', out);
  measure(nobleSecp256k1, 'noble_secp256k1', out);
  // The codec alone, without elliptic-curve work: a signer returning a fixed signature, and a backend whose
  // recovery returns a fixed key. The difference to the figures above is the cost of the curve operations.
  const fixed = tinySecp256k1.signRecoverable(new Uint8Array(32).fill(9), SECRET);
  const payee = tinySecp256k1.getPublicKey(SECRET);
  const noCurve: Secp256k1 = { ...tinySecp256k1, name: 'none', isValidPoint: () => true, recover: () => payee };
  const samples = Array.from({ length: 256 }, (_, i) => encodeBolt11(fields(i), () => fixed));
  out['codec_only_encode_per_s'] = opsPerSecond((i) => encodeBolt11(fields(i & 0xffff), () => fixed), 1000);
  out['codec_only_decode_per_s'] = opsPerSecond((i) => decodeBolt11(samples[i & 255] as string, { secp: noCurve }), 1000);
  out['invoice_chars'] = (samples[1] as string).length;
  return out;
}
