/** Hex at the edges, bytes inside: the only conversions the project uses. */

const HEX_RE = /^(?:[0-9a-fA-F]{2})*$/;

/** Lower-case hex of `bytes`. */
export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/** True when `s` is an even-length hex string (either case), optionally of exactly `bytes` bytes. */
export function isHex(s: string, bytes?: number): boolean {
  return HEX_RE.test(s) && (bytes === undefined || s.length === bytes * 2);
}

/** Bytes of a hex string; throws a RangeError unless `s` is even-length hex (of `bytes` bytes when given). */
export function fromHex(s: string, bytes?: number): Uint8Array {
  if (!isHex(s, bytes)) {
    throw new RangeError(bytes === undefined ? 'expected hex' : `expected ${bytes} bytes of hex`);
  }
  return new Uint8Array(Buffer.from(s, 'hex'));
}
