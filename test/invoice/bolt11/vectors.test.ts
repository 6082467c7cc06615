/**
 * Every entry of the official BOLT 11 examples (test/vectors/bolt11-examples.json): valid ones decode to every
 * listed field, low-S ones re-encode byte for byte from the vector's own fields, invalid ones fail with their reason.
 */
import { describe, expect, it } from 'vitest';
import { nobleSecp256k1, secp256k1 } from '../../../src/crypto/secp256k1.js';
import {
  Bolt11DecodeError,
  decodeBolt11,
  encodeBolt11,
  fallbackToAddress,
  featureBits,
  featuresOf,
  type Bolt11ErrorKind,
  type Bolt11Fields,
} from '../../../src/invoice/bolt11/index.js';
import { fromHex, toHex } from '../../../src/util/hex.js';
import { msat } from '../../../src/util/msat.js';
import type { Network } from '../../../src/util/network.js';
import { loadVector } from '../../helpers/vectors.js';

interface VectorHop {
  pubkey: string;
  short_channel_id: string;
  fee_base_msat: number;
  fee_proportional_millionths: number;
  cltv_expiry_delta: number;
}
interface Example {
  name: string;
  valid: boolean;
  invoice: string;
  reason?: string;
  network?: Network;
  hrp?: string;
  amount_msat?: number | null;
  timestamp?: number;
  payment_hash?: string;
  payment_secret?: string;
  description?: string | null;
  description_hash?: string | null;
  expiry?: number | null;
  min_final_cltv_expiry?: number | null;
  metadata?: string | null;
  fallbacks?: { version: number; type: string; program: string; address: string }[];
  route_hints?: VectorHop[][];
  features?: number[];
  payee_node_id?: string;
  field_order?: [string, number][];
  signature?: { rs: string; recovery_id: number; high_s: boolean };
  signing_hash?: string;
  resign_with_priv_key_matches?: boolean;
  description_hash_preimage?: string;
  strict_reader_expected?: 'reject';
}
interface Bolt11Examples {
  priv_key: string;
  payee_node_id: string;
  examples: Example[];
}

const V = loadVector<Bolt11Examples>('bolt11-examples.json');
const PRIV = fromHex(V.priv_key);
const sign = (digest: Uint8Array) => secp256k1.signRecoverable(digest, PRIV);
const valid = V.examples.filter((e) => e.valid);
const invalid = V.examples.filter((e) => !e.valid);
const strictValid = valid.filter((e) => e.strict_reader_expected !== 'reject');

/** The vector's fields as `encodeBolt11` takes them (built from the JSON, not from our decoder). */
function fieldsOf(e: Example): Bolt11Fields {
  const f: Bolt11Fields = {
    network: e.network as Network,
    timestamp: e.timestamp as number,
    payment_hash: fromHex(e.payment_hash as string),
    payment_secret: fromHex(e.payment_secret as string),
    features: featuresOf(e.features ?? []),
    fallbacks: (e.fallbacks ?? []).map((fb) => ({ version: fb.version, program: fromHex(fb.program) })),
    routes: (e.route_hints ?? []).map((r) =>
      r.map((h) => ({ ...h, pubkey: fromHex(h.pubkey) })),
    ),
  };
  if (e.amount_msat != null) f.amount_msat = msat(BigInt(e.amount_msat));
  if (e.description != null) f.description = e.description;
  if (e.description_hash != null) f.description_hash = fromHex(e.description_hash);
  if (e.expiry != null) f.expiry = e.expiry;
  if (e.min_final_cltv_expiry != null) f.min_final_cltv_expiry = e.min_final_cltv_expiry;
  if (e.metadata != null) f.payment_metadata = fromHex(e.metadata);
  return f;
}

function expectDecodedMatches(e: Example, policy: 'strict' | 'lenient'): void {
  const d = decodeBolt11(e.invoice, { policy });
  expect(d.network).toBe(e.network);
  expect(d.hrp).toBe(e.hrp);
  expect(d.amount_msat).toBe(e.amount_msat == null ? undefined : BigInt(e.amount_msat));
  expect(d.timestamp).toBe(e.timestamp);
  expect(toHex(d.payment_hash)).toBe(e.payment_hash);
  expect(toHex(d.payment_secret as Uint8Array)).toBe(e.payment_secret);
  expect(d.description).toBe(e.description ?? undefined);
  expect(d.description_hash && toHex(d.description_hash)).toBe(e.description_hash ?? undefined);
  expect(d.expiry).toBe(e.expiry ?? 3600);
  expect(d.min_final_cltv_expiry).toBe(e.min_final_cltv_expiry ?? 18);
  expect(d.payment_metadata && toHex(d.payment_metadata)).toBe(e.metadata ?? undefined);
  expect(featureBits(d.features ?? new Uint8Array())).toEqual(e.features);
  expect((d.fallbacks ?? []).map((f) => ({ version: f.version, program: toHex(f.program) }))).toEqual(
    (e.fallbacks ?? []).map((f) => ({ version: f.version, program: f.program })),
  );
  for (const [i, f] of (d.fallbacks ?? []).entries()) {
    const shown = fallbackToAddress(f, d.network);
    expect(shown.addr).toBe(e.fallbacks?.[i]?.address);
    expect(shown.type).toBe(e.fallbacks?.[i]?.type.toUpperCase());
  }
  expect((d.routes ?? []).map((r) => r.map((h) => ({ ...h, pubkey: toHex(h.pubkey) })))).toEqual(e.route_hints);
  expect(toHex(d.payee)).toBe(e.payee_node_id);
  expect(d.payee_from_n).toBe(false);
  expect(toHex(d.signature)).toBe(e.signature?.rs);
  expect(d.recovery_id).toBe(e.signature?.recovery_id);
  expect(toHex(d.signing_hash)).toBe(e.signing_hash);
  const wire = (e.field_order ?? []).map(([tag]) => tag);
  expect(d.field_order.map((t, i) => (t === 'extra' ? wire[i] : t))).toEqual(wire);
}

describe('BOLT 11 official examples: valid', () => {
  it.each(strictValid.map((e) => [e.name, e] as const))('%s decodes to every listed field', (_name, e) => {
    expectDecodedMatches(e, 'strict');
  });

  it.each(strictValid.map((e) => [e.name, e] as const))('%s decodes the same with the noble backend', (_name, e) => {
    const a = decodeBolt11(e.invoice);
    const b = decodeBolt11(e.invoice, { secp: nobleSecp256k1 });
    expect(toHex(b.payee)).toBe(toHex(a.payee));
  });

  const lowS = valid.filter((e) => e.resign_with_priv_key_matches && e.strict_reader_expected !== 'reject');
  it('has the 14 low-S examples the spec lets an encoder reproduce', () => {
    expect(lowS.length).toBe(14);
  });
  it.each(lowS.map((e) => [e.name, e] as const))('%s re-encodes byte for byte from its fields', (_name, e) => {
    const order = (e.field_order ?? []).map(([tag]) => tag);
    expect(encodeBolt11(fieldsOf(e), sign, { fieldOrder: order })).toBe(e.invoice.toLowerCase());
  });

  const hashed = strictValid.filter((e) => e.description_hash_preimage !== undefined);
  it.each(hashed.map((e) => [e.name, e] as const))('%s: h matches the description it commits to', (_name, e) => {
    expect(decodeBolt11(e.invoice, { description: e.description_hash_preimage as string }).description_hash).toBeDefined();
    expect(() => decodeBolt11(e.invoice, { description: 'something else' })).toThrow('h: does not match description');
  });

  it('the upper-case example decodes exactly as its lower-case twin', () => {
    const upper = V.examples.find((e) => e.name === 'features_8_14_99_uppercase') as Example;
    const lower = V.examples.find((e) => e.name === 'features_8_14_99') as Example;
    expect(upper.invoice).toBe(lower.invoice.toUpperCase());
    expect(decodeBolt11(upper.invoice)).toEqual(decodeBolt11(lower.invoice));
  });

  it('high-S with recovery: accepted, and the payee is what plain recovery with recid 1 gives', () => {
    const e = V.examples.find((x) => x.name === 'high_s_pubkey_recovery') as Example;
    const d = decodeBolt11(e.invoice);
    expect(e.signature?.high_s).toBe(true);
    expect(toHex(d.payee)).toBe('02d0139ce7427d6dfffd26a326c18be754ef1e64672b42694ba5b23ef6e6e7803d');
    expect(toHex(decodeBolt11(e.invoice, { secp: nobleSecp256k1 }).payee)).toBe(toHex(d.payee));
  });
});

describe('BOLT 11 official example "fields which must be ignored" (spec conflict)', () => {
  const e = V.examples.find((x) => x.name === 'fields_which_must_be_ignored') as Example;

  it('is rejected by the strict reader (a p field of the wrong length, after the good one)', () => {
    expect(e.strict_reader_expected).toBe('reject');
    expect(() => decodeBolt11(e.invoice)).toThrow(expect.objectContaining({ kind: 'InvalidFieldLength', message: 'p: data_length 51, expected 52' }));
  });

  it('is read by the lenient reader, first good field winning, the rest in extra', () => {
    expectDecodedMatches(e, 'lenient');
    const d = decodeBolt11(e.invoice, { policy: 'lenient' });
    expect(d.extra?.map((x) => x.tag)).toEqual(['2', 'f', 'p', 'p', 'h', 'h', 's', 's', 'n', 'n']);
    expect(d.extra?.[0]).toEqual({ tag: '2', data: 'qqq' });
    // Re-encoding with the decoded order (extras included) reproduces the string.
    expect(encodeBolt11(d, sign, { fieldOrder: d.field_order })).toBe(e.invoice);
  });
});

/** The kind and message each invalid example must fail with. */
const EXPECTED_FAILURE: Record<string, { kind: Bolt11ErrorKind; message: string }> = {
  unknown_even_feature_100: { kind: 'UnknownFeature', message: '9: unknown feature bit 100' },
  bad_bech32_checksum: { kind: 'BadChecksum', message: 'Bad bech32 string' },
  no_bech32_separator: { kind: 'InvalidBech32', message: 'Bad bech32 string' },
  mixed_case: { kind: 'InvalidBech32', message: 'Bad bech32 string' },
  signature_not_recoverable: { kind: 'InvalidSignature', message: 'signature recovery failed' },
  string_too_short: { kind: 'MissingPaymentHash', message: "No valid 'p' field found" },
  invalid_multiplier: { kind: 'InvalidAmount', message: "Invalid amount postfix 'x'" },
  sub_millisatoshi_precision: { kind: 'InvalidAmount', message: "Invalid sub-millisatoshi amount '2500000001p'" },
  missing_payment_secret: { kind: 'MissingPaymentSecret', message: 'Missing required payment secret (s field)' },
  // Its second `s` field is skipped (as CLN does); the high-S signature with `n` is the defect.
  high_s_with_n_field: { kind: 'InvalidSignature', message: 'invalid signature' },
};

describe('BOLT 11 official examples: invalid', () => {
  it('covers every invalid example', () => {
    expect(invalid.map((e) => e.name).sort()).toEqual(Object.keys(EXPECTED_FAILURE).sort());
  });

  it.each(invalid.map((e) => [e.name, e] as const))('%s is rejected with its reason', (name, e) => {
    const want = EXPECTED_FAILURE[name];
    let err: unknown;
    try {
      decodeBolt11(e.invoice);
    } catch (x) {
      err = x;
    }
    expect(err).toBeInstanceOf(Bolt11DecodeError);
    expect({ kind: (err as Bolt11DecodeError).kind, message: (err as Bolt11DecodeError).message }).toEqual(want);
  });

  it('high_s_with_n_field: the lenient reader rejects the high-S signature itself', () => {
    const e = V.examples.find((x) => x.name === 'high_s_with_n_field') as Example;
    expect(() => decodeBolt11(e.invoice, { policy: 'lenient' })).toThrow(
      expect.objectContaining({ kind: 'InvalidSignature', message: 'invalid signature' }),
    );
  });
});
