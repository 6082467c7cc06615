/**
 * Fuzz: 100,000 deterministic mutations of valid bolt12 strings (offers, invoice_requests, invoices)
 * must either decode or throw a Bolt12ParseError — never another exception, never a hang.
 */
import { describe, expect, it } from 'vitest';
import { decodeBolt12Json } from '../../../src/offers/bolt12/decode-json.js';
import { Bolt12ParseError } from '../../../src/offers/bolt12/errors.js';
import { parseInvoice } from '../../../src/offers/bolt12/invoice.js';
import { parseInvoiceRequest } from '../../../src/offers/bolt12/invoice-request.js';
import { parseOffer } from '../../../src/offers/bolt12/offer.js';
import { loadVector } from '../../helpers/vectors.js';
import { prng } from '../../helpers/prng.js';

const CHARSET = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l';
const EXTRA = '+ 1bioQPZ\n';

function mutate(s: string, rnd: () => number): string {
  const n = 1 + Math.floor(rnd() * 3);
  let out = s;
  for (let k = 0; k < n; k++) {
    const i = Math.floor(rnd() * (out.length + 1));
    const c = rnd() < 0.9 ? CHARSET[Math.floor(rnd() * 32)]! : EXTRA[Math.floor(rnd() * EXTRA.length)]!;
    const op = rnd();
    if (op < 0.5) out = out.slice(0, i) + c + out.slice(i + 1);
    else if (op < 0.7) out = out.slice(0, i) + c + out.slice(i);
    else if (op < 0.9) out = out.slice(0, i) + out.slice(i + 1);
    else out = out.slice(0, i);
  }
  return out;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- vector JSON
const X = loadVector<any>('generated-bolt12-invoice-crosscheck.json');
const offerSeeds = loadVector<{ valid: boolean; bolt12: string }[]>('offers-test.json').map((v) => v.bolt12);
const signedSeeds = [
  X.invoice_request.string,
  X.invoice.string,
  loadVector<{ bolt12?: string }[]>('signature-test.json').find((v) => v.bolt12)!.bolt12!,
];

describe('fuzz: mutated bolt12 strings', () => {
  it('100,000 mutations give only typed errors', { timeout: 120_000 }, () => {
    const rnd = prng(0x12b0);
    let ok = 0;
    let typed = 0;
    const kinds = new Set<string>();
    for (let i = 0; i < 100_000; i++) {
      // Offers dominate (no signature to verify), signed messages are one case in eight.
      const seed = i % 8 === 0 ? signedSeeds[i % signedSeeds.length]! : offerSeeds[i % offerSeeds.length]!;
      const s = mutate(seed, rnd);
      try {
        decodeBolt12Json(s);
        const strict = s.toLowerCase().replace(/^(ln.)/, '$1');
        if (strict.startsWith('lno')) parseOffer(s);
        else if (strict.startsWith('lnr')) parseInvoiceRequest(s);
        else if (strict.startsWith('lni')) parseInvoice(s);
        ok++;
      } catch (e) {
        if (!(e instanceof Bolt12ParseError)) throw new Error(`untyped error for ${JSON.stringify(s)}: ${String(e)}`);
        expect(e.message).toMatch(/^[a-z0-9_]+: /);
        kinds.add(e.kind);
        typed++;
      }
    }
    expect(ok + typed).toBe(100_000);
    // The corpus reaches deep: wire errors and semantic errors alike.
    for (const k of ['InvalidString', 'Truncated', 'TypeOrder', 'UnknownEvenType', 'InvalidSignature', 'InvalidPoint']) expect(kinds).toContain(k);
  });
});
