/**
 * BOLT 11 writer: typed fields → signed invoice string. The signer is a function, so the node key never
 * enters the codec.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { secp256k1 } from '../../crypto/secp256k1.js';
import { witnessProblem } from '../../util/address.js';
import { concatBytes, equalBytes, utf8 } from '../../util/bytes.js';
import { MAX_MSAT } from '../../util/msat.js';
import { BOLT11_CURRENCY } from '../../util/network.js';
import { formatAmount } from './amount.js';
import { featuresToWords } from './features.js';
import {
  Bolt11EncodeError,
  type Bolt11EncodeOptions,
  type Bolt11Fallback,
  type Bolt11Fields,
  type Bolt11RouteHop,
  type Bolt11Signer,
} from './types.js';
import {
  bytesToWords,
  encodeBech32,
  uintToFixedWords,
  uintToWords,
  wordOf,
  wordsOfString,
  wordsToBytesPadded,
} from './words.js';

/** Core Lightning's field order (common/bolt11.c `bolt11_encode_`): s p h|d m n x c f… r… 9, then unknown fields. */
export const CLN_FIELD_ORDER: readonly string[] = ['s', 'p', 'h', 'd', 'm', 'n', 'x', 'c', 'f', 'r', '9', 'extra'];

/** data_length is 10 bits: 1023 words, 639 bytes (BOLT 11). */
const MAX_FIELD_WORDS = 1023;

function bad(field: string, message: string): never {
  throw new Bolt11EncodeError(field, `${field}: ${message}`);
}

function isUint(v: number, max: number): boolean {
  return Number.isSafeInteger(v) && v >= 0 && v <= max;
}

/** One tagged field: type word, 10-bit data_length, data. */
function pushField(out: number[], tag: string, data: readonly number[], field: string): void {
  if (data.length > MAX_FIELD_WORDS) bad(field, `${data.length} words exceed a field's 1023`);
  out.push(wordOf(tag.charCodeAt(0)), data.length >> 5, data.length & 31);
  for (const w of data) out.push(w);
}

function fixedBytes(field: string, b: Uint8Array | undefined, len: number): Uint8Array {
  if (!(b instanceof Uint8Array) || b.length !== len) bad(field, `must be ${len} bytes`);
  return b;
}

function fallbackWords(f: Bolt11Fallback): number[] {
  const { version, program } = f;
  if (!isUint(version, 18)) bad('fallbacks', `version ${version} out of range 0..18`);
  // BOLT 11: "MUST set an `f` field to a valid witness version and program, OR to `17` followed by a public key
  // hash, OR to `18` followed by a script hash."
  if (version >= 17 ? program.length !== 20 : witnessProblem(version, program) !== undefined) {
    bad('fallbacks', `version ${version} with a program of ${program.length} bytes`);
  }
  return [version, ...bytesToWords(program)];
}

function parseScid(s: string): Uint8Array {
  const m = /^(\d{1,8})x(\d{1,8})x(\d{1,5})$/.exec(s);
  const block = m ? Number(m[1]) : -1;
  const tx = m ? Number(m[2]) : -1;
  const out = m ? Number(m[3]) : -1;
  if (!isUint(block, 0xffffff) || !isUint(tx, 0xffffff) || !isUint(out, 0xffff)) {
    bad('routes', `short_channel_id '${s}' is not BLOCKxTXxOUTPUT`);
  }
  return Uint8Array.of(block >> 16, (block >> 8) & 0xff, block & 0xff, tx >> 16, (tx >> 8) & 0xff, tx & 0xff, out >> 8, out & 0xff);
}

function routeWords(route: readonly Bolt11RouteHop[]): number[] {
  if (route.length === 0) bad('routes', 'a route hint needs at least one hop');
  const bytes = new Uint8Array(route.length * 51);
  const view = new DataView(bytes.buffer);
  route.forEach((hop, i) => {
    const off = i * 51;
    bytes.set(fixedBytes('routes', hop.pubkey, 33), off);
    bytes.set(parseScid(hop.short_channel_id), off + 33);
    if (!isUint(hop.fee_base_msat, 0xffffffff)) bad('routes', `fee_base_msat ${hop.fee_base_msat} is not a u32`);
    if (!isUint(hop.fee_proportional_millionths, 0xffffffff)) {
      bad('routes', `fee_proportional_millionths ${hop.fee_proportional_millionths} is not a u32`);
    }
    if (!isUint(hop.cltv_expiry_delta, 0xffff)) bad('routes', `cltv_expiry_delta ${hop.cltv_expiry_delta} is not a u16`);
    view.setUint32(off + 41, hop.fee_base_msat);
    view.setUint32(off + 45, hop.fee_proportional_millionths);
    view.setUint16(off + 49, hop.cltv_expiry_delta);
  });
  return bytesToWords(bytes);
}

/** Every field's words, queued per tag (several for `f`, `r`; `extra` is its own queue). */
/**
 * `x` / `c` words as Core Lightning writes them (`push_varlen_field`): the fewest words, and one zero word for
 * 0. A zero-length field would be minimal too, but common decoders refuse to read an integer from no bits.
 */
function varlenWords(value: number): number[] {
  return value === 0 ? [0] : uintToWords(value);
}

function fieldQueues(fields: Bolt11Fields, explicitX: boolean): Map<string, { tag: string; words: number[] }[]> {
  const q = new Map<string, { tag: string; words: number[] }[]>();
  const add = (key: string, tag: string, words: number[]): void => {
    const list = q.get(key) ?? [];
    list.push({ tag, words });
    q.set(key, list);
  };
  if (fields.payment_secret !== undefined) add('s', 's', bytesToWords(fixedBytes('payment_secret', fields.payment_secret, 32)));
  add('p', 'p', bytesToWords(fixedBytes('payment_hash', fields.payment_hash, 32)));
  if (fields.description_hash !== undefined) {
    add('h', 'h', bytesToWords(fixedBytes('description_hash', fields.description_hash, 32)));
  }
  if (fields.description !== undefined) {
    if (typeof fields.description !== 'string') bad('description', 'must be a string');
    const bytes = utf8(fields.description);
    if (bytes.length > 639) bad('description', `${bytes.length} bytes exceed 639`);
    add('d', 'd', bytesToWords(bytes));
  }
  if (fields.payment_metadata !== undefined) {
    if (fields.payment_metadata.length > 639) bad('payment_metadata', `${fields.payment_metadata.length} bytes exceed 639`);
    add('m', 'm', bytesToWords(fields.payment_metadata));
  }
  if (fields.payee !== undefined) add('n', 'n', bytesToWords(fixedBytes('payee', fields.payee, 33)));
  if (fields.expiry !== undefined) {
    if (!isUint(fields.expiry, Number.MAX_SAFE_INTEGER)) bad('expiry', `${fields.expiry} is not a non-negative safe integer`);
    // Core Lightning writes `x` only when it differs from the reader's default of 3600.
    if (fields.expiry !== 3600 || explicitX) add('x', 'x', varlenWords(fields.expiry));
  }
  if (fields.min_final_cltv_expiry !== undefined) {
    if (!isUint(fields.min_final_cltv_expiry, 0xffffffff)) {
      bad('min_final_cltv_expiry', `${fields.min_final_cltv_expiry} is not a u32`);
    }
    add('c', 'c', varlenWords(fields.min_final_cltv_expiry));
  }
  for (const f of fields.fallbacks ?? []) add('f', 'f', fallbackWords(f));
  for (const r of fields.routes ?? []) add('r', 'r', routeWords(r));
  if (fields.features !== undefined) {
    // BOLT 11: "if `9` contains non-zero bits: MUST use the minimum `data_length` possible ... otherwise: MUST
    // omit the `9` field altogether."
    const w = featuresToWords(fields.features);
    if (w.length > 0) add('9', '9', w);
  }
  for (const e of fields.extra ?? []) {
    const words = wordsOfString(e.data);
    if (e.tag.length !== 1 || wordOf(e.tag.charCodeAt(0)) < 0 || e.tag !== e.tag.toLowerCase() || !words) {
      bad('extra', `tag '${e.tag}' / data are not bech32 characters`);
    }
    add('extra', e.tag, words);
  }
  return q;
}

/** The hrp for `fields`: `ln` + currency + shortest amount. */
function hrpOf(fields: Bolt11Fields): string {
  const currency = BOLT11_CURRENCY[fields.network];
  if (currency === undefined) bad('network', `unknown network '${String(fields.network)}'`);
  if (fields.amount_msat === undefined) return 'ln' + currency;
  if (typeof fields.amount_msat !== 'bigint' || fields.amount_msat <= 0n || fields.amount_msat > MAX_MSAT) {
    bad('amount_msat', 'must be a positive u64 bigint');
  }
  return 'ln' + currency + formatAmount(fields.amount_msat);
}

/** Signs `data` (timestamp + tagged fields) under `hrp` and returns the invoice string. */
export function signAndEncode(hrp: string, data: number[], sign: Bolt11Signer, payee?: Uint8Array): string {
  // BOLT 11: the signature covers "the SHA2 256-bit hash of the human-readable part, represented as UTF-8 bytes,
  // concatenated with the data part (excluding the signature) with 0 bits appended to pad the data to the next
  // byte boundary".
  const digest = sha256(concatBytes(utf8(hrp), wordsToBytesPadded(data)));
  const { signature, recoveryId } = sign(digest);
  if (signature.length !== 64 || !isUint(recoveryId, 3)) bad('signature', 'signer returned a malformed signature');
  if (payee !== undefined) {
    // BOLT 11: a writer "MUST set `n` to the public key used to create the `signature`".
    const key = secp256k1.recover(digest, signature, recoveryId);
    if (!key || !equalBytes(key, payee)) bad('payee', 'is not the signing key');
  }
  const sigWords = bytesToWords(concatBytes(signature, Uint8Array.of(recoveryId)));
  return encodeBech32(hrp, data.concat(sigWords));
}

/** Implementation of `encodeBolt11` (see its documentation in `index.ts`). */
export function encodeBolt11Impl(fields: Bolt11Fields, sign: Bolt11Signer, opts: Bolt11EncodeOptions = {}): string {
  const explicitOrder = opts.fieldOrder;
  if (!explicitOrder) {
    // BOLT 11 writer: "MUST include exactly one `p` field", "MUST include exactly one `s` field", "MUST include
    // either exactly one `d` or exactly one `h` field".
    if (fields.payment_secret === undefined) bad('payment_secret', 'is required');
    if ((fields.description === undefined) === (fields.description_hash === undefined)) {
      bad('description', 'exactly one of description and description_hash is required');
    }
  }
  if (!isUint(fields.timestamp, 2 ** 35 - 1)) bad('timestamp', `${fields.timestamp} does not fit 35 bits`);
  const hrp = hrpOf(fields);
  const queues = fieldQueues(fields, explicitOrder?.includes('x') ?? false);
  const data = uintToFixedWords(fields.timestamp, 7);
  let wroteN = false;
  if (explicitOrder) {
    for (const key of explicitOrder) {
      const next = queues.get(key)?.shift();
      if (!next) bad('fieldOrder', `'${key}' names no remaining field`);
      pushField(data, next.tag, next.words, key);
      wroteN ||= key === 'n';
    }
  } else {
    for (const key of CLN_FIELD_ORDER) for (const f of queues.get(key) ?? []) pushField(data, f.tag, f.words, key);
    wroteN = fields.payee !== undefined;
  }
  return signAndEncode(hrp, data, sign, wroteN ? fields.payee : undefined);
}
