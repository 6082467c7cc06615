/**
 * A decoded BOLT11 invoice as CLN's `decode` / `decodepay` show it (reference §4.10), in the order of CLN's
 * `json_add_bolt11` (common/bolt11_json.c): currency, created_at, expiry, payee, amount_msat?,
 * description | description_hash, min_final_cltv_expiry, payment_secret, features (always: "" when the
 * invoice has no `9` field), payment_metadata?, fallbacks?, routes?, extra?, payment_hash, signature (DER hex).
 * `decode` puts `type` first and `valid` last.
 */
import type { DecodedBolt11 } from '../invoice/bolt11/types.js';
import { fallbackToAddress } from '../invoice/bolt11/index.js';
import { toHex } from '../util/hex.js';

/** DER encoding (as CLN prints `signature`) of a 64-byte compact r || s signature. */
export function derSignature(sig64: Uint8Array): Uint8Array {
  const int = (b: Uint8Array): number[] => {
    let i = 0;
    while (i < b.length - 1 && b[i] === 0) i++;
    const v = [...b.subarray(i)];
    return v[0]! & 0x80 ? [0, ...v] : v;
  };
  const r = int(sig64.subarray(0, 32));
  const s = int(sig64.subarray(32, 64));
  return Uint8Array.from([0x30, 4 + r.length + s.length, 0x02, r.length, ...r, 0x02, s.length, ...s]);
}

/** The bolt11 field set shared by `decode` (after type/valid) and `decodepay`. */
export function formatBolt11(d: DecodedBolt11): Record<string, unknown> {
  const out: Record<string, unknown> = {
    currency: d.currency,
    created_at: d.timestamp,
    expiry: d.expiry,
    payee: toHex(d.payee),
  };
  if (d.amount_msat !== undefined) out['amount_msat'] = d.amount_msat;
  if (d.description !== undefined) out['description'] = d.description;
  if (d.description_hash !== undefined) out['description_hash'] = toHex(d.description_hash);
  out['min_final_cltv_expiry'] = d.min_final_cltv_expiry;
  if (d.payment_secret !== undefined) out['payment_secret'] = toHex(d.payment_secret);
  out['features'] = d.features !== undefined ? toHex(d.features) : '';
  if (d.payment_metadata !== undefined) out['payment_metadata'] = toHex(d.payment_metadata);
  if (d.fallbacks?.length) out['fallbacks'] = d.fallbacks.map((f) => ({ ...fallbackToAddress(f, d.network) }));
  if (d.routes?.length) {
    out['routes'] = d.routes.map((route) =>
      route.map((h) => ({
        pubkey: toHex(h.pubkey),
        short_channel_id: h.short_channel_id,
        fee_base_msat: h.fee_base_msat,
        fee_proportional_millionths: h.fee_proportional_millionths,
        cltv_expiry_delta: h.cltv_expiry_delta,
      })),
    );
  }
  if (d.extra?.length) out['extra'] = d.extra.map((e) => ({ tag: e.tag, data: e.data }));
  out['payment_hash'] = toHex(d.payment_hash);
  out['signature'] = toHex(derSignature(d.signature));
  return out;
}
