/**
 * Bitcoin addresses ⇄ BOLT 11 fallbacks (`f` fields): `{ version, program }` where 0..16 is a segwit witness
 * version and program, 17 a P2PKH and 18 a P2SH hash160.
 *
 * - Segwit (BIP-173 / BIP-350): version 0 uses bech32, versions 1..16 bech32m; programs are 2..40 bytes, 20 or
 *   32 for version 0, and 32 for version 1 (taproot; other v1 lengths are refused, as Core Lightning does).
 *   Human-readable parts: `bc` mainnet, `tb` testnet and signet, `bcrt` regtest.
 * - Base58check: version byte 0x00 / 0x05 on mainnet, 0x6f / 0xc4 on the test networks (testnet, testnet4, signet, regtest).
 *
 * `parseAddress` tells "not an address" (`InvalidAddress`) from "an address of another network" (`WrongNetwork`),
 * which the engine maps to CLN's "Fallback address not valid" / "Fallback address does not match our network".
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bech32, bech32m } from 'bech32';
import { concatBytes, equalBytes } from './bytes.js';
import { SEGWIT_HRP, type Network } from './network.js';

/** A fallback: witness version 0..16 + program, or 17 (P2PKH) / 18 (P2SH) + hash160. */
export interface AddressProgram {
  version: number;
  program: Uint8Array;
}

/** Why an address was refused: not an address at all, or an address of another network. */
export type AddressErrorKind = 'InvalidAddress' | 'WrongNetwork';

/** The error `parseAddress` and `encodeAddress` throw. */
export class AddressError extends Error {
  override readonly name = 'AddressError';
  constructor(
    readonly kind: AddressErrorKind,
    message: string,
  ) {
    super(message);
  }
}

/** Version 17 and 18: BOLT 11's codes for P2PKH and P2SH fallbacks. */
export const FALLBACK_P2PKH = 17;
export const FALLBACK_P2SH = 18;

const BASE58_VERSION: Readonly<Record<Network, { p2pkh: number; p2sh: number }>> = {
  bitcoin: { p2pkh: 0x00, p2sh: 0x05 },
  testnet: { p2pkh: 0x6f, p2sh: 0xc4 },
  testnet4: { p2pkh: 0x6f, p2sh: 0xc4 },
  signet: { p2pkh: 0x6f, p2sh: 0xc4 },
  regtest: { p2pkh: 0x6f, p2sh: 0xc4 },
};

/** BIP-173: "the maximum length of a segwit address is 90 characters". */
const SEGWIT_MAX_LENGTH = 90;

/**
 * Why `{version, program}` is not a valid segwit output, or undefined when it is. The BOLT 11 codec applies the
 * same rule to `f` fields of versions 0..16, so an invoice never carries a fallback this module refuses.
 */
export function witnessProblem(version: number, program: Uint8Array): string | undefined {
  if (!Number.isInteger(version) || version < 0 || version > 16) return `witness version ${version} out of range`;
  if (program.length < 2 || program.length > 40) return `witness v${version} program of ${program.length} bytes`;
  if (version === 0 && program.length !== 20 && program.length !== 32) return `witness v0 program of ${program.length} bytes`;
  if (version === 1 && program.length !== 32) return `witness v1 program of ${program.length} bytes`;
  return undefined;
}

/**
 * The address `addr` on `network` as a fallback. Throws `AddressError`: `WrongNetwork` when `addr` is valid for
 * another network, `InvalidAddress` otherwise.
 */
export function parseAddress(addr: string, network: Network): AddressProgram {
  const sep = addr.lastIndexOf('1');
  if (sep > 0) {
    const hrp = addr.slice(0, sep).toLowerCase();
    const known = Object.values(SEGWIT_HRP) as string[];
    if (known.includes(hrp)) {
      const program = parseSegwit(addr);
      if (hrp !== SEGWIT_HRP[network]) {
        throw new AddressError('WrongNetwork', `address is for another network (${hrp}), not ${network}`);
      }
      return program;
    }
  }
  const bytes = base58checkDecode(addr);
  if (!bytes || bytes.length !== 21) throw new AddressError('InvalidAddress', 'not a valid address');
  const ver = bytes[0] as number;
  const hash = bytes.slice(1);
  const ours = BASE58_VERSION[network];
  if (ver === ours.p2pkh) return { version: FALLBACK_P2PKH, program: hash };
  if (ver === ours.p2sh) return { version: FALLBACK_P2SH, program: hash };
  for (const other of Object.values(BASE58_VERSION)) {
    if (ver === other.p2pkh || ver === other.p2sh) {
      throw new AddressError('WrongNetwork', `address is for another network (version byte ${ver}), not ${network}`);
    }
  }
  throw new AddressError('InvalidAddress', `unknown base58 version byte ${ver}`);
}

function parseSegwit(addr: string): AddressProgram {
  const asBech32 = bech32.decodeUnsafe(addr, SEGWIT_MAX_LENGTH);
  const asBech32m = asBech32 ? undefined : bech32m.decodeUnsafe(addr, SEGWIT_MAX_LENGTH);
  const decoded = asBech32 ?? asBech32m;
  if (!decoded || decoded.words.length === 0) throw new AddressError('InvalidAddress', 'not a valid segwit address');
  const version = decoded.words[0] as number;
  // BIP-350: version 0 MUST use bech32, versions 1 and above MUST use bech32m.
  if ((version === 0) !== (asBech32 !== undefined)) {
    throw new AddressError('InvalidAddress', `witness v${version} address with the wrong checksum variant`);
  }
  const programBytes = bech32.fromWordsUnsafe(decoded.words.slice(1));
  if (!programBytes) throw new AddressError('InvalidAddress', 'invalid witness program padding');
  const program = Uint8Array.from(programBytes);
  const problem = witnessProblem(version, program);
  if (problem) throw new AddressError('InvalidAddress', problem);
  return { version, program };
}

/** The address of `f` on `network`. Throws `AddressError` (`InvalidAddress`) if `f` has no valid address form. */
export function encodeAddress(f: AddressProgram, network: Network): string {
  if (f.version === FALLBACK_P2PKH || f.version === FALLBACK_P2SH) {
    if (f.program.length !== 20) throw new AddressError('InvalidAddress', `hash160 of ${f.program.length} bytes`);
    const v = BASE58_VERSION[network];
    return base58checkEncode(concatBytes(Uint8Array.of(f.version === FALLBACK_P2PKH ? v.p2pkh : v.p2sh), f.program));
  }
  const problem = witnessProblem(f.version, f.program);
  if (problem) throw new AddressError('InvalidAddress', problem);
  const words = [f.version, ...bech32.toWords(f.program)];
  return (f.version === 0 ? bech32 : bech32m).encode(SEGWIT_HRP[network], words, SEGWIT_MAX_LENGTH);
}

/** The output script (scriptPubKey) paying to `f`; undefined for versions above 18. */
export function fallbackScript(f: AddressProgram): Uint8Array | undefined {
  const p = f.program;
  if (f.version === FALLBACK_P2PKH) return concatBytes(Uint8Array.of(0x76, 0xa9, p.length), p, Uint8Array.of(0x88, 0xac));
  if (f.version === FALLBACK_P2SH) return concatBytes(Uint8Array.of(0xa9, p.length), p, Uint8Array.of(0x87));
  if (f.version >= 0 && f.version <= 16) {
    // OP_0 is 0x00; OP_1..OP_16 are 0x51..0x60.
    return concatBytes(Uint8Array.of(f.version === 0 ? 0 : 0x50 + f.version, p.length), p);
  }
  return undefined;
}

// ---- base58check (Bitcoin alphabet) ------------------------------------------------------------------------

const B58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';

function checksum4(payload: Uint8Array): Uint8Array {
  return sha256(sha256(payload)).subarray(0, 4);
}

function base58checkEncode(payload: Uint8Array): string {
  const bytes = concatBytes(payload, checksum4(payload));
  let n = 0n;
  for (const b of bytes) n = (n << 8n) | BigInt(b);
  let s = '';
  while (n > 0n) {
    s = B58[Number(n % 58n)] + s;
    n /= 58n;
  }
  for (let i = 0; i < bytes.length && bytes[i] === 0; i++) s = '1' + s;
  return s;
}

/** Payload of a base58check string, or undefined if it is not one. Lengths are capped: addresses are short. */
function base58checkDecode(s: string): Uint8Array | undefined {
  if (s.length === 0 || s.length > 64) return undefined;
  let n = 0n;
  for (const c of s) {
    const v = B58.indexOf(c);
    if (v < 0) return undefined;
    n = n * 58n + BigInt(v);
  }
  const body: number[] = [];
  while (n > 0n) {
    body.push(Number(n & 0xffn));
    n >>= 8n;
  }
  let zeros = 0;
  while (zeros < s.length && s[zeros] === '1') zeros++;
  const bytes = Uint8Array.from([...new Array<number>(zeros).fill(0), ...body.reverse()]);
  if (bytes.length < 5) return undefined;
  const payload = bytes.subarray(0, bytes.length - 4);
  return equalBytes(checksum4(payload), bytes.subarray(bytes.length - 4)) ? payload : undefined;
}
