import { describe, expect, it } from 'vitest';
import { loadVector } from '../helpers/vectors.js';
import { makeHarness } from './harness.js';
import { derSignature } from '../../src/rpc/format-bolt11.js';

interface Example {
  name: string;
  valid: boolean;
  invoice: string;
  amount_msat: number | null;
  timestamp: number;
  payment_hash: string;
  payment_secret: string | null;
  description: string | null;
  description_hash: string | null;
  description_hash_preimage?: string;
  expiry: number | null;
  min_final_cltv_expiry: number | null;
  metadata: string | null;
  fallbacks: { type: string; address: string }[];
  route_hints: Record<string, unknown>[][];
  features: number[];
  payee_node_id: string;
  signature: { rs: string };
  strict_reader_expected?: string;
  hrp: string;
}

const vec = loadVector<{ examples: Example[] }>('bolt11-examples.json');
const valid = vec.examples.filter((e) => e.valid && e.strict_reader_expected !== 'reject');
const invalid = vec.examples.filter((e) => !e.valid || e.strict_reader_expected === 'reject');

/** Feature bit numbers → CLN's minimal big-endian hex. */
function featureHex(bits: number[]): string {
  const top = Math.max(...bits);
  const bytes = new Uint8Array(Math.floor(top / 8) + 1);
  for (const b of bits) bytes[bytes.length - 1 - Math.floor(b / 8)]! |= 1 << b % 8;
  return Buffer.from(bytes).toString('hex');
}

describe('decode (BOLT11) against every official example', () => {
  it.each(valid.map((e) => [e.name, e] as const))('%s', async (_name, e) => {
    const { server } = makeHarness();
    const r = await server.call('decode', [e.invoice]);
    expect(r.error).toBeUndefined();
    const expected: Record<string, unknown> = {
      type: 'bolt11 invoice',
      valid: true,
      currency: e.hrp.slice(2).replace(/[0-9].*$/, ''),
      created_at: e.timestamp,
      expiry: e.expiry ?? 3600,
      payee: e.payee_node_id,
    };
    if (e.amount_msat !== null) expected['amount_msat'] = e.amount_msat;
    expected['payment_hash'] = e.payment_hash;
    expected['signature'] = Buffer.from(derSignature(Buffer.from(e.signature.rs, 'hex'))).toString('hex');
    if (e.description !== null) expected['description'] = e.description;
    if (e.description_hash !== null) expected['description_hash'] = e.description_hash;
    expected['min_final_cltv_expiry'] = e.min_final_cltv_expiry ?? 18;
    if (e.payment_secret !== null) expected['payment_secret'] = e.payment_secret;
    // CLN always shows `features`, empty when the invoice has no `9` field.
    expected['features'] = e.features.length ? featureHex(e.features) : '';
    if (e.metadata !== null) expected['payment_metadata'] = e.metadata;
    // Field by field, then the exact key order of CLN's decode.
    const got = r.result as Record<string, unknown>;
    for (const [k, v] of Object.entries(expected)) expect([k, got[k]]).toEqual([k, v]);
    if (e.fallbacks.length) {
      expect((got['fallbacks'] as { type: string; addr: string }[]).map((f) => [f.type, f.addr])).toEqual(
        e.fallbacks.map((f) => [f.type.toUpperCase(), f.address]),
      );
    }
    if (e.route_hints.length) expect(got['routes']).toEqual(e.route_hints);
    // common/bolt11_json.c's json_add_bolt11, then `valid` (plugins/offers.c's json_decode).
    const order = ['type', 'currency', 'created_at', 'expiry', 'payee', 'amount_msat', 'description', 'description_hash', 'min_final_cltv_expiry', 'payment_secret', 'features', 'payment_metadata', 'fallbacks', 'routes', 'extra', 'payment_hash', 'signature', 'valid'];
    const keys = Object.keys(got);
    expect(keys).toEqual(order.filter((k) => keys.includes(k)));
  });

  it.each(invalid.map((e) => [e.name, e] as const))('refuses %s with -32602 string: <reason>', async (_name, e) => {
    const { server } = makeHarness();
    const r = await server.call('decode', { string: e.invoice });
    expect(r.error?.code).toBe(-32602);
    expect(r.error?.message).toMatch(/^string: .+: invalid token '".*"'$/);
  });

  it('accepts a lightning: prefix in any case and upper-case invoices', async () => {
    const { server } = makeHarness();
    const inv = valid[0]!.invoice;
    const a = await server.call('decode', [`LIGHTNING:${inv.toUpperCase()}`]);
    expect(a.result.payment_hash).toBe(valid[0]!.payment_hash);
  });

  it('refuses strings that are not invoices', async () => {
    const { server } = makeHarness();
    expect((await server.call('decode', ['hello'])).error).toEqual({ code: -32602, message: "string: Unparsable string: invalid token '\"hello\"'" });
    expect((await server.call('decode', [5])).error?.message).toBe("string: should be a string: invalid token '5'");
  });
});

describe('DER signatures', () => {
  it('pads integers with the high bit set and strips leading zeros', () => {
    const cases = [new Uint8Array(64).fill(0x80), Uint8Array.from([...new Uint8Array(31), 1, ...new Uint8Array(31), 0x7f]), new Uint8Array(64).fill(0x11)];
    expect(Buffer.from(derSignature(cases[0]!)).toString('hex')).toBe('3046022100' + '80'.repeat(32) + '022100' + '80'.repeat(32));
    expect(Buffer.from(derSignature(cases[1]!)).toString('hex')).toBe('3006020101' + '02017f');
    expect(derSignature(cases[2]!)).toHaveLength(70);
  });
});

describe('decode (BOLT12)', () => {
  const offers = loadVector<Record<string, unknown>[] | { vectors?: unknown }>('offers-test.json');
  it('decodes an official offer string through the offers codec', async () => {
    const list = (Array.isArray(offers) ? offers : []) as { description?: string; valid?: boolean; bolt12?: string; string?: string }[];
    const ok = list.find((v) => v.valid !== false && typeof (v.bolt12 ?? v.string) === 'string' && (v.bolt12 ?? v.string)!.startsWith('lno'));
    expect(ok).toBeDefined();
    const { server } = makeHarness({ context: { network: 'bitcoin' } });
    const r = await server.call('decode', [(ok!.bolt12 ?? ok!.string)!]);
    expect(r.error).toBeUndefined();
    expect(r.result.type).toBe('bolt12 offer');
    expect(typeof r.result.offer_id).toBe('string');
  });
  it('refuses a broken bolt12 string with -32602', async () => {
    const { server } = makeHarness();
    const r = await server.call('decode', ['lno1qqqq!!']);
    expect(r.error?.code).toBe(-32602);
    expect(r.error?.message).toMatch(/^string: .+: invalid token '"lno1qqqq!!"'$/);
  });
  it('uses the daemon-provided offers decoder when there is one', async () => {
    const { server } = makeHarness({ context: { offers: { decode: (s) => ({ type: 'bolt12 offer', seen: s }) } } });
    expect((await server.call('decode', ['LIGHTNING:LNO1ABC'])).result).toEqual({ type: 'bolt12 offer', seen: 'lno1abc' });
  });
});

describe('decodepay', () => {
  it('returns the bolt11 fields without type/valid; -1 Invalid bolt11 on failure', async () => {
    const { server } = makeHarness();
    const e = valid.find((x) => x.description_hash !== null && x.description_hash_preimage)!;
    const r = await server.call('decodepay', [e.invoice, e.description_hash_preimage]);
    expect(r.result).not.toHaveProperty('type');
    expect(r.result.description_hash).toBe(e.description_hash);
    expect((await server.call('decodepay', [e.invoice, 'something else'])).error).toEqual({
      code: -1,
      message: 'Invalid bolt11: h: does not match description',
    });
    const bad = await server.call('decodepay', [invalid[0]!.invoice]);
    expect(bad.error?.code).toBe(-1);
    expect(bad.error?.message).toMatch(/^Invalid bolt11: /);
  });
});
