/**
 * Wire forms of BOLT 4 blinded paths as BOLT 12 carries them: `sciddir_or_pubkey`, `blinded_path`,
 * `blinded_payinfo`, and their list codecs for `offer_paths`, `invreq_paths`, `invoice_paths` and
 * `invoice_blindedpay`. A path with zero hops parses here (it is well formed); the message readers
 * reject it as a semantic error, so `decode` can still show it with a warning.
 */
import { concatBytes } from '../../util/bytes.js';
import { WireReader } from './bigsize.js';
import { fail } from './errors.js';
import type { FieldCodec } from './tlv-stream.js';
import { listCodec, readPoint } from './wire-types.js';

/**
 * `sciddir_or_pubkey`: either a node id (first byte 2 or 3) or a short channel id with a direction
 * (first byte 0 or 1: "node_id_1 / node_id_2 of the channel_announcement").
 */
export type SciddirOrPubkey =
  | { readonly node_id: Uint8Array }
  | { readonly short_channel_id: bigint; readonly direction: 0 | 1 };

/** One hop of a blinded path. */
export interface BlindedHop {
  readonly blinded_node_id: Uint8Array;
  readonly encrypted_recipient_data: Uint8Array;
}

/** A blinded path (BOLT 4 `blinded_path`). */
export interface BlindedPath {
  readonly first_node_id: SciddirOrPubkey;
  readonly first_path_key: Uint8Array;
  readonly path: readonly BlindedHop[];
}

/** Aggregate fees and limits of a blinded payment path (BOLT 12 `blinded_payinfo`). */
export interface BlindedPayInfo {
  readonly fee_base_msat: number;
  readonly fee_proportional_millionths: number;
  readonly cltv_expiry_delta: number;
  readonly htlc_minimum_msat: bigint;
  readonly htlc_maximum_msat: bigint;
  readonly features: Uint8Array;
}

/** `BLOCKxTXxOUT`, the usual text form of a short channel id. */
export function formatShortChannelId(scid: bigint): string {
  return `${scid >> 40n}x${(scid >> 16n) & 0xffffffn}x${scid & 0xffffn}`;
}

function readSciddirOrPubkey(r: WireReader, field: string): SciddirOrPubkey {
  if (r.remaining === 0) return fail('Truncated', `${field}: unexpected EOF`);
  const prefix = r.buf[r.pos];
  if (prefix === 0 || prefix === 1) {
    r.u8();
    return { short_channel_id: r.u64(), direction: prefix };
  }
  if (prefix === 2 || prefix === 3) return { node_id: readPoint(r, field) };
  return fail('InvalidValue', `${field}: sciddir_or_pubkey cannot start with ${prefix}`);
}

function writeSciddirOrPubkey(v: SciddirOrPubkey): Uint8Array {
  if ('node_id' in v) return v.node_id;
  const out = new Uint8Array(9);
  out[0] = v.direction;
  new DataView(out.buffer).setBigUint64(1, v.short_channel_id);
  return out;
}

/** Reads one `blinded_path` from `r`. */
export function readBlindedPath(r: WireReader, field: string): BlindedPath {
  const first_node_id = readSciddirOrPubkey(r, field);
  const first_path_key = readPoint(r, field);
  const numHops = r.u8();
  const path: BlindedHop[] = [];
  for (let i = 0; i < numHops; i++) {
    const blinded_node_id = readPoint(r, field);
    const len = r.u16();
    path.push({ blinded_node_id, encrypted_recipient_data: r.bytes(len).slice() });
  }
  return { first_node_id, first_path_key, path };
}

/** The wire bytes of one `blinded_path`. */
export function writeBlindedPath(p: BlindedPath): Uint8Array {
  if (p.path.length > 255) throw new RangeError('a blinded path has at most 255 hops');
  const parts: Uint8Array[] = [writeSciddirOrPubkey(p.first_node_id), p.first_path_key, Uint8Array.of(p.path.length)];
  for (const hop of p.path) {
    const n = hop.encrypted_recipient_data.length;
    if (n > 0xffff) throw new RangeError('encrypted_recipient_data too long');
    parts.push(hop.blinded_node_id, Uint8Array.of(n >> 8, n & 0xff), hop.encrypted_recipient_data);
  }
  return concatBytes(...parts);
}

/** `...*blinded_path`. */
export const blindedPathsCodec: FieldCodec<readonly BlindedPath[]> = listCodec(readBlindedPath, writeBlindedPath);

/** Reads one `blinded_payinfo` from `r`. */
export function readPayInfo(r: WireReader): BlindedPayInfo {
  const fee_base_msat = r.u32();
  const fee_proportional_millionths = r.u32();
  const cltv_expiry_delta = r.u16();
  const htlc_minimum_msat = r.u64();
  const htlc_maximum_msat = r.u64();
  const features = r.bytes(r.u16()).slice();
  return { fee_base_msat, fee_proportional_millionths, cltv_expiry_delta, htlc_minimum_msat, htlc_maximum_msat, features };
}

/** The wire bytes of one `blinded_payinfo`. */
export function writePayInfo(p: BlindedPayInfo): Uint8Array {
  const out = new Uint8Array(28 + p.features.length);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, p.fee_base_msat);
  dv.setUint32(4, p.fee_proportional_millionths);
  dv.setUint16(8, p.cltv_expiry_delta);
  dv.setBigUint64(10, p.htlc_minimum_msat);
  dv.setBigUint64(18, p.htlc_maximum_msat);
  dv.setUint16(26, p.features.length);
  out.set(p.features, 28);
  return out;
}

/** `...*blinded_payinfo`. */
export const payInfosCodec: FieldCodec<readonly BlindedPayInfo[]> = listCodec(readPayInfo, writePayInfo);
