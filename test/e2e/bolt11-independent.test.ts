/**
 * An independent BOLT 11 decoder (light-bolt11-decoder, which shares no code with ours) reads a few hundred
 * of the daemon's own invoices, made over the socket with `invoice` (every parameter, edge values: expiry 0
 * and 1, cltv 0 and 1, the largest amounts, every fallback type, hashed descriptions) and with
 * `createinvoice` (route hints, payment metadata, extra feature bits), and every field it reads must be what
 * our `decode` says.
 */
import { describe, expect, it } from 'vitest';
import { sha256 } from '@noble/hashes/sha2.js';
import { decode as independentDecode } from 'light-bolt11-decoder';
import { nodeKeysFromSeed } from '../../src/crypto/node-keys.js';
import { encodeBolt11, featuresOf, type Bolt11RouteHop } from '../../src/invoice/bolt11/index.js';
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

describe.skipIf(!daemonBuilt())('our invoices, read by an independent BOLT 11 decoder', () => {
  const s = daemonForSuite({ network: 'bitcoin' });
  const { ok } = s;

  /** Every field the independent decoder reads must equal our decode's. */
  async function compare(bolt11: string): Promise<void> {
    const reply = await s.client.call('decode', [bolt11]);
    const ours = reply.result;
    // Amounts above 2^53 are exact on the wire: read them from the response text.
    const exactAmount = /"amount_msat":([0-9]+)/.exec(reply.raw)?.[1];
    const theirs = independentDecode(bolt11);
    const section = (name: string) => theirs.sections.find((s) => s.name === name) as { value?: unknown; letters?: string } | undefined;
    const got = {
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
      // Their type declarations leave the fallback section out: it is there, named so, with the raw words.
      fallbacks: (theirs.sections as { name: string }[]).filter((s) => s.name === 'fallback_address').length,
      signature: toHex(derSignature(fromHex(section('signature')!.value as string).subarray(0, 64))),
    };
    const want = {
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
      fallbacks: ours.fallbacks?.length ?? 0,
      signature: ours.signature,
    };
    expect([bolt11, got]).toEqual([bolt11, want]);
  }

  it('reads 360 invoices made with `invoice` exactly as our decode does', async () => {
    const rnd = prng(12);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
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
      await compare(bolt11);
      n++;
    }
    expect(n).toBe(360);
  });

  it('reads 60 invoices stored with `createinvoice` (route hints, metadata, more feature bits)', async () => {
    const rnd = prng(34);
    const other = nodeKeysFromSeed(new Uint8Array(32).fill(7));
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
        },
        (dg) => other.signEcdsa(dg),
      );
      const stored = await ok('createinvoice', { invstring, label: `ext-${i}`, preimage: toHex(preimage) });
      await compare(stored.bolt11);
      const ours = await ok('decode', [stored.bolt11]);
      if (routes.length) expect(ours.routes).toHaveLength(routes.length);
      if (i % 2) expect(ours.payment_metadata).toBeDefined();
    }
  });
});
