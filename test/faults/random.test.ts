import { describe, expect, it } from 'vitest';
import { createRandom } from '../../server/faults/random.js';

const draws = (seed: number, stream: number, n: number) => {
  const random = createRandom(seed, stream);
  return Array.from({ length: n }, () => random.next());
};

describe('createRandom', () => {
  it('repeats for the same seed and stream', () => {
    expect(draws(42, 3, 50)).toEqual(draws(42, 3, 50));
  });

  it('differs between seeds, between streams, and for seeds beyond 32 bits', () => {
    expect(draws(1, 0, 20)).not.toEqual(draws(2, 0, 20));
    expect(draws(1, 0, 20)).not.toEqual(draws(1, 1, 20));
    expect(draws(1, 0, 20)).not.toEqual(draws(2 ** 32 + 1, 0, 20));
  });

  it('stays in [0, 1) and is roughly uniform', () => {
    const values = draws(7, 0, 20_000);
    expect(Math.min(...values)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...values)).toBeLessThan(1);
    const buckets = new Array<number>(10).fill(0);
    for (const v of values) buckets[Math.floor(v * 10)]! += 1;
    for (const count of buckets) expect(count).toBeGreaterThan(1_800);
    for (const count of buckets) expect(count).toBeLessThan(2_200);
  });
});
