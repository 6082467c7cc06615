/**
 * Fuzzing `decodeBolt11` with 100,000 deterministic mutations of valid and invalid invoices.
 *
 * Two kinds of mutation: on the string (flipped, inserted, deleted characters, truncations, spliced pieces),
 * which mostly exercise the bech32 layer, and on the 5-bit words with the checksum recomputed, which get past
 * the checksum and exercise the field parser and the signature checks. Whatever the input, `decodeBolt11`
 * must return or throw a `Bolt11DecodeError`, quickly, under either policy; and whatever it accepts must
 * re-encode to the same string from the decoded fields (so nothing it accepts is read differently from what
 * was signed).
 */
import { describe, expect, it } from 'vitest';
import { performance } from 'node:perf_hooks';
import { nodeKeysFromSeed } from '../../../src/crypto/node-keys.js';
import { Bolt11DecodeError, decodeBolt11, encodeBolt11, featuresOf, type DecodedBolt11 } from '../../../src/invoice/bolt11/index.js';
import { CHARSET, encodeBech32, wordOf } from '../../../src/invoice/bolt11/words.js';
import { msat } from '../../../src/util/msat.js';
import { loadVector } from '../../helpers/vectors.js';
import { prng } from '../../helpers/prng.js';

const ITERATIONS = 100_000;
const SEED = 0x5eed_b011;

function corpus(): string[] {
  const v = loadVector<{ examples: { invoice: string }[] }>('bolt11-examples.json');
  const keys = nodeKeysFromSeed(new Uint8Array(32).fill(1));
  const sign = (d: Uint8Array) => keys.signEcdsa(d);
  const base = {
    network: 'regtest' as const,
    timestamp: 1_700_000_000,
    payment_hash: new Uint8Array(32).fill(7),
    payment_secret: new Uint8Array(32).fill(8),
    min_final_cltv_expiry: 10,
    features: featuresOf([8, 14, 17, 48]),
  };
  const own = [
    encodeBolt11({ ...base, amount_msat: msat(123_456_789n), description: 'with n', payee: keys.nodeId, expiry: 60 }, sign),
    encodeBolt11(
      {
        ...base,
        description_hash: new Uint8Array(32).fill(9),
        payment_metadata: Uint8Array.of(1, 2, 3),
        fallbacks: [
          { version: 0, program: new Uint8Array(32).fill(1) },
          { version: 18, program: new Uint8Array(20).fill(2) },
        ],
        routes: [[{ pubkey: keys.nodeId, short_channel_id: '1x2x3', fee_base_msat: 1, fee_proportional_millionths: 2, cltv_expiry_delta: 3 }]],
        extra: [{ tag: 'v', data: 'qpzry' }],
      },
      sign,
    ),
    encodeBolt11({ ...base, network: 'signet', description: 'x'.repeat(639) }, sign),
  ];
  return [...v.examples.map((e) => e.invoice), ...own];
}

const ALPHABET = CHARSET + CHARSET.toUpperCase() + '1lnbctsrmup0123456789:-_ é\u0000\u{1F600}';

function stringMutation(s: string, rnd: () => number): string {
  const at = Math.floor(rnd() * (s.length + 1));
  const ch = () => [...ALPHABET][Math.floor(rnd() * [...ALPHABET].length)] as string;
  switch (Math.floor(rnd() * 6)) {
    case 0:
      return s.slice(0, at) + ch() + s.slice(at + 1); // flip
    case 1:
      return s.slice(0, at) + ch() + s.slice(at); // insert
    case 2:
      return s.slice(0, at) + s.slice(at + 1); // delete
    case 3:
      return s.slice(0, at); // truncate
    case 4: {
      const from = Math.floor(rnd() * s.length);
      return s.slice(0, at) + s.slice(from, from + Math.floor(rnd() * 60)) + s.slice(at); // splice a piece in
    }
    default:
      return rnd() < 0.5 ? s.toUpperCase() : 'LIGHTNING:' + s;
  }
}

/** Mutates the words (data part) or the hrp, then recomputes the checksum so the parser sees the result. */
function wordMutation(s: string, rnd: () => number): string {
  const lower = s.toLowerCase();
  const sep = lower.lastIndexOf('1');
  let hrp = lower.slice(0, sep);
  const words = [...lower.slice(sep + 1, -6)].map((c) => wordOf(c.charCodeAt(0))).filter((w) => w >= 0);
  const n = 1 + Math.floor(rnd() * 3);
  for (let k = 0; k < n; k++) {
    const at = Math.floor(rnd() * (words.length + 1));
    const w = Math.floor(rnd() * 32);
    switch (Math.floor(rnd() * 7)) {
      case 0:
        words[at] = w;
        break;
      case 1:
        words.splice(at, 0, w);
        break;
      case 2:
        words.splice(at, 1);
        break;
      case 3:
        words.length = Math.min(words.length, at);
        break;
      case 4:
        // A tagged field's length words (in the first fields, where tags are).
        words[7 + 1 + Math.floor(rnd() * 60)] = w;
        break;
      case 5: {
        const from = Math.floor(rnd() * words.length);
        words.splice(at, 0, ...words.slice(from, from + Math.floor(rnd() * 120)));
        break;
      }
      default: {
        const hat = 2 + Math.floor(rnd() * (hrp.length - 1));
        const c = '0123456789munpxbctrs'[Math.floor(rnd() * 20)] as string;
        hrp = hrp.slice(0, hat) + c + hrp.slice(hat + (rnd() < 0.5 ? 1 : 0));
      }
    }
  }
  return encodeBech32(hrp, words.map((x) => (x === undefined ? 0 : x & 31)));
}

/**
 * What a decoded invoice must satisfy: its fields re-encode, with its own signature, to the input's data part.
 * The hrp may differ only in how the amount is spelled (a reader accepts `0250u` or `250000n` for `250u`).
 */
function checkAccepted(input: string, d: DecodedBolt11): void {
  expect(d.payment_hash.length).toBe(32);
  expect(d.payee.length).toBe(33);
  if (d.payee_from_n) return; // with `n` the recovery id is not checked, so a replay may not recover to `n`
  const replay = () => ({ signature: d.signature, recoveryId: d.recovery_id });
  let canonical = input.toLowerCase();
  if (canonical.startsWith('lightning:')) canonical = canonical.slice(10);
  const again = encodeBolt11(d, replay, { fieldOrder: d.field_order });
  const dataOf = (x: string) => x.slice(x.lastIndexOf('1'), -6);
  expect(dataOf(again)).toBe(dataOf(canonical));
  if (again.slice(0, again.lastIndexOf('1')) !== d.hrp) {
    expect(decodeBolt11(again, { policy: 'lenient' }).amount_msat).toBe(d.amount_msat);
  }
  else expect(again).toBe(canonical);
}

describe('decodeBolt11 under fuzzing', () => {
  it(`throws nothing but Bolt11DecodeError on ${ITERATIONS.toLocaleString('en-US')} mutated invoices, and never hangs`, () => {
    const rnd = prng(SEED);
    const seeds = corpus();
    const kinds = new Map<string, number>();
    const unexpected: string[] = [];
    let accepted = 0;
    let slowest = 0;
    const t0 = performance.now();
    for (let i = 0; i < ITERATIONS; i++) {
      const base = seeds[Math.floor(rnd() * seeds.length)] as string;
      let s = rnd() < 0.5 ? stringMutation(base, rnd) : wordMutation(base, rnd);
      if (rnd() < 0.2) s = stringMutation(s, rnd);
      const policy = rnd() < 0.2 ? 'lenient' : 'strict';
      const t = performance.now();
      try {
        const d = decodeBolt11(s, { policy });
        accepted++;
        checkAccepted(s, d);
      } catch (e) {
        if (e instanceof Bolt11DecodeError) kinds.set(e.kind, (kinds.get(e.kind) ?? 0) + 1);
        else if (unexpected.length < 5) unexpected.push(`${String(e)} ← ${JSON.stringify(s)}`);
      }
      slowest = Math.max(slowest, performance.now() - t);
    }
    const elapsed = performance.now() - t0;
    expect(unexpected).toEqual([]);
    // Every rejection path is reached, and some mutations survive (e.g. a changed description re-signs nothing
    // but still recovers some key).
    expect([...kinds.keys()].sort()).toEqual(
      [
        'BadChecksum',
        'DuplicateField',
        'InvalidAmount',
        'InvalidBech32',
        'InvalidDescription',
        'InvalidField',
        'InvalidFieldLength',
        'InvalidSignature',
        'MissingPaymentHash',
        'MissingPaymentSecret',
        'NonMinimal',
        'Truncated',
        'UnknownFeature',
        'UnknownPrefix',
      ].sort(),
    );
    expect(accepted).toBeGreaterThan(0);
    expect(slowest).toBeLessThan(1000); // generous: the CPU is shared; a hang or a blow-up is far slower
    console.log(
      `bolt11 fuzz: ${ITERATIONS} inputs in ${(elapsed / 1000).toFixed(1)} s, ${accepted} accepted, slowest ${slowest.toFixed(1)} ms,`,
      Object.fromEntries(kinds),
    );
  }, 120_000);
});
