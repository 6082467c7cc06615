/**
 * Randomness drawn from the operating system in blocks: one `randomFillSync` of 4 KiB serves ~128
 * preimages, where a call per invoice cost more than the copy (docs/performance.md). Each caller gets
 * its own fresh copy; the bytes handed out are zeroed in the block, so none is served twice or kept.
 * Requests larger than a quarter block are filled directly.
 */
import { randomFillSync } from 'node:crypto';
import type { RandomSource } from './clock.js';

export function pooledRandom(blockSize = 4096, fill: (buf: Uint8Array) => void = (b) => void randomFillSync(b)): RandomSource {
  const block = new Uint8Array(blockSize);
  let at = blockSize;
  return (n: number): Uint8Array => {
    const out = new Uint8Array(n);
    if (n > blockSize / 4) {
      fill(out);
      return out;
    }
    if (at + n > blockSize) {
      fill(block);
      at = 0;
    }
    out.set(block.subarray(at, at + n));
    block.fill(0, at, at + n);
    at += n;
    return out;
  };
}
