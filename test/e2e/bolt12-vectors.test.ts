/**
 * Every string of the BOLTs repo's bolt12 vectors (format-string-test.json, offers-test.json,
 * signature-test.json, kept verbatim in test/vectors/) decoded over the built daemon's socket, on mainnet
 * (the vectors' chain): the valid ones decode, the invalid ones are refused with -32602.
 */
import { describe, expect, it } from 'vitest';
import { loadVector } from '../helpers/vectors.js';
import { daemonBuilt, daemonForSuite } from '../helpers/daemon.js';

interface FormatVector {
  comment: string;
  valid: boolean;
  string: string;
}
interface OfferVector {
  description: string;
  valid: boolean;
  bolt12: string;
}
interface SignatureVector {
  comment: string;
  bolt12?: string;
  signature?: string;
}

const formats = loadVector<FormatVector[]>('format-string-test.json');
const offers = loadVector<OfferVector[]>('offers-test.json');
const signatures = loadVector<SignatureVector[]>('signature-test.json').filter((v) => v.bolt12 !== undefined);

describe.skipIf(!daemonBuilt())('BOLT 12 vectors decoded over the socket', () => {
  const s = daemonForSuite({ network: 'bitcoin' });
  const c = { call: (method: string, params: unknown) => s.client.call(method, params) };

  it('has every string of the three files', () => {
    expect([formats.length, offers.length, signatures.length]).toEqual([12, 53, 1]);
  });

  it.each(formats.map((v) => [`${v.valid ? 'valid' : 'invalid'}: ${v.comment}`, v] as const))('format-string %s', async (_n, v) => {
    const r = await c.call('decode', [v.string]);
    if (v.valid) {
      expect(r.error).toBeUndefined();
      expect(r.result).toMatchObject({ type: 'bolt12 offer', valid: true });
    } else {
      expect(r.error?.code).toBe(-32602);
      expect(r.error?.message).toMatch(/^string: .+: invalid token '.*'$/);
    }
  });

  it('decodes the +-joined and upper-case forms to the same offer as the plain one', async () => {
    const ids = new Set<string>();
    for (const v of formats.filter((x) => x.valid)) ids.add((await c.call('decode', [v.string])).result.offer_id);
    expect(ids.size).toBe(1);
  });

  // As CLN's decode: a string that does not parse is refused; one that parses but breaks a reader rule decodes
  // with `valid: false` and a `warning_*` field saying why.
  it.each(offers.map((v) => [`${v.valid ? 'valid' : 'invalid'}: ${v.description}`, v] as const))('offers-test %s', async (_n, v) => {
    const r = await c.call('decode', [v.bolt12]);
    if (v.valid && v.description !== 'for testnet') {
      expect(r.error).toBeUndefined();
      expect(r.result).toMatchObject({ type: 'bolt12 offer', valid: true });
    } else if (v.valid) {
      // Valid, but for another chain than this (mainnet) daemon's.
      expect(r.result).toMatchObject({ type: 'bolt12 offer', valid: false, warning_wrong_offer_chains: 'offer_chains: no supported chain' });
    } else if (r.error) {
      expect(r.error.code).toBe(-32602);
      expect(r.error.message).toMatch(/^string: .+: invalid token '.*'$/);
    } else {
      expect(r.result).toMatchObject({ type: 'bolt12 offer', valid: false });
      expect(Object.keys(r.result).some((k) => k.startsWith('warning_'))).toBe(true);
    }
  });

  it.each(signatures.map((v) => [v.comment, v] as const))('signature-test: %s', async (_n, v) => {
    const r = await c.call('decode', [v.bolt12!]);
    expect(r.error).toBeUndefined();
    expect(r.result).toMatchObject({ type: 'bolt12 invoice_request', valid: true, signature: v.signature });
  });
});
