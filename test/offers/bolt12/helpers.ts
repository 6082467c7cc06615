/** Shared fixtures for the BOLT 12 codec tests: raw TLV builders and deterministic keys. */
import { secp256k1 } from '../../../src/crypto/secp256k1.js';
import { writeBigSize } from '../../../src/offers/bolt12/bigsize.js';
import { encodeBolt12String, type Bolt12Prefix } from '../../../src/offers/bolt12/string.js';
import { concatBytes } from '../../../src/util/bytes.js';
import { fromHex } from '../../../src/util/hex.js';

/** A raw record with any type/length, as a hostile writer might produce. */
export function rec(type: bigint, value: Uint8Array | string, length?: bigint): Uint8Array {
  const v = typeof value === 'string' ? fromHex(value) : value;
  return concatBytes(writeBigSize(type), writeBigSize(length ?? BigInt(v.length)), v);
}

/** A bolt12 string of concatenated raw records. */
export function str(prefix: Bolt12Prefix, ...records: Uint8Array[]): string {
  return encodeBolt12String(prefix, concatBytes(...records));
}

/** A deterministic key pair: secret = `byte` repeated. */
export function key(byte: number): { secret: Uint8Array; id: Uint8Array; sign: (d: Uint8Array) => Uint8Array } {
  const secret = new Uint8Array(32).fill(byte);
  return { secret, id: secp256k1.getPublicKey(secret), sign: (d) => secp256k1.signSchnorr(d, secret, new Uint8Array(32)) };
}

export const ALICE = key(0x41);
export const BOB = key(0x42);

/** The `kind` of what `f` throws (a Bolt12ParseError's), or undefined when it does not throw. */
export function kindOf(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    return (e as { kind?: string }).kind;
  }
  return undefined;
}
