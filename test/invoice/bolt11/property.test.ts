/**
 * Round-trip properties of the BOLT 11 codec over random invoices of every field kind:
 * `decode(encode(x))` gives `x` back, and re-encoding a decoded invoice in its own field order gives the string.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { nodeKeysFromSeed } from '../../../src/crypto/node-keys.js';
import { decodeBolt11, encodeBolt11, featuresOf, type Bolt11Fields } from '../../../src/invoice/bolt11/index.js';
import { CHARSET } from '../../../src/invoice/bolt11/words.js';
import { utf8 } from '../../../src/util/bytes.js';
import { toHex } from '../../../src/util/hex.js';
import { MAX_MSAT, msat } from '../../../src/util/msat.js';
import { NETWORKS } from '../../../src/util/network.js';

const keys = nodeKeysFromSeed(new Uint8Array(32).fill(1));
const sign = (d: Uint8Array) => keys.signEcdsa(d);
const HOP_KEYS = [2, 3, 4].map((i) => nodeKeysFromSeed(new Uint8Array(32).fill(i)).nodeId);

const bytes32 = fc.uint8Array({ minLength: 32, maxLength: 32 });
const amount = fc.oneof(
  fc.constant(undefined),
  fc.constantFrom(1n, 10n, 100n, 1000n, MAX_MSAT, 2_100_000_000_000_000_000n, 100_000_000_000n),
  fc.bigInt({ min: 1n, max: MAX_MSAT }),
  fc.bigInt({ min: 1n, max: 10n ** 12n }).map((v) => v * 1000n),
);
/** Descriptions up to the 639-byte limit, exactly 639 bytes included, in any script. */
const description = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 200 }).filter((s) => utf8(s).length <= 639),
  fc.constantFrom('a'.repeat(639), 'é'.repeat(319) + 'x', '杯'.repeat(213), '', '\uFEFF'),
);
const hop = fc.record({
  pubkey: fc.constantFrom(...HOP_KEYS),
  short_channel_id: fc
    .tuple(fc.integer({ min: 0, max: 0xffffff }), fc.integer({ min: 0, max: 0xffffff }), fc.integer({ min: 0, max: 0xffff }))
    .map(([b, t, o]) => `${b}x${t}x${o}`),
  fee_base_msat: fc.integer({ min: 0, max: 0xffffffff }),
  fee_proportional_millionths: fc.integer({ min: 0, max: 0xffffffff }),
  cltv_expiry_delta: fc.integer({ min: 0, max: 0xffff }),
});
const fallback = fc.oneof(
  fc.record({ version: fc.constantFrom(17, 18), program: fc.uint8Array({ minLength: 20, maxLength: 20 }) }),
  fc.record({ version: fc.constant(0), program: fc.oneof(fc.uint8Array({ minLength: 20, maxLength: 20 }), bytes32) }),
  fc.record({ version: fc.constant(1), program: bytes32 }),
  fc.record({ version: fc.integer({ min: 2, max: 16 }), program: fc.uint8Array({ minLength: 2, maxLength: 40 }) }),
);
/** Tags the codec does not know, with any data: they must come back in `extra`. */
const UNKNOWN_TAGS = [...CHARSET].filter((c) => !'pr9xfdsnhcm'.includes(c));
const extraField = fc.record({
  tag: fc.constantFrom(...UNKNOWN_TAGS),
  data: fc.array(fc.constantFrom(...CHARSET), { maxLength: 60 }).map((a) => a.join('')),
});
/** Known bits, and unknown odd ones (which a reader ignores), up to a 1001-bit field. */
const features = fc.subarray([8, 9, 14, 15, 16, 17, 24, 25, 36, 37, 48, 49, 1, 3, 99, 255, 1001]);

const fieldsArb = fc
  .record(
    {
      // testnet4 shares testnet's `tb` prefix, so it reads back as testnet: its prefix is tested in the codec tests.
      network: fc.constantFrom(...NETWORKS.filter((n) => n !== 'testnet4')),
      amount,
      timestamp: fc.integer({ min: 0, max: 2 ** 35 - 1 }),
      payment_hash: bytes32,
      payment_secret: bytes32,
      desc: fc.oneof(description.map((d) => ({ description: d })), bytes32.map((h) => ({ description_hash: h }))),
      expiry: fc.option(fc.oneof(fc.constant(3600), fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER })), { nil: undefined }),
      min_final_cltv_expiry: fc.option(fc.integer({ min: 0, max: 0xffffffff }), { nil: undefined }),
      payment_metadata: fc.option(fc.uint8Array({ maxLength: 639 }), { nil: undefined }),
      fallbacks: fc.array(fallback, { maxLength: 4 }),
      routes: fc.array(fc.array(hop, { minLength: 1, maxLength: 12 }), { maxLength: 6 }),
      features,
      withN: fc.boolean(),
      extra: fc.array(extraField, { maxLength: 3 }),
    },
    { requiredKeys: ['network', 'timestamp', 'payment_hash', 'payment_secret', 'desc', 'fallbacks', 'routes', 'features', 'withN', 'extra'] },
  )
  .map((r): Bolt11Fields => {
    const f: Bolt11Fields = {
      network: r.network,
      timestamp: r.timestamp,
      payment_hash: r.payment_hash,
      payment_secret: r.payment_secret,
      ...r.desc,
      fallbacks: r.fallbacks,
      routes: r.routes,
      features: featuresOf(r.features),
      extra: r.extra,
    };
    if (r.amount !== undefined) f.amount_msat = msat(r.amount);
    if (r.expiry !== undefined) f.expiry = r.expiry;
    if (r.min_final_cltv_expiry !== undefined) f.min_final_cltv_expiry = r.min_final_cltv_expiry;
    if (r.payment_metadata !== undefined) f.payment_metadata = r.payment_metadata;
    if (r.withN) f.payee = keys.nodeId;
    return f;
  });

/**
 * Canonical JSON of the typed fields that a decode returns: bytes as hex, bigints as strings, and the
 * codec's bookkeeping (`hrp`, `currency`, signature, hash, field order) left out.
 */
function canon(x: object): string {
  const skip = new Set(['hrp', 'currency', 'signature', 'recovery_id', 'signing_hash', 'field_order']);
  const entries = Object.entries(x)
    .filter(([k]) => !skip.has(k))
    .sort(([a], [b]) => (a < b ? -1 : 1));
  return JSON.stringify(Object.fromEntries(entries), (_k, v: unknown) =>
    v instanceof Uint8Array ? toHex(v) : typeof v === 'bigint' ? v.toString() : v,
  );
}

describe('BOLT 11 round trips', () => {
  it('decode(encode(fields)) gives the fields back, for thousands of random invoices', () => {
    let longest = 0;
    fc.assert(
      fc.property(fieldsArb, (f) => {
        const s = encodeBolt11(f, sign);
        longest = Math.max(longest, s.length);
        const d = decodeBolt11(s);
        // Compared as canonical JSON (bytes as hex): one cheap string comparison instead of deep equality.
        expect(canon({ ...d, payee: undefined, payee_from_n: undefined, expiry: undefined, min_final_cltv_expiry: undefined })).toBe(
          canon({
            network: f.network,
            amount_msat: f.amount_msat,
            timestamp: f.timestamp,
            payment_hash: f.payment_hash,
            payment_secret: f.payment_secret,
            description: f.description,
            description_hash: f.description_hash,
            payment_metadata: f.payment_metadata,
            fallbacks: f.fallbacks?.length ? f.fallbacks : undefined,
            routes: f.routes?.length ? f.routes : undefined,
            features: f.features?.length ? f.features : undefined,
            extra: f.extra?.length ? f.extra : undefined,
          }),
        );
        expect(d.expiry).toBe(f.expiry ?? 3600);
        expect(d.field_order.includes('x')).toBe(f.expiry !== undefined && f.expiry !== 3600);
        expect(d.min_final_cltv_expiry).toBe(f.min_final_cltv_expiry ?? 18);
        expect(toHex(d.payee)).toBe(toHex(keys.nodeId));
        expect(d.payee_from_n).toBe(f.payee !== undefined);
        // And the other way: re-encoding the decoded invoice in its own field order gives the same string.
        expect(encodeBolt11(d, sign, { fieldOrder: d.field_order })).toBe(s);
      }),
      { numRuns: 2000, seed: 42 },
    );
    // The generator does reach invoices beyond 1023 characters.
    expect(longest).toBeGreaterThan(1023);
  }, 120_000);
});
