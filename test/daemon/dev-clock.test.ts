import { describe, expect, it } from 'vitest';
import { AdjustableClock } from '../../src/daemon/dev-clock.js';

const turn = () => new Promise((r) => setImmediate(r));

describe('AdjustableClock', () => {
  it('runs ahead of real time by its offset', () => {
    let real = 1_000_000;
    const c = new AdjustableClock(5_000, () => real);
    expect(c.now()).toBe(1_005_000);
    real += 10;
    expect(c.now()).toBe(1_005_010);
  });

  it('advance() fires due timers in due order, asynchronously, and leaves later ones', async () => {
    const c = new AdjustableClock(0, () => 0);
    const fired: string[] = [];
    c.setTimer(60_000, () => fired.push('b'));
    c.setTimer(30_000, () => fired.push('a'));
    c.setTimer(3_600_000, () => fired.push('late'));
    const cancel = c.setTimer(10_000, () => fired.push('cancelled'));
    cancel();
    c.advance(61_000);
    expect(fired).toEqual([]);
    await turn();
    expect(fired).toEqual(['a', 'b']);
    c.advance(1_000);
    await turn();
    expect(fired).toEqual(['a', 'b']);
    c.advance(3_600_000);
    await turn();
    expect(fired).toEqual(['a', 'b', 'late']);
  });

  it('refuses to go backwards', () => {
    expect(() => new AdjustableClock().advance(-1)).toThrow(RangeError);
  });
});
