/**
 * BOLT 11 codec behaviour beyond the official examples: the writer's choices (CLN order, shortest amounts,
 * omitted `x`), and one test per reader rule, each breaking exactly one thing in an otherwise valid invoice.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CURVE_ORDER, secp256k1 } from '../../../src/crypto/secp256k1.js';
import { nodeKeysFromSeed } from '../../../src/crypto/node-keys.js';
import {
  Bolt11DecodeError,
  Bolt11EncodeError,
  decodeBolt11,
  encodeBolt11,
  fallbackToAddress,
  featuresOf,
  type Bolt11ErrorKind,
  type Bolt11Fields,
} from '../../../src/invoice/bolt11/index.js';
import { signAndEncode } from '../../../src/invoice/bolt11/encode.js';
import { bytesToWords, encodeBech32, uintToFixedWords, wordOf } from '../../../src/invoice/bolt11/words.js';
import { bigIntToBytes, bytesToBigInt, concatBytes } from '../../../src/util/bytes.js';
import { fromHex, toHex } from '../../../src/util/hex.js';
import { MAX_MSAT, msat } from '../../../src/util/msat.js';

const keys = nodeKeysFromSeed(new Uint8Array(32).fill(1));
const sign = (d: Uint8Array) => keys.signEcdsa(d);
const HASH = new Uint8Array(32).fill(0xaa);
const SECRET = new Uint8Array(32).fill(0x11);

function base(over: Partial<Bolt11Fields> = {}): Bolt11Fields {
  return {
    network: 'bitcoin',
    timestamp: 1_700_000_000,
    payment_hash: HASH,
    payment_secret: SECRET,
    description: 'coffee',
    min_final_cltv_expiry: 18,
    features: featuresOf([8, 14, 16]),
    ...over,
  };
}

/** An invoice with raw fields: `[tag, words]` pairs written in order (no checks), signed with the fixture key. */
function raw(hrp: string, fields: [string, number[]][], timestamp = 1_700_000_000): string {
  const data = uintToFixedWords(timestamp, 7);
  for (const [tag, w] of fields) data.push(wordOf(tag.charCodeAt(0)), w.length >> 5, w.length & 31, ...w);
  return signAndEncode(hrp, data, sign);
}
const P: [string, number[]] = ['p', bytesToWords(HASH)];
const S: [string, number[]] = ['s', bytesToWords(SECRET)];
const D: [string, number[]] = ['d', bytesToWords(new TextEncoder().encode('coffee'))];

function failure(s: string, opts?: Parameters<typeof decodeBolt11>[1]): { kind: Bolt11ErrorKind; message: string } {
  try {
    decodeBolt11(s, opts);
  } catch (e) {
    expect(e).toBeInstanceOf(Bolt11DecodeError);
    return { kind: (e as Bolt11DecodeError).kind, message: (e as Bolt11DecodeError).message };
  }
  throw new Error('decoded, but should have failed');
}

describe('purity', () => {
  it('the codec files import no database, logger or socket, and read no clock', () => {
    const dir = new URL('../../../src/invoice/bolt11/', import.meta.url);
    const files = readdirSync(dir).filter((f) => f.endsWith('.ts'));
    expect(files.length).toBeGreaterThanOrEqual(6);
    for (const f of [...files.map((x) => new URL(x, dir)), new URL('../../../src/util/address.ts', import.meta.url)]) {
      const src = readFileSync(f, 'utf8');
      expect(src).not.toMatch(/from '(kysely|pino|pg|better-sqlite3|node:net|node:fs)'/);
      expect(src).not.toMatch(/Date\.now|new Date\(|Math\.random/);
    }
  });
});

describe('writer', () => {
  it("uses Core Lightning's field order and decodes back", () => {
    const s = encodeBolt11(
      base({
        payment_metadata: Uint8Array.of(1, 2),
        payee: keys.nodeId,
        expiry: 60,
        fallbacks: [
          { version: 0, program: new Uint8Array(20).fill(3) },
          { version: 17, program: new Uint8Array(20).fill(4) },
        ],
        routes: [
          [{ pubkey: keys.nodeId, short_channel_id: '700000x1x0', fee_base_msat: 1, fee_proportional_millionths: 2, cltv_expiry_delta: 3 }],
        ],
        extra: [{ tag: 'v', data: 'qqpq' }],
      }),
      sign,
    );
    const d = decodeBolt11(s);
    expect(d.field_order).toEqual(['s', 'p', 'd', 'm', 'n', 'x', 'c', 'f', 'f', 'r', '9', 'extra']);
    expect(d.payee_from_n).toBe(true);
    expect(toHex(d.payee)).toBe(toHex(keys.nodeId));
    expect(d.expiry).toBe(60);
    expect(d.extra).toEqual([{ tag: 'v', data: 'qqpq' }]);
    expect(d.routes?.[0]?.[0]?.short_channel_id).toBe('700000x1x0');
  });

  it('omits x when expiry is 3600 or undefined, writes it otherwise; decode reports 3600 by default', () => {
    for (const expiry of [3600, undefined]) {
      const d = decodeBolt11(encodeBolt11(base(expiry === undefined ? {} : { expiry }), sign));
      expect(d.field_order).not.toContain('x');
      expect(d.expiry).toBe(3600);
    }
    const d = decodeBolt11(encodeBolt11(base({ expiry: 604800 }), sign));
    expect(d.field_order).toContain('x');
    expect(d.expiry).toBe(604800);
    expect(decodeBolt11(encodeBolt11(base({ expiry: 0 }), sign)).expiry).toBe(0);
  });

  it('omits c when undefined (the reader then assumes 18), and 9 when no bit is set', () => {
    const d = decodeBolt11(encodeBolt11(base({ min_final_cltv_expiry: undefined, features: new Uint8Array(2) }), sign));
    expect(d.field_order).toEqual(['s', 'p', 'd']);
    expect(d.min_final_cltv_expiry).toBe(18);
    expect(d.features).toBeUndefined();
  });

  it.each([
    [1n, 'lnbc10p'],
    [100n, 'lnbc1n'],
    [101n, 'lnbc1010p'],
    [250_000_000n, 'lnbc2500u'],
    [2_000_000_000n, 'lnbc20m'],
    [100_000_000_000n, 'lnbc1'],
    [2_100_000_000_000_000_000n, 'lnbc21000000'],
    [MAX_MSAT, 'lnbc184467440737095516150p'],
  ])('writes %s msat in the shortest form %s, and reads it back exactly', (amount, hrp) => {
    const s = encodeBolt11(base({ amount_msat: msat(amount) }), sign);
    expect(s.startsWith(hrp + '1')).toBe(true);
    expect(decodeBolt11(s).amount_msat).toBe(amount);
  });

  it.each([
    ['payment_secret', base({ payment_secret: undefined }), 'payment_secret: is required'],
    ['both d and h', base({ description_hash: HASH }), 'description: exactly one of description and description_hash is required'],
    ['neither d nor h', base({ description: undefined }), 'description: exactly one of description and description_hash is required'],
    ['640-byte description', base({ description: 'x'.repeat(640) }), 'description: 640 bytes exceed 639'],
    ['unsafe expiry', base({ expiry: 2 ** 53 }), 'expiry: 9007199254740992 is not a non-negative safe integer'],
    ['fractional expiry', base({ expiry: 1.5 }), 'expiry: 1.5 is not a non-negative safe integer'],
    ['zero amount', base({ amount_msat: msat(0n) }), 'amount_msat: must be a positive u64 bigint'],
    ['short hash', base({ payment_hash: new Uint8Array(31) }), 'payment_hash: must be 32 bytes'],
    ['payee not the signer', base({ payee: secp256k1.getPublicKey(new Uint8Array(32).fill(2)) }), 'payee: is not the signing key'],
    ['bad scid', base({ routes: [[{ pubkey: keys.nodeId, short_channel_id: '1x2', fee_base_msat: 0, fee_proportional_millionths: 0, cltv_expiry_delta: 0 }]] }), "routes: short_channel_id '1x2' is not BLOCKxTXxOUTPUT"],
    ['v0 program of 25 bytes', base({ fallbacks: [{ version: 0, program: new Uint8Array(25) }] }), 'fallbacks: version 0 with a program of 25 bytes'],
    ['timestamp over 35 bits', base({ timestamp: 2 ** 35 }), 'timestamp: 34359738368 does not fit 35 bits'],
  ])('refuses %s', (_name, fields, message) => {
    let err: unknown;
    try {
      encodeBolt11(fields, sign);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(Bolt11EncodeError);
    expect((err as Bolt11EncodeError).message).toBe(message);
    expect((err as Bolt11EncodeError).field).toBe(message.slice(0, message.indexOf(':')));
  });

  it('accepts exactly 639 bytes of description and makes an invoice longer than 1023 characters', () => {
    const long = base({
      description: 'é'.repeat(319) + 'x',
      routes: Array.from({ length: 3 }, () =>
        Array.from({ length: 12 }, (_, i) => ({ pubkey: keys.nodeId, short_channel_id: `1x${i}x0`, fee_base_msat: i, fee_proportional_millionths: 0, cltv_expiry_delta: 40 })),
      ),
    });
    const s = encodeBolt11(long, sign);
    expect(s.length).toBeGreaterThan(1023 * 3);
    const d = decodeBolt11(s);
    expect(d.description).toBe(long.description);
    expect(d.routes?.map((r) => r.length)).toEqual([12, 12, 12]);
  });
});

describe('reader: what it accepts', () => {
  const good = encodeBolt11(base({ amount_msat: msat(250_000_000n) }), sign);

  it('accepts upper case and a lightning: prefix in any case', () => {
    const want = decodeBolt11(good);
    for (const s of ['lightning:' + good, 'LIGHTNING:' + good.toUpperCase(), 'LiGhTnInG:' + good, good.toUpperCase()]) {
      expect(decodeBolt11(s)).toEqual(want);
    }
  });

  it('accepts a non-shortest multiplier', () => {
    expect(decodeBolt11(raw('lnbc250000n', [S, P, D])).amount_msat).toBe(25_000_000n);
    expect(decodeBolt11(raw('lnbc1000u', [S, P, D])).amount_msat).toBe(100_000_000n);
  });

  it('reads the currencies of every network', () => {
    expect(decodeBolt11(raw('lntb', [S, P, D])).network).toBe('testnet');
    expect(decodeBolt11(raw('lntbs10u', [S, P, D])).network).toBe('signet');
    expect(decodeBolt11(raw('lnbcrt1m', [S, P, D])).network).toBe('regtest');
  });

  it('ignores unknown odd feature bits and keeps unknown tags and unknown fallback versions in extra', () => {
    const d = decodeBolt11(raw('lnbc', [S, P, D, ['9', featuresWords([8, 14, 99])], ['v', [1, 2, 3]], ['f', [19, 0, 0]]]));
    expect(d.extra).toEqual([
      { tag: 'v', data: 'pzr' },
      { tag: 'f', data: 'nqq' },
    ]);
    expect(d.fallbacks).toBeUndefined();
  });

  it('keeps a leading byte-order mark in the description: it is part of the signed bytes', () => {
    const s = encodeBolt11(base({ description: '\uFEFFcoffee' }), sign);
    expect(decodeBolt11(s).description).toBe('\uFEFFcoffee');
  });

  it('accepts a high-S signature when the payee is recovered', () => {
    const s = encodeBolt11(base(), (dg) => flipS(sign(dg)));
    const d = decodeBolt11(s);
    expect(bytesToBigInt(d.signature.subarray(32))).toBeGreaterThan(CURVE_ORDER >> 1n);
    expect(toHex(d.payee)).toBe(toHex(keys.nodeId));
  });

  it('shows fallbacks as CLN does', () => {
    const p2tr = { version: 1, program: fromHex('0adac43daa9c8a5a68e09ea10692b82226ee190e572db9b90e17a410484ab405') };
    expect(fallbackToAddress(p2tr, 'bitcoin')).toEqual({
      type: 'P2TR',
      addr: 'bc1pptdvg0d2nj99568qn6ssdy4cygnwuxgw2ukmnwgwz7jpqjz2kszse2s3lm',
      hex: '51200adac43daa9c8a5a68e09ea10692b82226ee190e572db9b90e17a410484ab405',
    });
    expect(fallbackToAddress({ version: 17, program: fromHex('3172b5654f6683c8fb146959d347ce303cae4ca7') }, 'testnet')).toEqual({
      type: 'P2PKH',
      addr: 'mk2QpYatsKicvFVuTAQLBryyccRXMUaGHP',
      hex: '76a9143172b5654f6683c8fb146959d347ce303cae4ca788ac',
    });
    expect(fallbackToAddress({ version: 2, program: Uint8Array.of(1, 2) }, 'regtest')).toEqual({
      addr: 'bcrt1zqypqgf9gcp', // computed with an independent BIP-350 script
      hex: '52020102',
    });
    // Key order too: the RPC writes keys as inserted, and CLN writes type, addr, hex.
    expect(Object.keys(fallbackToAddress(p2tr, 'bitcoin'))).toEqual(['type', 'addr', 'hex']);
  });
});

/** A signature with s replaced by n - s (the same signature, high-S), recovery id flipped to keep the key. */
function flipS(sig: { signature: Uint8Array; recoveryId: number }): { signature: Uint8Array; recoveryId: number } {
  const s = bytesToBigInt(sig.signature.subarray(32));
  return { signature: concatBytes(sig.signature.subarray(0, 32), bigIntToBytes(CURVE_ORDER - s, 32)), recoveryId: sig.recoveryId ^ 1 };
}

/** Minimal `9` words with `bits` set, computed independently of the codec (as one big number). */
function featuresWords(bits: number[]): number[] {
  let v = 0n;
  for (const b of bits) v |= 1n << BigInt(b);
  const out: number[] = [];
  while (v > 0n) {
    out.unshift(Number(v & 31n));
    v >>= 5n;
  }
  return out;
}

describe('reader: one broken thing each', () => {
  const cases: [string, string, Bolt11ErrorKind, string][] = [
    ['p of 51 words', raw('lnbc', [S, ['p', bytesToWords(HASH).slice(0, 51)], D]), 'InvalidFieldLength', 'p: data_length 51, expected 52'],
    ['h of 53 words', raw('lnbc', [S, P, ['h', [...bytesToWords(HASH), 0]]]), 'InvalidFieldLength', 'h: data_length 53, expected 52'],
    ['s of 51 words', raw('lnbc', [['s', bytesToWords(SECRET).slice(0, 51)], P, D]), 'InvalidFieldLength', 's: data_length 51, expected 52'],
    ['n of 52 words', raw('lnbc', [S, P, D, ['n', bytesToWords(keys.nodeId).slice(0, 52)]]), 'InvalidFieldLength', 'n: data_length 52, expected 53'],
    ['a second p', raw('lnbc', [S, P, D, P]), 'DuplicateField', 'p: duplicate field'],
    ['no p', raw('lnbc', [S, D]), 'MissingPaymentHash', "No valid 'p' field found"],
    ['no s', raw('lnbc', [P, D]), 'MissingPaymentSecret', 'Missing required payment secret (s field)'],
    ['neither d nor h', raw('lnbc', [S, P]), 'InvalidDescription', "must have either 'd' or 'h' field"],
    ['both d and h', raw('lnbc', [S, P, D, ['h', bytesToWords(HASH)]]), 'InvalidDescription', "must have either 'd' or 'h' field, not both"],
    ['non-minimal x', raw('lnbc', [S, P, D, ['x', [0, 1, 28]]]), 'NonMinimal', 'x: not a minimal value'],
    ['non-minimal c', raw('lnbc', [S, P, D, ['c', [0, 18]]]), 'NonMinimal', 'c: not a minimal value'],
    ['non-minimal 9', raw('lnbc', [S, P, D, ['9', [0, ...featuresWords([8, 14])]]]), 'NonMinimal', '9: non-minimal length (begins with 0)'],
    ['an empty 9', raw('lnbc', [S, P, D, ['9', []]]), 'NonMinimal', '9: non-minimal length (begins with 0)'],
    ['unknown even feature', raw('lnbc', [S, P, D, ['9', featuresWords([8, 14, 100])]]), 'UnknownFeature', '9: unknown feature bit 100'],
    ['x above 2^53 (12 words)', raw('lnbc', [S, P, D, ['x', [1, ...new Array<number>(11).fill(0)]]]), 'InvalidField', 'x: integer too large'],
    ['x above 2^53 (11 words)', raw('lnbc', [S, P, D, ['x', [8, ...new Array<number>(10).fill(0)]]]), 'InvalidField', 'x: integer too large'],
    ['c above u32', raw('lnbc', [S, P, D, ['c', [4, 0, 0, 0, 0, 0, 0]]]), 'InvalidField', 'c: 4294967296 is too large'],
    ['invalid utf8 in d', raw('lnbc', [S, P, ['d', bytesToWords(Uint8Array.of(0x63, 0xff))]]), 'InvalidField', 'd: invalid utf8'],
    ['non-zero padding in p', raw('lnbc', [S, ['p', [...bytesToWords(HASH).slice(0, 51), 1]], D]), 'InvalidField', 'non-zero trailing bits'],
    ['an invalid n point', raw('lnbc', [S, P, D, ['n', bytesToWords(new Uint8Array(33).fill(5))]]), 'InvalidField', 'invalid public key 050505050505050505050505050505050505050505050505050505050505050505'],
    ['a truncated route hop', raw('lnbc', [S, P, D, ['r', bytesToWords(new Uint8Array(50))]]), 'InvalidField', 'r: hop 0 truncated'],
    ['a route hop with a bad pubkey', raw('lnbc', [S, P, D, ['r', bytesToWords(new Uint8Array(51))]]), 'InvalidField', 'r: hop 0 pubkey invalid'],
    ['an empty f', raw('lnbc', [S, P, D, ['f', []]]), 'InvalidField', 'f: truncated'],
    ['a P2PKH fallback of 19 bytes', raw('lnbc', [S, P, D, ['f', [17, ...bytesToWords(new Uint8Array(19))]]]), 'InvalidField', 'f: pkhash length 19'],
    ['an unknown currency', raw('lnxy', [S, P, D]), 'UnknownPrefix', 'Unknown chain xy'],
    ['not ln', raw('lxbc', [S, P, D]), 'UnknownPrefix', "Prefix 'lxbc' does not start with ln"],
    ['a zero amount', raw('lnbc0m', [S, P, D]), 'InvalidAmount', "Invalid amount '0'"],
    ['a multiplier without digits', raw('lnbcm', [S, P, D]), 'UnknownPrefix', 'Unknown chain bcm'],
    ['a non-digit in the amount', raw('lnbc1a0u', [S, P, D]), 'InvalidAmount', "Invalid amount postfix 'a0'"],
    ['an amount above u64', raw('lnbc184467440737095516160p', [S, P, D]), 'InvalidAmount', "Invalid amount '184467440737095516160'"],
  ];
  it.each(cases)('rejects %s', (_name, s, kind, message) => {
    expect(failure(s)).toEqual({ kind, message });
  });

  it('reads a second d as CLN does: the first wins, the second is kept in extra', () => {
    const other: [string, number[]] = ['d', bytesToWords(new TextEncoder().encode('second'))];
    const d = decodeBolt11(raw('lnbc', [S, P, D, other]));
    expect(d.description).toBe(decodeBolt11(raw('lnbc', [S, P, D])).description);
    expect(d.extra).toEqual([{ tag: 'd', data: other[1].map((w) => 'qpzry9x8gf2tvdw0s3jn54khce6mua7l'[w]).join('') }]);
  });

  it('reads an x or c of 0 as CLN writes it, one zero word; refuses an empty one, which common decoders cannot read', () => {
    expect(decodeBolt11(raw('lnbc', [S, P, D, ['x', [0]], ['c', [0]]]))).toMatchObject({ expiry: 0, min_final_cltv_expiry: 0 });
    expect(failure(raw('lnbc', [S, P, D, ['x', []]]))).toEqual({ kind: 'InvalidField', message: 'x: zero length' });
    expect(failure(raw('lnbc', [S, P, D, ['c', []]]))).toEqual({ kind: 'InvalidField', message: 'c: zero length' });
  });

  it('writes an expiry or cltv of 0 as one zero word, never as an empty field', () => {
    const s = encodeBolt11(base({ expiry: 0, min_final_cltv_expiry: 0 }), sign);
    const d = decodeBolt11(s);
    expect(d).toMatchObject({ expiry: 0, min_final_cltv_expiry: 0 });
    const words = [...s.slice(s.lastIndexOf('1') + 1, -6)].map((c) => wordOf(c.charCodeAt(0)));
    for (const tag of ['x', 'c']) {
      const at = d.field_order.indexOf(tag);
      expect(at).toBeGreaterThanOrEqual(0);
    }
    // Walk the fields: x and c each have data_length 1 holding the word 0.
    const seen: Record<string, number[]> = {};
    for (let pos = 7; pos < words.length - 104; ) {
      const tag = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l'[words[pos]!]!;
      const len = (words[pos + 1]! << 5) | words[pos + 2]!;
      seen[tag] = words.slice(pos + 3, pos + 3 + len);
      pos += 3 + len;
    }
    expect(seen['x']).toEqual([0]);
    expect(seen['c']).toEqual([0]);
  });

  it('rejects a field whose data_length runs into the signature (CLN: the signature is then short)', () => {
    const data = [...uintToFixedWords(1, 7), ...[S, P, D].flatMap(([t, w]) => [wordOf(t.charCodeAt(0)), w.length >> 5, w.length & 31, ...w])];
    data.push(wordOf('m'.charCodeAt(0)), 0, 20); // claims 20 words, but only the 104 signature words follow
    const s = encodeBech32('lnbc', [...data, ...new Array<number>(104).fill(0)]);
    expect(failure(s)).toEqual({ kind: 'Truncated', message: "can't read signature: truncated" });
  });

  it('rejects a high-S signature when an n field is present, and accepts its low-S twin', () => {
    const f = base({ payee: keys.nodeId });
    expect(decodeBolt11(encodeBolt11(f, sign)).payee_from_n).toBe(true);
    const high = encodeBolt11(f, (dg) => flipS(sign(dg)));
    expect(failure(high)).toEqual({ kind: 'InvalidSignature', message: 'invalid signature' });
  });

  it('rejects a signature that does not match n', () => {
    const other = nodeKeysFromSeed(new Uint8Array(32).fill(2));
    const data = uintToFixedWords(1_700_000_000, 7);
    for (const [t, w] of [S, P, D, ['n', bytesToWords(other.nodeId)]] as [string, number[]][]) {
      data.push(wordOf(t.charCodeAt(0)), w.length >> 5, w.length & 31, ...w);
    }
    expect(failure(signAndEncode('lnbc', data, sign))).toEqual({ kind: 'InvalidSignature', message: 'invalid signature' });
  });

  it('rejects a recovery id above 3 and r or s out of range', () => {
    const s = encodeBolt11(base(), sign);
    const words = [...s.slice(s.lastIndexOf('1') + 1, -6)].map((c) => wordOf(c.charCodeAt(0)));
    const sig = concatBytes(new Uint8Array(64).fill(0xff), Uint8Array.of(0));
    const withSig = (sigBytes: Uint8Array) => encodeBech32('lnbc', [...words.slice(0, -104), ...bytesToWords(sigBytes)]);
    expect(failure(withSig(sig))).toEqual({ kind: 'InvalidSignature', message: 'signature invalid' });
    const good = decodeBolt11(s);
    expect(failure(withSig(concatBytes(good.signature, Uint8Array.of(4))))).toEqual({
      kind: 'InvalidSignature',
      message: 'invalid recovery ID: 4',
    });
  });

  it("rejects every bech32 problem as CLN does: 'Bad bech32 string'", () => {
    const s = encodeBolt11(base(), sign);
    const words = [...s.slice(5, -6)].map((c) => wordOf(c.charCodeAt(0)));
    // The same data under a bech32m checksum.
    const bech32m = s.slice(0, -6) + bech32mChecksum('lnbc', words);
    expect(failure(bech32m)).toEqual({ kind: 'BadChecksum', message: 'Bad bech32 string' });
    expect(failure(s.slice(0, 20) + 'b' + s.slice(21))).toEqual({ kind: 'InvalidBech32', message: 'Bad bech32 string' });
    expect(failure(s.slice(0, 20) + ' ' + s.slice(21))).toEqual({ kind: 'InvalidBech32', message: 'Bad bech32 string' });
    expect(failure('1qqqqqqqq')).toEqual({ kind: 'InvalidBech32', message: 'Bad bech32 string' });
    expect(failure('lnbc1qqqqq')).toEqual({ kind: 'InvalidBech32', message: 'Bad bech32 string' });
    expect(failure('')).toEqual({ kind: 'InvalidBech32', message: 'Bad bech32 string' });
  });

  it('checks h against the description it is given', () => {
    const text = 'One piece of chocolate cake';
    const s = encodeBolt11(base({ description: undefined, description_hash: sha256(new TextEncoder().encode(text)) }), sign);
    expect(decodeBolt11(s, { description: text }).description).toBeUndefined();
    expect(failure(s, { description: text + '!' })).toEqual({ kind: 'InvalidDescription', message: 'h: does not match description' });
  });

  it('lenient policy skips what strict rejects (wrong lengths, second copies), first good field winning', () => {
    const s = raw('lnbc', [S, ['p', bytesToWords(HASH).slice(0, 51)], P, D, ['p', bytesToWords(new Uint8Array(32))]]);
    expect(failure(s).kind).toBe('InvalidFieldLength');
    const d = decodeBolt11(s, { policy: 'lenient' });
    expect(toHex(d.payment_hash)).toBe(toHex(HASH));
    expect(d.extra?.map((e) => e.tag)).toEqual(['p', 'p']);
    expect(d.field_order).toEqual(['s', 'extra', 'p', 'd', 'extra']);
  });
});

/** The bech32m checksum of `hrp` + `words` (BIP-350), to test that BOLT 11 refuses it. */
function bech32mChecksum(hrp: string, words: number[]): string {
  const GEN = [0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3];
  const values = [...[...hrp].map((c) => c.charCodeAt(0) >> 5), 0, ...[...hrp].map((c) => c.charCodeAt(0) & 31), ...words, 0, 0, 0, 0, 0, 0];
  let chk = 1;
  for (const v of values) {
    const b = chk >>> 25;
    chk = ((chk & 0x1ffffff) << 5) ^ v;
    for (let i = 0; i < 5; i++) if ((b >> i) & 1) chk ^= GEN[i] as number;
  }
  chk ^= 0x2bc830a3;
  const CHARSET = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l';
  let out = '';
  for (let i = 0; i < 6; i++) out += CHARSET[(chk >>> (5 * (5 - i))) & 31];
  return out;
}
