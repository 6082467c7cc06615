/**
 * Codecs for BOLT 1 / BOLT 12 fundamental types used as whole TLV values: `tu64`, `tu32`, `point`,
 * `chain_hash`, `sha256`, `bip340sig`, `utf8`, raw bytes, `fallback_address` lists and
 * `invreq_bip_353_name`. Each `read` takes the complete value and fails with the field's name.
 */
import { secp256k1 } from '../../crypto/secp256k1.js';
import { concatBytes, decodeUtf8, utf8 as encodeUtf8 } from '../../util/bytes.js';
import { WireReader, readTruncated, writeTruncated } from './bigsize.js';
import { fail } from './errors.js';
import type { FieldCodec } from './tlv-stream.js';

/** `...*byte`: any bytes (copied, so the value outlives the stream buffer's reuse). */
export const bytesCodec: FieldCodec<Uint8Array> = {
  read: (v) => v.slice(),
  write: (v) => v,
};

/**
 * `...*utf8`. BOLT 1 lets a reader reject invalid UTF-8; the offers vectors expect it ("Malformed:
 * invalid description UTF-8"), so we do.
 */
export const utf8Codec: FieldCodec<string> = {
  read(v, field) {
    const s = decodeUtf8(v);
    return s ?? fail('InvalidUtf8', `${field}: invalid utf8`);
  },
  write: (s) => encodeUtf8(s),
};

/** `tu64`. */
export const tu64: FieldCodec<bigint> = {
  read: (v, field) => readTruncated(v, 8, field),
  write: writeTruncated,
};

/** `tu32` (returned as a number). */
export const tu32: FieldCodec<number> = {
  read: (v, field) => Number(readTruncated(v, 4, field)),
  write: (n) => {
    if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new RangeError(`tu32 out of range: ${n}`);
    return writeTruncated(BigInt(n));
  },
};

/** Checks a 33-byte compressed point read from `r`. */
export function readPoint(r: WireReader, field: string): Uint8Array {
  const p = r.bytes(33);
  if (!secp256k1.isValidPoint(p)) fail('InvalidPoint', `${field}: invalid point`);
  return p.slice();
}

/** `point`: a 33-byte compressed secp256k1 public key. */
export const pointCodec: FieldCodec<Uint8Array> = {
  read(v, field) {
    if (v.length !== 33) fail('InvalidLength', `${field}: point must be 33 bytes, not ${v.length}`);
    return readPoint(new WireReader(v, field), field);
  },
  write: (p) => p,
};

/** A fixed-length byte string (`chain_hash`, `sha256`: 32; `bip340sig`: 64). */
export function fixedBytes(length: number, what: string): FieldCodec<Uint8Array> {
  return {
    read(v, field) {
      if (v.length !== length) fail('InvalidLength', `${field}: ${what} must be ${length} bytes, not ${v.length}`);
      return v.slice();
    },
    write: (v) => v,
  };
}

/** `...*T`: items of one wire type back to back, read until the value ends. */
export function listCodec<T>(readOne: (r: WireReader, field: string) => T, writeOne: (item: T) => Uint8Array): FieldCodec<readonly T[]> {
  return {
    read(v, field) {
      const r = new WireReader(v, field);
      const out: T[] = [];
      while (r.remaining > 0) out.push(readOne(r, field));
      return out;
    },
    write: (list) => concatBytes(...list.map((item) => writeOne(item))),
  };
}

export const chainHashCodec = fixedBytes(32, 'chain_hash');
export const sha256Codec = fixedBytes(32, 'sha256');
export const bip340sigCodec = fixedBytes(64, 'bip340sig');

/** `...*chain_hash`: a whole number of 32-byte hashes (emptiness is a semantic check). */
export const chainHashesCodec: FieldCodec<readonly Uint8Array[]> = {
  read(v, field) {
    if (v.length % 32 !== 0) fail('InvalidLength', `${field}: length ${v.length} is not a multiple of 32`);
    const out: Uint8Array[] = [];
    for (let i = 0; i < v.length; i += 32) out.push(v.slice(i, i + 32));
    return out;
  },
  write: (list) => concatBytes(...list),
};

/** BOLT 12 `fallback_address`: version, u16 length, address program. */
export interface FallbackAddress {
  readonly version: number;
  readonly address: Uint8Array;
}

/** `...*fallback_address`. */
export const fallbacksCodec: FieldCodec<readonly FallbackAddress[]> = listCodec(
  (r) => {
    const version = r.u8();
    const len = r.u16();
    return { version, address: r.bytes(len).slice() };
  },
  (f) => {
    if (f.address.length > 0xffff) throw new RangeError('fallback address too long');
    return concatBytes(Uint8Array.of(f.version, f.address.length >> 8, f.address.length & 0xff), f.address);
  },
);

/** `invreq_bip_353_name`: the parts of a BIP 353 human-readable name, as raw bytes. */
export interface Bip353Name {
  readonly name: Uint8Array;
  readonly domain: Uint8Array;
}

/** `u8 name_len, name, u8 domain_len, domain`, consuming the value exactly. */
export const bip353NameCodec: FieldCodec<Bip353Name> = {
  read(v, field) {
    const r = new WireReader(v, field);
    const name = r.bytes(r.u8()).slice();
    const domain = r.bytes(r.u8()).slice();
    r.done();
    return { name, domain };
  },
  write(b) {
    if (b.name.length > 255 || b.domain.length > 255) throw new RangeError('bip353 name parts are at most 255 bytes');
    return concatBytes(Uint8Array.of(b.name.length), b.name, Uint8Array.of(b.domain.length), b.domain);
  },
};

/**
 * BOLT 12: "MUST reject the invoice request if `name` or `domain` contain any bytes which are not
 * `0`-`9`, `a`-`z`, `A`-`Z`, `-`, `_` or `.`."
 */
export function isValidBip353Part(bytes: Uint8Array): boolean {
  for (const c of bytes) {
    const ok =
      (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x2d || c === 0x5f || c === 0x2e;
    if (!ok) return false;
  }
  return true;
}

/** Feature bits set in a BOLT 9 feature vector (big-endian, bit 0 = least significant bit of the last byte). */
export function featureBits(features: Uint8Array): number[] {
  const bits: number[] = [];
  for (let i = 0; i < features.length; i++) {
    const byte = features[features.length - 1 - i] as number;
    for (let b = 0; b < 8; b++) if (byte & (1 << b)) bits.push(i * 8 + b);
  }
  return bits;
}

/** The first even bit set in `features` that is not in `known`, if any ("it's OK to be odd"). */
export function unknownEvenFeature(features: Uint8Array | undefined, known: readonly number[]): number | undefined {
  if (!features) return undefined;
  return featureBits(features).find((bit) => bit % 2 === 0 && !known.includes(bit));
}
