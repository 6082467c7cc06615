/**
 * An independent BOLT 11 decoder (light-bolt11-decoder, which shares no code with ours) reads a few hundred
 * of the daemon's own invoices, made over the socket with `invoice` (every parameter, edge values: expiry 0
 * and 1, cltv 0 and 1, the largest amounts, every fallback type, hashed descriptions) and with
 * `createinvoice` (route hints, payment metadata, extra feature bits, every kind of fallback, an `n` field,
 * unknown fields), and every field it reads must be what our `decode` says: currency, payee, amount, created_at,
 * expiry, min_final_cltv_expiry, description or its hash, payment hash and secret, features, metadata, the
 * fallback addresses and scripts (worked out here from the raw words it gives), route hints, unknown fields
 * and the signature.
 */
import { describe, expect, it } from 'vitest';
import { sha256 } from '@noble/hashes/sha2.js';
import { bech32, bech32m } from 'bech32';
import { decode as independentDecode } from 'light-bolt11-decoder';
import { nodeKeysFromSeed } from '../../src/crypto/node-keys.js';
import { encodeBolt11, featuresOf, type Bolt11ExtraField, type Bolt11Fallback, type Bolt11RouteHop } from '../../src/invoice/bolt11/index.js';
import { derSignature } from '../../src/rpc/format-bolt11.js';
import { fromHex, toHex } from '../../src/util/hex.js';
import { prng } from '../helpers/prng.js';
import { daemonBuilt, daemonForSuite } from '../helpers/daemon.js';

const FALLBACKS = [
  '1RustyRX2oai4EYYDpQGWvEL62BBGqN9T',
  '3EktnHQD7RiAE6uzMj2ZifT9YgRrkSgzQX',
  'bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4',
  'bc1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3qccfmv3',
  'bc1pptdvg0d2nj99568qn6ssdy4cygnwuxgw2ukmnwgwz7jpqjz2kszse2s3lm',
];
const AMOUNTS = ['any', 1, 10, 100, 999, 1000, 100_000, 100_000_000, 100_000_000_000, '9007199254740993', '2099999999999999999', '2100000000000000000'];
const EXPIRIES = [undefined, 0, 1, 59, 3600, 604_800, 4_294_967_295, 2 ** 52];
const CLTVS = [undefined, 0, 1, 18, 144, 65_535, 4_294_967_295];
const TEXTS = ['coffee', '', 'ナンセンス 1杯', '☕ and a croissant 🥐', 'a'.repeat(639), 'line\nbreak\ttab "quotes"'];

/** The bit numbers of the independent decoder's feature summary (named bits 0–19, then the extra bits). */
function independentFeatureBits(v: { [name: string]: unknown; extra_bits: { start_bit: number; bits: unknown[] } }): number[] {
  const named = ['option_data_loss_protect', 'initial_routing_sync', 'option_upfront_shutdown_script', 'gossip_queries', 'var_onion_optin',
    'gossip_queries_ex', 'option_static_remotekey', 'payment_secret', 'basic_mpp', 'option_support_large_channel'];
  const bits: number[] = [];
  named.forEach((n, i) => {
    if (v[n] === 'required') bits.push(2 * i);
    if (v[n] === 'supported') bits.push(2 * i + 1);
  });
  v.extra_bits.bits.forEach((b, i) => b && bits.push(v.extra_bits.start_bit + i));
  return bits;
}

function hexFeatureBits(hex: string): number[] {
  const bits: number[] = [];
  const bytes = fromHex(hex);
  for (let i = 0; i < bytes.length; i++) for (let k = 0; k < 8; k++) if (bytes[bytes.length - 1 - i]! & (1 << k)) bits.push(8 * i + k);
  return bits;
}

/** "block x tx x output" of an 8-byte short channel id in hex. */
function scid(hex: string): string {
  const v = BigInt('0x' + hex);
  return `${v >> 40n}x${(v >> 16n) & 0xffffffn}x${v & 0xffffn}`;
}

/** The independent decoder's network parameters (its `coin_network` section). */
interface CoinNetwork {
  bech32: string;
  pubKeyHash: number;
  scriptHash: number;
}

const BASE58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';

/** Base58check of version byte + payload, written here (not with src/util/address.ts). */
function base58check(version: number, payload: Uint8Array): string {
  const body = Uint8Array.from([version, ...payload]);
  const bytes = Uint8Array.from([...body, ...sha256(sha256(body)).subarray(0, 4)]);
  let n = BigInt('0x' + toHex(bytes));
  let out = '';
  while (n > 0n) {
    out = BASE58[Number(n % 58n)] + out;
    n /= 58n;
  }
  for (const b of bytes) {
    if (b !== 0) break;
    out = '1' + out;
  }
  return out;
}

/**
 * A fallback as CLN's decode shows it ({type, addr, hex}), computed here from the raw words the independent
 * decoder gives for an `f` field (it has no parser of its own for them): the first word is the version.
 */
function independentFallback(rawWords: string, net: CoinNetwork): { type: string; addr: string; hex: string } {
  const words = bech32.decode(rawWords, Number.MAX_SAFE_INTEGER).words;
  const version = words[0]!;
  const program = Uint8Array.from(bech32.fromWords(words.slice(1)));
  const p = toHex(program);
  // The segwit hrp of signet is tb, though its invoices say tbs.
  const hrp = net.bech32 === 'tbs' ? 'tb' : net.bech32;
  if (version === 17) return { type: 'P2PKH', addr: base58check(net.pubKeyHash, program), hex: `76a914${p}88ac` };
  if (version === 18) return { type: 'P2SH', addr: base58check(net.scriptHash, program), hex: `a914${p}87` };
  const enc = version === 0 ? bech32 : bech32m;
  const addr = enc.encode(hrp, [version, ...enc.toWords(program)]);
  const op = version === 0 ? '00' : (0x50 + version).toString(16);
  const hex = `${op}${program.length.toString(16).padStart(2, '0')}${p}`;
  const type = version === 0 ? (program.length === 20 ? 'P2WPKH' : 'P2WSH') : version === 1 && program.length === 32 ? 'P2TR' : undefined;
  if (type === undefined) throw new Error(`no named type for a v${version} program of ${program.length} bytes`);
  return { type, addr, hex };
}

/** The tag and bech32 characters of a field the independent decoder does not know (its words, re-encoded). */
function independentExtra(tag: string, rawWords: string): Bolt11ExtraField {
  // bech32.encode('unknown', words): "unknown1" + the data characters + a 6-character checksum.
  return { tag, data: rawWords.slice('unknown1'.length, -6) };
}

describe.skipIf(!daemonBuilt())('our invoices, read by an independent BOLT 11 decoder', () => {
  const s = daemonForSuite({ network: 'bitcoin' });
  const { ok } = s;

  /**
   * Every field the independent decoder reads must equal our decode's. `payee` is the key that signed (the
   * independent decoder checks no signature; it reads an `n` field when there is one); `fallbacks`, when
   * given, are the addresses the invoice was asked to carry.
   */
  async function compare(bolt11: string, expected: { payee: string; fallbacks?: readonly string[] }): Promise<void> {
    const reply = await s.client.call('decode', [bolt11]);
    const ours = reply.result;
    // Amounts above 2^53 are exact on the wire: read them from the response text.
    const exactAmount = /"amount_msat":([0-9]+)/.exec(reply.raw)?.[1];
    const theirs = independentDecode(bolt11);
    const section = (name: string) => theirs.sections.find((s) => s.name === name) as { value?: unknown; letters?: string } | undefined;
    // Their type declarations leave out the sections for `n`, `f` and unknown tags: they are there, named
    // so, with the raw words of `f` and unknown fields.
    const raw = (name: string) =>
      (theirs.sections as unknown as { name: string; tag: string; value: { words: string } }[]).filter((s) => s.name === name);
    const net = section('coin_network') as { letters: string; value: CoinNetwork };
    const got = {
      currency: net.letters,
      payee: (section('payee')?.value as string | undefined) ?? expected.payee,
      amount_msat: section('amount')?.value === undefined ? undefined : BigInt(section('amount')!.value as string),
      created_at: section('timestamp')!.value,
      payment_hash: section('payment_hash')!.value,
      payment_secret: section('payment_secret')!.value,
      description: section('description')?.value,
      description_hash: section('description_hash')?.value,
      expiry: section('expiry')?.value ?? 3600,
      min_final_cltv_expiry: section('min_final_cltv_expiry')?.value ?? 18,
      features: independentFeatureBits(section('feature_bits')!.value as Parameters<typeof independentFeatureBits>[0]),
      payment_metadata: section('metadata')?.value,
      routes: theirs.route_hints.map((r) => r.map((h) => ({ ...h, short_channel_id: scid(h.short_channel_id) }))),
      fallbacks: raw('fallback_address').map((f) => independentFallback(f.value.words, net.value)),
      extra: raw('unknown_tag').map((f) => independentExtra(f.tag, f.value.words)),
      signature: toHex(derSignature(fromHex(section('signature')!.value as string).subarray(0, 64))),
    };
    const want = {
      currency: ours.currency,
      payee: ours.payee,
      amount_msat: exactAmount === undefined ? undefined : BigInt(exactAmount),
      created_at: ours.created_at,
      payment_hash: ours.payment_hash,
      payment_secret: ours.payment_secret,
      description: ours.description,
      description_hash: ours.description_hash,
      expiry: ours.expiry,
      min_final_cltv_expiry: ours.min_final_cltv_expiry,
      features: hexFeatureBits(ours.features),
      payment_metadata: ours.payment_metadata,
      routes: ours.routes ?? [],
      fallbacks: ours.fallbacks ?? [],
      extra: ours.extra ?? [],
      signature: ours.signature,
    };
    expect([bolt11, got]).toEqual([bolt11, want]);
    expect(ours.payee).toBe(expected.payee);
    if (expected.fallbacks) expect(got.fallbacks.map((f) => f.addr)).toEqual(expected.fallbacks);
  }

  it('reads 360 invoices made with `invoice` exactly as our decode does', async () => {
    const rnd = prng(12);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
    const { id } = await ok('getinfo', {});
    let n = 0;
    for (let i = 0; i < 360; i++) {
      // Every edge value at least once, in turn, then at random.
      const amount = i < AMOUNTS.length ? AMOUNTS[i]! : pick(AMOUNTS);
      const expiry = i < EXPIRIES.length ? EXPIRIES[i] : pick(EXPIRIES);
      const cltv = i < CLTVS.length ? CLTVS[i] : pick(CLTVS);
      const description = pick(TEXTS);
      const params: Record<string, unknown> = { amount_msat: amount, label: `ind-${i}`, description };
      if (expiry !== undefined) params['expiry'] = expiry;
      if (cltv !== undefined) params['cltv'] = cltv;
      if (rnd() < 0.3) params['fallbacks'] = FALLBACKS.filter(() => rnd() < 0.5);
      if (rnd() < 0.2) params['deschashonly'] = true;
      if (rnd() < 0.2) params['preimage'] = toHex(sha256(new TextEncoder().encode(`pre-${i}`)));
      const { bolt11 } = await ok('invoice', params);
      await compare(bolt11, { payee: id, fallbacks: (params['fallbacks'] as string[] | undefined) ?? [] });
      n++;
    }
    expect(n).toBe(360);
  });

  it('reads 60 invoices signed elsewhere (route hints, metadata, more feature bits, fallbacks, n, unknown fields), and as `createinvoice` stores them', async () => {
    const rnd = prng(34);
    const other = nodeKeysFromSeed(new Uint8Array(32).fill(7));
    const { id } = await ok('getinfo', {});
    for (let i = 0; i < 60; i++) {
      const preimage = sha256(new TextEncoder().encode(`ext-${i}`));
      const routes: Bolt11RouteHop[][] = [];
      for (let r = Math.floor(rnd() * 3); r > 0; r--) {
        const hops: Bolt11RouteHop[] = [];
        for (let h = 1 + Math.floor(rnd() * 3); h > 0; h--) {
          hops.push({
            pubkey: nodeKeysFromSeed(new Uint8Array(32).fill(10 + h + r)).nodeId,
            short_channel_id: `${Math.floor(rnd() * 2 ** 24)}x${Math.floor(rnd() * 2 ** 24)}x${Math.floor(rnd() * 2 ** 16)}`,
            fee_base_msat: Math.floor(rnd() * 2 ** 32),
            fee_proportional_millionths: Math.floor(rnd() * 2 ** 32),
            cltv_expiry_delta: Math.floor(rnd() * 2 ** 16),
          });
        }
        routes.push(hops);
      }
      // Every kind of fallback programme, some of them in some invoices.
      const fallbacks: Bolt11Fallback[] = [
        { version: 17, program: sha256(preimage).subarray(0, 20) },
        { version: 18, program: sha256(preimage).subarray(1, 21) },
        { version: 0, program: sha256(preimage).subarray(2, 22) },
        { version: 0, program: sha256(sha256(preimage)) },
        { version: 1, program: sha256(preimage).reverse() },
      ].filter(() => i % 3 === 0 && rnd() < 0.6);
      // Tags neither decoder knows (bech32 characters v, w), kept verbatim.
      const extra: Bolt11ExtraField[] = i % 5 === 3 ? [{ tag: 'v', data: 'qpzry9x8gf2tvdw0s3jn54khce6mua7l' }, { tag: 'w', data: 'l7' }] : [];
      const invstring = encodeBolt11(
        {
          network: 'bitcoin',
          ...(i % 5 ? { amount_msat: BigInt(1 + Math.floor(rnd() * 1e12)) as never } : {}),
          timestamp: 1_700_000_000 + i,
          payment_hash: sha256(preimage),
          payment_secret: sha256(preimage).reverse(),
          description: `external ${i}`,
          expiry: 1 + Math.floor(rnd() * 100_000),
          min_final_cltv_expiry: Math.floor(rnd() * 1000),
          ...(routes.length ? { routes } : {}),
          ...(i % 2 ? { payment_metadata: sha256(preimage).subarray(0, 1 + (i % 32)) } : {}),
          features: featuresOf([8, 14, ...(i % 3 ? [17] : [16]), ...(i % 4 ? [25] : []), ...(i % 7 ? [49] : [])]),
          ...(fallbacks.length ? { fallbacks } : {}),
          ...(extra.length ? { extra } : {}),
          // An `n` field in some: the independent decoder reads the payee from it.
          ...(i % 4 === 2 ? { payee: other.nodeId } : {}),
        },
        (dg) => other.signEcdsa(dg),
      );
      const stored = await ok('createinvoice', { invstring, label: `ext-${i}`, preimage: toHex(preimage) });
      // As signed by the other key (with an `n` field in some), and as re-signed by our node (no `n`).
      await compare(invstring, { payee: toHex(other.nodeId) });
      await compare(stored.bolt11, { payee: id });
      const ours = await ok('decode', [stored.bolt11]);
      if (routes.length) expect(ours.routes).toHaveLength(routes.length);
      if (i % 2) expect(ours.payment_metadata).toBeDefined();
      expect(ours.fallbacks?.length ?? 0).toBe(fallbacks.length);
      expect(ours.extra?.length ?? 0).toBe(extra.length);
    }
  });
});
