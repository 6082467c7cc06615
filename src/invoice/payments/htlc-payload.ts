/**
 * The `htlc_accepted` payload: Core Lightning's hook payload, as a bridge forwards it unchanged, parsed
 * into typed values (docs/bridge.md is the contract). Fields the daemon does not use (`onion.payload`,
 * `next_onion`, `shared_secret`, `peer_id`, `extra_tlvs`…) are accepted and ignored. Pure: no I/O.
 */
import { fromHex, isHex } from '../../util/hex.js';
import { msat, type Msat } from '../../util/msat.js';
import { InvoiceError } from '../errors.js';

/** The onion fields for the final hop. */
export interface HtlcOnion {
  /** `amt_to_forward`: what the payer meant this HTLC to deliver. */
  readonly forward_msat: Msat;
  readonly outgoing_cltv_value: number;
  /** The whole payment's amount (`payment_data.total_msat`); absent = forward_msat (BOLT 4). */
  readonly total_msat?: Msat;
  /** BOLT11 `payment_secret` (32 bytes). */
  readonly payment_secret?: Uint8Array;
  readonly payment_metadata?: Uint8Array;
  /** BOLT12: the `path_id` from the final hop's encrypted_recipient_data. */
  readonly path_id?: Uint8Array;
}

/** The HTLC as the node holds it. (`short_channel_id`, `id`) identifies it across replays. */
export interface HtlcInfo {
  /** Incoming channel, `BLOCKxTXxOUT` (CLN prints a local alias the same way). */
  readonly short_channel_id: string;
  /** The HTLC's id in that channel (u64). */
  readonly id: bigint;
  readonly amount_msat: Msat;
  readonly cltv_expiry: number;
  /** cltv_expiry − the node's block height (negative once expired). */
  readonly cltv_expiry_relative: number;
  readonly payment_hash: Uint8Array;
}

export interface HtlcAccepted {
  readonly onion: HtlcOnion;
  readonly htlc: HtlcInfo;
}

/** The answer, in the hook's terms; the RPC handler writes the bytes as hex. */
export type HtlcAcceptedResult =
  | { readonly result: 'continue' }
  | { readonly result: 'fail'; readonly failure_message: Uint8Array }
  | { readonly result: 'resolve'; readonly payment_key: Uint8Array };

/** The block height the node reported with this HTLC: `cltv_expiry - cltv_expiry_relative`. */
export function blockHeightOf(htlc: HtlcInfo): number {
  return htlc.cltv_expiry - htlc.cltv_expiry_relative;
}

/** The HTLC's identity for replay detection. */
export function htlcKey(short_channel_id: string, id: bigint): string {
  return `${short_channel_id}/${id}`;
}

const bad = (param: string, reason: string): InvoiceError =>
  new InvoiceError('InvalidParams', `${param}: ${reason}`, { param });

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * An amount as CLN writes it: a JSON number (current form), the old `"123msat"` string, or a bigint when
 * the JSON reader keeps integers above 2^53 exact.
 */
export function parseMsatField(raw: unknown, param: string): Msat {
  let v: bigint | undefined;
  if (typeof raw === 'bigint') v = raw;
  else if (typeof raw === 'number' && Number.isSafeInteger(raw)) v = BigInt(raw);
  else if (typeof raw === 'string' && /^[0-9]{1,20}(msat)?$/.test(raw)) v = BigInt(raw.replace(/msat$/, ''));
  if (v === undefined || v < 0n || v >= 1n << 64n) throw bad(param, 'should be a millisatoshi amount');
  return msat(v);
}

function parseUint(raw: unknown, param: string, max: bigint): bigint {
  let v: bigint | undefined;
  if (typeof raw === 'bigint') v = raw;
  else if (typeof raw === 'number' && Number.isSafeInteger(raw)) v = BigInt(raw);
  else if (typeof raw === 'string' && /^[0-9]{1,20}$/.test(raw)) v = BigInt(raw);
  if (v === undefined || v < 0n || v > max) throw bad(param, `should be an unsigned integer up to ${max}`);
  return v;
}

const u32 = (raw: unknown, param: string): number => Number(parseUint(raw, param, 0xffffffffn));

function s32(raw: unknown, param: string): number {
  const v = typeof raw === 'bigint' ? Number(raw) : raw;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < -(2 ** 31) || v >= 2 ** 31) {
    throw bad(param, 'should be a signed 32-bit integer');
  }
  return v;
}

function hexField(raw: unknown, param: string, bytes?: number): Uint8Array {
  if (typeof raw !== 'string' || !isHex(raw, bytes)) {
    throw bad(param, bytes === undefined ? 'should be a hex string' : `should be ${bytes} bytes of hex`);
  }
  return fromHex(raw, bytes);
}

/**
 * Parses a hook payload: `{onion: {...}, htlc: {...}}` plus any fields CLN adds.
 * @throws InvoiceError('InvalidParams') naming the field, e.g. `htlc.payment_hash: should be 32 bytes of hex`.
 */
export function parseHtlcAccepted(rawOnion: unknown, rawHtlc: unknown): HtlcAccepted {
  if (!isObject(rawOnion)) throw bad('onion', 'should be an object');
  if (!isObject(rawHtlc)) throw bad('htlc', 'should be an object');
  const o = rawOnion;
  const h = rawHtlc;
  if (o.forward_msat === undefined) throw bad('onion.forward_msat', 'missing');
  if (o.outgoing_cltv_value === undefined) throw bad('onion.outgoing_cltv_value', 'missing');
  for (const k of ['short_channel_id', 'id', 'amount_msat', 'cltv_expiry', 'cltv_expiry_relative', 'payment_hash']) {
    if (h[k] === undefined) throw bad(`htlc.${k}`, 'missing');
  }
  const onion: HtlcOnion = {
    forward_msat: parseMsatField(o.forward_msat, 'onion.forward_msat'),
    outgoing_cltv_value: u32(o.outgoing_cltv_value, 'onion.outgoing_cltv_value'),
    ...(o.total_msat !== undefined && { total_msat: parseMsatField(o.total_msat, 'onion.total_msat') }),
    ...(o.payment_secret !== undefined && {
      payment_secret: hexField(o.payment_secret, 'onion.payment_secret', 32),
    }),
    ...(o.payment_metadata !== undefined && {
      payment_metadata: hexField(o.payment_metadata, 'onion.payment_metadata'),
    }),
    ...(o.path_id !== undefined && { path_id: hexField(o.path_id, 'onion.path_id') }),
  };
  const scid = h.short_channel_id;
  if (typeof scid !== 'string' || !/^[0-9]{1,10}x[0-9]{1,10}x[0-9]{1,5}$/.test(scid)) {
    throw bad('htlc.short_channel_id', 'should be a short channel id');
  }
  const htlc: HtlcInfo = {
    short_channel_id: scid,
    // Stored as a signed 64-bit integer (both databases): ids from 2^63 are refused here, not by the store.
    id: parseUint(h.id, 'htlc.id', (1n << 63n) - 1n),
    amount_msat: parseMsatField(h.amount_msat, 'htlc.amount_msat'),
    cltv_expiry: u32(h.cltv_expiry, 'htlc.cltv_expiry'),
    cltv_expiry_relative: s32(h.cltv_expiry_relative, 'htlc.cltv_expiry_relative'),
    payment_hash: hexField(h.payment_hash, 'htlc.payment_hash', 32),
  };
  const height = blockHeightOf(htlc);
  if (height < 0 || height > 0xffffffff) {
    throw bad('htlc.cltv_expiry_relative', 'gives a block height out of range');
  }
  return { onion, htlc };
}
