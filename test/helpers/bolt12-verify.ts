/**
 * An independent reader of the BOLT 12 invoices the daemon writes, for tests: its own BigSize/TLV
 * parser, its own Merkle tree (bolt12 "Signature Calculation"), @noble/secp256k1 for BIP-340 (the daemon
 * signs through tiny-secp256k1), and its own route-blinding decryption (BOLT 4: ss = SHA256(k·E),
 * rho = HMAC256("rho", ss), ChaCha20-Poly1305 with a zero nonce). Nothing here imports src/offers.
 */
import { createDecipheriv } from 'node:crypto';
import * as noble from '@noble/secp256k1';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';

noble.hashes.sha256 = sha256;
noble.hashes.hmacSha256 = (key: Uint8Array, msg: Uint8Array) => hmac(sha256, key, msg);

const enc = new TextEncoder();

/** One TLV record with its full encoding. */
export interface RawRecord {
  readonly type: bigint;
  readonly value: Uint8Array;
  readonly bytes: Uint8Array;
}

function bigsize(buf: Uint8Array, pos: number): [bigint, number] {
  const b = buf[pos];
  if (b === undefined) throw new Error('truncated bigsize');
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  if (b < 0xfd) return [BigInt(b), pos + 1];
  if (b === 0xfd) return [BigInt(dv.getUint16(pos + 1)), pos + 3];
  if (b === 0xfe) return [BigInt(dv.getUint32(pos + 1)), pos + 5];
  return [dv.getBigUint64(pos + 1), pos + 9];
}

function writeBigsize(n: bigint): Uint8Array {
  if (n < 0xfdn) return Uint8Array.of(Number(n));
  if (n <= 0xffffn) return Uint8Array.of(0xfd, Number(n >> 8n), Number(n & 0xffn));
  const out = new Uint8Array(5);
  out[0] = 0xfe;
  new DataView(out.buffer).setUint32(1, Number(n));
  return out;
}

/** Splits a TLV stream into records (order checked). */
export function readRecords(buf: Uint8Array): RawRecord[] {
  const out: RawRecord[] = [];
  let pos = 0;
  while (pos < buf.length) {
    const start = pos;
    const [type, p1] = bigsize(buf, pos);
    const [len, p2] = bigsize(buf, p1);
    const end = p2 + Number(len);
    if (end > buf.length) throw new Error('record past the end');
    if (out.length > 0 && type <= out[out.length - 1]!.type) throw new Error('records out of order');
    out.push({ type, value: buf.slice(p2, end), bytes: buf.slice(start, end) });
    pos = end;
  }
  return out;
}

const cat = (...parts: Uint8Array[]): Uint8Array => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
};

function tagged(tag: Uint8Array, msg: Uint8Array): Uint8Array {
  const t = sha256(tag);
  return sha256(cat(t, t, msg));
}

function lessThan(a: Uint8Array, b: Uint8Array): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! < b[i]!;
  return false;
}

function branch(a: Uint8Array, b: Uint8Array): Uint8Array {
  return lessThan(a, b) ? tagged(enc.encode('LnBranch'), cat(a, b)) : tagged(enc.encode('LnBranch'), cat(b, a));
}

/** BOLT 12 Merkle root of the non-signature records. */
export function merkle(records: readonly RawRecord[]): Uint8Array {
  const leaves = records.filter((r) => r.type < 240n || r.type > 1000n);
  const first = leaves[0]!.bytes;
  let level = leaves.map((r) =>
    branch(tagged(enc.encode('LnLeaf'), r.bytes), tagged(cat(enc.encode('LnNonce'), first), writeBigsize(r.type))),
  );
  while (level.length > 1) {
    const next: Uint8Array[] = [];
    for (let i = 0; i < level.length; i += 2) next.push(i + 1 < level.length ? branch(level[i]!, level[i + 1]!) : level[i]!);
    level = next;
  }
  return level[0]!;
}

/** Everything a test checks about one of our invoices. */
export interface VerifiedInvoice {
  readonly records: Map<bigint, Uint8Array>;
  readonly signatureValid: boolean;
  readonly mirrorsRequest: boolean;
  /** The path_id of the first invoice path, decrypted with the node secret (undefined if it fails). */
  readonly path_id?: Uint8Array;
  readonly payinfo: { fee_base_msat: number; fee_ppm: number; cltv_expiry_delta: number; htlc_min: bigint; htlc_max: bigint; flen: number };
  readonly amount: bigint;
  readonly created_at: bigint;
  readonly relative_expiry?: bigint;
  readonly payment_hash: Uint8Array;
  readonly node_id: Uint8Array;
  readonly features: Uint8Array;
}

const tu = (v: Uint8Array): bigint => v.reduce((n, b) => (n << 8n) | BigInt(b), 0n);
const inMirror = (t: bigint) => (t >= 0n && t <= 159n) || (t >= 1_000_000_000n && t <= 2_999_999_999n);

/** Reads and checks an invoice against the request it answers, decrypting its path with `nodeSecret`. */
export function verifyInvoice(invoice: Uint8Array, request: Uint8Array, nodeSecret: Uint8Array): VerifiedInvoice {
  const recs = readRecords(invoice);
  const map = new Map(recs.map((r) => [r.type, r.value]));
  const get = (t: bigint) => {
    const v = map.get(t);
    if (!v) throw new Error(`invoice lacks type ${t}`);
    return v;
  };
  const root = merkle(recs);
  const sighash = tagged(enc.encode('lightninginvoicesignature'), root);
  const node_id = get(176n);
  const signatureValid = noble.schnorr.verify(get(240n), sighash, node_id.subarray(1));
  const mine = cat(...recs.filter((r) => inMirror(r.type)).map((r) => r.bytes));
  const theirs = cat(...readRecords(request).filter((r) => inMirror(r.type)).map((r) => r.bytes));
  const mirrorsRequest = mine.length === theirs.length && mine.every((b, i) => b === theirs[i]);

  // invoice_paths[0]: first_node_id(33) first_path_key(33) num_hops(1) [blinded_node_id(33) len(2) data].
  const paths = get(160n);
  if (paths[66] !== 1) throw new Error(`expected a one-hop path, got ${paths[66]}`);
  const path_id = pathIdOf(paths, nodeSecret);
  const pi = get(162n);
  const dv = new DataView(pi.buffer, pi.byteOffset, pi.byteLength);
  return {
    records: map,
    signatureValid,
    mirrorsRequest,
    ...(path_id ? { path_id } : {}),
    payinfo: {
      fee_base_msat: dv.getUint32(0),
      fee_ppm: dv.getUint32(4),
      cltv_expiry_delta: dv.getUint16(8),
      htlc_min: dv.getBigUint64(10),
      htlc_max: dv.getBigUint64(18),
      flen: dv.getUint16(26),
    },
    amount: tu(get(170n)),
    created_at: tu(get(164n)),
    ...(map.has(166n) ? { relative_expiry: tu(get(166n)) } : {}),
    payment_hash: get(168n),
    node_id,
    features: map.get(174n) ?? new Uint8Array(0),
  };
}

/** The `error` text of an invoice_error TLV (type 5). */
export function invoiceErrorText(bytes: Uint8Array): string {
  const r = readRecords(bytes).find((x) => x.type === 5n);
  if (!r) throw new Error('invoice_error without error');
  return new TextDecoder().decode(r.value);
}

/** The path_id of a one-hop blinded path (wire bytes) to the node whose secret is `nodeSecret`. */
export function pathIdOf(path: Uint8Array, nodeSecret: Uint8Array): Uint8Array | undefined {
  const E = path.subarray(33, 66);
  const dlen = (path[100]! << 8) | path[101]!;
  const data = path.subarray(102, 102 + dlen);
  try {
    const ss = sha256(noble.Point.fromBytes(E).multiply(tu(nodeSecret)).toBytes(true));
    const rho = hmac(sha256, enc.encode('rho'), ss);
    const d = createDecipheriv('chacha20-poly1305', rho, new Uint8Array(12), { authTagLength: 16 });
    d.setAuthTag(data.subarray(dlen - 16));
    const plain = new Uint8Array(Buffer.concat([d.update(data.subarray(0, dlen - 16)), d.final()]));
    return readRecords(plain).find((r) => r.type === 6n)?.value;
  } catch {
    return undefined;
  }
}
