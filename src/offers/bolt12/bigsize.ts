/**
 * BOLT 1 fundamental integers: BigSize, truncated `tu64`/`tu32`, and a bounds-checked reader over a
 * byte buffer. Every failure is a {@link Bolt12ParseError} whose message starts with the field name.
 */
import { fail } from './errors.js';

const U64_MAX = (1n << 64n) - 1n;

/**
 * BigSize encoding (BOLT 1 Appendix A): one byte up to 0xfc, then `fd`+u16, `fe`+u32, `ff`+u64.
 *
 * @example writeBigSize(253n) // Uint8Array [0xfd, 0x00, 0xfd]
 */
export function writeBigSize(value: bigint): Uint8Array {
  if (value < 0n || value > U64_MAX) throw new RangeError(`bigsize out of range: ${value}`);
  if (value < 0xfdn) return Uint8Array.of(Number(value));
  if (value <= 0xffffn) return Uint8Array.of(0xfd, Number(value >> 8n), Number(value & 0xffn));
  const wide = value <= 0xffffffffn ? 4 : 8;
  const out = new Uint8Array(1 + wide);
  out[0] = wide === 4 ? 0xfe : 0xff;
  let v = value;
  for (let i = wide; i >= 1; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

/** Truncated integer (`tu64`/`tu32`): big-endian with leading zero bytes removed; 0 is empty. */
export function writeTruncated(value: bigint): Uint8Array {
  if (value < 0n || value > U64_MAX) throw new RangeError(`tu64 out of range: ${value}`);
  const bytes: number[] = [];
  for (let v = value; v > 0n; v >>= 8n) bytes.unshift(Number(v & 0xffn));
  return Uint8Array.from(bytes);
}

/**
 * Reads a truncated integer occupying all of `value`.
 * BOLT 1: "`tu64`... encoded with the minimal number of bytes"; a leading 0x00 is not minimal.
 */
export function readTruncated(value: Uint8Array, maxBytes: 4 | 8, field: string): bigint {
  if (value.length > maxBytes) fail('InvalidLength', `${field}: tu${maxBytes * 8} longer than ${maxBytes} bytes`);
  if (value.length > 0 && value[0] === 0) fail('NonMinimalInteger', `${field}: tu${maxBytes * 8} is not minimal`);
  let v = 0n;
  for (const b of value) v = (v << 8n) | BigInt(b);
  return v;
}

/** A cursor over a byte buffer whose every read is bounds-checked against `end`. */
export class WireReader {
  pos: number;
  constructor(
    readonly buf: Uint8Array,
    readonly field: string,
    start = 0,
    readonly end = buf.length,
  ) {
    this.pos = start;
  }

  /** Bytes left. */
  get remaining(): number {
    return this.end - this.pos;
  }

  private need(n: number): void {
    if (this.end - this.pos < n) fail('Truncated', `${this.field}: unexpected EOF`);
  }

  u8(): number {
    this.need(1);
    return this.buf[this.pos++] as number;
  }

  u16(): number {
    this.need(2);
    const v = ((this.buf[this.pos] as number) << 8) | (this.buf[this.pos + 1] as number);
    this.pos += 2;
    return v;
  }

  u32(): number {
    this.need(4);
    const b = this.buf;
    const p = this.pos;
    const v = (b[p] as number) * 0x1000000 + (((b[p + 1] as number) << 16) | ((b[p + 2] as number) << 8) | (b[p + 3] as number));
    this.pos += 4;
    return v;
  }

  u64(): bigint {
    const hi = this.u32();
    const lo = this.u32();
    return (BigInt(hi) << 32n) | BigInt(lo);
  }

  /** `n` bytes (a view, not a copy). */
  bytes(n: number): Uint8Array {
    this.need(n);
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  /** Everything left. */
  rest(): Uint8Array {
    return this.bytes(this.remaining);
  }

  /**
   * A BigSize. BOLT 1: "if the value is not minimally encoded... MUST fail"; the messages are the spec
   * vectors' (`unexpected EOF`, `decoded bigsize is not canonical`).
   */
  bigSize(): bigint {
    if (this.remaining === 0) fail('Truncated', `${this.field}: EOF`);
    const first = this.u8();
    if (first < 0xfd) return BigInt(first);
    let v: bigint;
    let min: bigint;
    if (first === 0xfd) {
      v = BigInt(this.u16());
      min = 0xfdn;
    } else if (first === 0xfe) {
      v = BigInt(this.u32());
      min = 0x10000n;
    } else {
      v = this.u64();
      min = 0x100000000n;
    }
    if (v < min) fail('NonMinimalBigSize', `${this.field}: decoded bigsize is not canonical`);
    return v;
  }

  /** Fails unless every byte was consumed. */
  done(): void {
    if (this.pos !== this.end) fail('InvalidLength', `${this.field}: ${this.end - this.pos} trailing bytes`);
  }
}

/**
 * Decodes one BigSize that must fill `bytes` exactly.
 *
 * @example readBigSize(Uint8Array.of(0xfd, 0x00, 0xfd)) // 253n
 */
export function readBigSize(bytes: Uint8Array, field = 'bigsize'): bigint {
  const r = new WireReader(bytes, field);
  const v = r.bigSize();
  r.done();
  return v;
}
