/**
 * TLV streams (BOLT 1) declared as tables (STYLE 7), read in two stages:
 *
 * 1. {@link readTlvStream} is generic and raises only wire errors: truncation, non-minimal BigSize,
 *    order and duplicates, unknown even types, types outside the stream's ranges.
 * 2. {@link decodeFields} turns the known records into typed values with the table's codecs and keeps
 *    every unknown (odd) record byte-for-byte, so a writer can re-emit it unchanged.
 *
 * Every record keeps its raw bytes (`bytes` = type + length + value), which is what the Merkle tree
 * hashes and what an invoice_request copies from its offer.
 */
import { concatBytes } from '../../util/bytes.js';
import { WireReader, writeBigSize } from './bigsize.js';
import { fail } from './errors.js';

/** One TLV record as received. */
export interface TlvRecord {
  readonly type: bigint;
  /** The value (a view into the stream). */
  readonly value: Uint8Array;
  /** The whole record: BigSize type, BigSize length, value. */
  readonly bytes: Uint8Array;
}

/** An inclusive range of record types. */
export type TlvRange = readonly [bigint, bigint];

/** Reads and writes one field's value. `read` throws a Bolt12ParseError naming `field`. */
export interface FieldCodec<T> {
  read(value: Uint8Array, field: string): T;
  write(value: T): Uint8Array;
}

/** One row of a stream table: type number, the spec's field name, codec. */
export interface TlvField<N extends string = string, T = unknown> {
  readonly type: bigint;
  readonly name: N;
  readonly codec: FieldCodec<T>;
}

/** A stream's table: its rows, its allowed ranges (none = any type), and its name for messages. */
export interface TlvTable<F extends readonly TlvField[] = readonly TlvField[]> {
  readonly name: string;
  readonly fields: F;
  readonly ranges?: readonly TlvRange[];
  readonly byType: ReadonlyMap<bigint, TlvField>;
}

/** The typed values of a table: every field optional, named as in the spec. */
export type TlvValues<F extends readonly TlvField[]> = {
  readonly [K in F[number] as K['name']]?: K extends TlvField<string, infer T> ? T : never;
};

/** Declares a table row. */
export function tlvField<N extends string, T>(type: bigint, name: N, codec: FieldCodec<T>): TlvField<N, T> {
  return { type, name, codec };
}

/** Declares a stream table; `ranges` limits which types may appear at all. */
export function tlvTable<const F extends readonly TlvField[]>(
  name: string,
  fields: F,
  ranges?: readonly TlvRange[],
): TlvTable<F> {
  const byType = new Map<bigint, TlvField>();
  for (const f of fields) byType.set(f.type, f);
  return Object.freeze({ name, fields, ranges, byType });
}

/** True when `type` lies in one of `ranges`. */
export function inRanges(type: bigint, ranges: readonly TlvRange[]): boolean {
  return ranges.some(([lo, hi]) => type >= lo && type <= hi);
}

/**
 * Stage 1: splits `bytes` into records and enforces BOLT 1's stream rules.
 *
 * BOLT 1: the reader "MUST fail to parse the tlv_stream if... the type is not strictly greater than the
 * previous one, ... if length exceeds the number of bytes remaining, ... an unknown even type".
 * BOLT 12 adds the per-message ranges (`table.ranges`).
 *
 * @example readTlvStream(fromHex('0a0161'), OFFER_TABLE) // [{ type: 10n, value: 'a', bytes: 0a0161 }]
 */
export function readTlvStream(bytes: Uint8Array, table: TlvTable): TlvRecord[] {
  const out: TlvRecord[] = [];
  const r = new WireReader(bytes, table.name);
  let prev = -1n;
  while (r.remaining > 0) {
    const start = r.pos;
    const type = r.bigSize();
    const len = r.bigSize();
    if (len > BigInt(r.remaining)) fail('Truncated', `${table.name}: record ${type} length ${len} runs past the end`);
    const value = r.bytes(Number(len));
    if (type <= prev) fail('TypeOrder', `${table.name}: record ${type} is not after ${prev}`);
    prev = type;
    if (table.ranges && !inRanges(type, table.ranges)) {
      fail('OutOfRange', `${table.name}: record ${type} is outside the ${table.name} ranges`);
    }
    if (type % 2n === 0n && !table.byType.has(type)) fail('UnknownEvenType', `${table.name}: unknown even type ${type}`);
    out.push({ type, value, bytes: bytes.subarray(start, r.pos) });
  }
  return out;
}

/** Stage 1 result with stage 2 applied: typed known fields, and the unknown records kept verbatim. */
export interface DecodedStream<F extends readonly TlvField[]> {
  readonly records: readonly TlvRecord[];
  readonly fields: TlvValues<F>;
  readonly unknown: readonly TlvRecord[];
}

/** Decodes the known records of `records` with `table`'s codecs; unknown records go to `unknown`. */
export function decodeFields<F extends readonly TlvField[]>(records: readonly TlvRecord[], table: TlvTable<F>): DecodedStream<F> {
  const fields: Record<string, unknown> = {};
  const unknown: TlvRecord[] = [];
  for (const rec of records) {
    const f = table.byType.get(rec.type);
    if (f) fields[f.name] = f.codec.read(rec.value, f.name);
    else unknown.push(rec);
  }
  return { records, fields: fields as TlvValues<F>, unknown };
}

/** Both stages at once: reads `bytes` as a stream of `table` and decodes its known records. */
export function decodeTlvStream<F extends readonly TlvField[]>(bytes: Uint8Array, table: TlvTable<F>): DecodedStream<F> {
  return decodeFields(readTlvStream(bytes, table), table);
}

/** Encodes one record. */
export function encodeRecord(type: bigint, value: Uint8Array): TlvRecord {
  const bytes = concatBytes(writeBigSize(type), writeBigSize(BigInt(value.length)), value);
  return { type, value: bytes.subarray(bytes.length - value.length), bytes };
}

/**
 * Builds the records of `values` with `table`'s codecs, merged with `extra` records kept verbatim
 * (unknown fields, or fields copied from an offer / invoice_request), in ascending type order.
 * Throws a RangeError on a duplicate type: that is a bug in the caller, not bad input.
 */
export function encodeFields<F extends readonly TlvField[]>(
  table: TlvTable<F>,
  values: TlvValues<F>,
  extra: readonly TlvRecord[] = [],
): TlvRecord[] {
  const records: TlvRecord[] = [...extra];
  const v = values as Record<string, unknown>;
  for (const f of table.fields) {
    const x = v[f.name];
    if (x !== undefined) records.push(encodeRecord(f.type, f.codec.write(x)));
  }
  records.sort((a, b) => (a.type < b.type ? -1 : a.type > b.type ? 1 : 0));
  for (let i = 1; i < records.length; i++) {
    if ((records[i] as TlvRecord).type === (records[i - 1] as TlvRecord).type) {
      throw new RangeError(`${table.name}: duplicate record type ${(records[i] as TlvRecord).type}`);
    }
  }
  return records;
}

/** The concatenated bytes of `records`. */
export function recordsToBytes(records: readonly TlvRecord[]): Uint8Array {
  return concatBytes(...records.map((r) => r.bytes));
}
