import { describe, expect, it } from 'vitest';
import { comparePaired, ndcgAtK } from '../evaluation/offline-metrics.js';

describe('offline ranking metrics', () => {
  it('computes NDCG@k with exponential gains, as the Python pipeline does', () => {
    expect(ndcgAtK([3, 2, 0])).toBe(1);
    expect(ndcgAtK([0, 0])).toBe(0);
    // (2^0-1)/log2(2) + (2^3-1)/log2(3) over the ideal 7/log2(2)
    expect(ndcgAtK([0, 3])).toBeCloseTo(7 / Math.log2(3) / 7, 12);
    expect(ndcgAtK([0, 3], 1)).toBe(0);
  });

  it('gives the relative gain with an interval over resampled queries', () => {
    const baseline = [0.5, 0.8, 1, 0.9, 0.6, 0.7, 1, 0.4];
    const model = [0.7, 0.8, 1, 0.95, 0.55, 0.9, 1, 0.6];
    const c = comparePaired(model, baseline);
    const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
    expect(c.relative_gain).toBeCloseTo(sum(model) / sum(baseline) - 1, 12);
    expect(c.relative_gain_ci95[0]).toBeLessThan(c.relative_gain);
    expect(c.relative_gain_ci95[1]).toBeGreaterThan(c.relative_gain);
    expect(c.queries).toEqual({ better: 4, worse: 1, tied: 3 });
    expect(comparePaired(model, baseline)).toEqual(c); // seeded: the same every run
    expect(comparePaired(model, baseline, { seed: 7 }).relative_gain_ci95).not.toEqual(c.relative_gain_ci95);
  });

  it('has an interval of zero width when model and baseline agree, and above zero when the model always wins', () => {
    const same = comparePaired([0.5, 0.9, 1], [0.5, 0.9, 1]);
    expect(same.relative_gain_ci95).toEqual([0, 0]);
    expect(same.queries.tied).toBe(3);
    const wins = comparePaired([0.6, 1, 0.9, 0.8], [0.5, 0.9, 0.7, 0.6]);
    expect(wins.relative_gain_ci95[0]).toBeGreaterThan(0);
    expect(() => comparePaired([1], [])).toThrow();
  });
});
