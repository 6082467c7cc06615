/** The block-drawn randomness: every byte served once, in order, refilled when a request does not fit. */
import { describe, expect, it } from 'vitest';
import { pooledRandom } from '../../src/util/random-pool.js';

/** A fill that writes a running counter, so which bytes were served is visible. */
function counting(): { fill: (b: Uint8Array) => void; calls: () => number } {
  let next = 1;
  let calls = 0;
  return {
    fill: (b) => {
      calls++;
      for (let i = 0; i < b.length; i++) b[i] = next++ & 0xff;
    },
    calls: () => calls,
  };
}

describe('pooledRandom', () => {
  it('serves consecutive bytes of one block, each once, and refills when a request does not fit', () => {
    const src = counting();
    const random = pooledRandom(64, src.fill);
    expect([...random(4)]).toEqual([1, 2, 3, 4]);
    expect([...random(12)]).toEqual([5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]);
    expect(src.calls()).toBe(1);
    for (let i = 0; i < 3; i++) random(16); // 16 + 48 = 64: the block is used up exactly
    expect(src.calls()).toBe(1);
    expect([...random(2)]).toEqual([65, 66]); // a new block
    expect(src.calls()).toBe(2);
  });

  it('fills a large request directly and leaves the block as it was', () => {
    const src = counting();
    const random = pooledRandom(64, src.fill);
    expect(random(1)[0]).toBe(1);
    expect(random(17)).toHaveLength(17); // > 64 / 4: its own fill
    expect(src.calls()).toBe(2);
    expect(random(1)[0]).toBe(2); // the block goes on where it was
  });

  it('returns independent copies, and 10,000 32-byte draws from the OS are all distinct', () => {
    const random = pooledRandom();
    const a = random(32);
    const b = random(32);
    a.fill(0);
    expect(b.some((x) => x !== 0)).toBe(true);
    const seen = new Set(Array.from({ length: 10_000 }, () => Buffer.from(random(32)).toString('hex')));
    expect(seen.size).toBe(10_000);
  });
});
