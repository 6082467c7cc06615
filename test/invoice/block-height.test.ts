/**
 * The shared block height: the bridge's `setblockheight` (trusted; lower only with force), the heights our
 * HTLCs report (raise only, by a bounded jump), the locktime bound, and what is stored.
 */
import { describe, expect, it } from 'vitest';
import { BlockHeightError, createBlockHeight, MAX_HTLC_HEIGHT_JUMP } from '../../src/invoice/block-height.js';

function keeper(initial = 0) {
  const raised: number[] = [];
  const written: number[] = [];
  const refused: Array<[number, number]> = [];
  const h = createBlockHeight({
    initial,
    store: { raise: (x) => void raised.push(x), write: async (x) => void written.push(x) },
    onRefused: (x, known) => void refused.push([x, known]),
  });
  return { h, raised, written, refused };
}

describe('block height', () => {
  it('starts from the stored height, or 0; a stored height out of range counts as unknown', () => {
    expect(keeper().h.current()).toBe(0);
    expect(keeper(812).h.current()).toBe(812);
    expect(keeper(4_000_000_000).h.current()).toBe(0);
  });

  it("takes the bridge's height, refuses a lower one without force, and stores what it sets", async () => {
    const { h, raised, written } = keeper(100);
    expect(await h.set(120, false)).toBe(120);
    expect(await h.set(120, false)).toBe(120);
    expect(raised).toEqual([120]);
    await expect(h.set(119, false)).rejects.toEqual(
      new BlockHeightError('Lower', 'blockheight 119 is below the current block height 120: pass force=true to set it back'),
    );
    expect(h.current()).toBe(120);
    expect(await h.set(90, true)).toBe(90);
    expect(h.current()).toBe(90);
    expect(written).toEqual([90]);
    await expect(h.set(500_000_000, true)).rejects.toThrow('out of range');
    expect(h.current()).toBe(90);
  });

  it('an HTLC height only raises it, by at most the allowed jump, and never a locktime time', () => {
    const { h, raised, refused } = keeper(1000);
    expect(h.fromHtlc(999)).toBe(false);
    expect(h.fromHtlc(1000)).toBe(false);
    expect(h.fromHtlc(1001)).toBe(true);
    expect(h.fromHtlc(1001 + MAX_HTLC_HEIGHT_JUMP + 1)).toBe(false);
    expect(refused).toEqual([[1001 + MAX_HTLC_HEIGHT_JUMP + 1, 1001]]);
    expect(h.fromHtlc(1001 + MAX_HTLC_HEIGHT_JUMP)).toBe(true);
    expect(h.current()).toBe(1001 + MAX_HTLC_HEIGHT_JUMP);
    expect(raised).toEqual([1001, 1001 + MAX_HTLC_HEIGHT_JUMP]);
    expect(h.fromHtlc(4_000_000_000)).toBe(false);
  });

  it('while no height is known, any sane HTLC height is taken', () => {
    const { h } = keeper();
    expect(h.fromHtlc(850_000)).toBe(true);
    expect(h.current()).toBe(850_000);
  });
});
