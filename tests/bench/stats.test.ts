import { describe, expect, it } from 'vitest';
import { formatSummary, median, quantile, summarize, timeRepetitions } from '../../bench/stats.js';
import { exactSearchBatch, recallAtK } from '../../bench/brute-force.js';
import { ClusteredMixture } from '../../bench/vectors.js';

describe('bench statistics', () => {
  it('given an odd number of samples, the median is the middle one whatever the order', () => {
    expect(median([9, 1, 5])).toBe(5);
  });

  it('given an even number of samples, the median interpolates the two middle ones', () => {
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });

  it('quantiles interpolate linearly between order statistics (type 7, as numpy and R default)', () => {
    const samples = [10, 20, 30, 40, 50];
    expect(quantile(samples, 0)).toBe(10);
    expect(quantile(samples, 0.25)).toBe(20);
    expect(quantile(samples, 0.9)).toBeCloseTo(46);
    expect(quantile(samples, 1)).toBe(50);
  });

  it('summarize reports median, quartiles, IQR, min, max and mean', () => {
    const s = summarize([7, 1, 3, 5, 9]);
    expect(s).toEqual({ n: 5, median: 5, q1: 3, q3: 7, iqr: 4, min: 1, max: 9, mean: 5 });
    expect(formatSummary(s)).toBe('5.0 (3.0-7.0)');
  });

  it('given no samples or a non-finite one, refuses instead of returning NaN', () => {
    expect(() => summarize([])).toThrow(RangeError);
    expect(() => summarize([1, Number.NaN])).toThrow(/not a finite number/);
    expect(() => quantile([1, 2], 1.5)).toThrow(/outside/);
  });

  it('timeRepetitions returns one duration per repetition, after the warm-up', async () => {
    let calls = 0;
    const times = await timeRepetitions(
      3,
      () => {
        calls++;
      },
      2,
    );
    expect(times).toHaveLength(3);
    expect(calls).toBe(5);
    for (const t of times) expect(t).toBeGreaterThanOrEqual(0);
  });
});

describe('bench brute-force search and data', () => {
  it('exact search returns the true top-k by inner product, best first', () => {
    const dim = 4;
    const data = new Float32Array([1, 0, 0, 0, 0, 1, 0, 0, 0.8, 0.6, 0, 0, 0, 0, 1, 0, -1, 0, 0, 0]);
    const [top] = exactSearchBatch(data, dim, new Float32Array([1, 0, 0, 0]), 3);
    expect(Array.from(top!.labels)).toEqual([0, 2, 1]);
    expect(top!.scores[0]).toBeCloseTo(1);
    expect(top!.scores[1]).toBeCloseTo(0.8);
  });

  it('exact search agrees with a sort of all scores on clustered data', () => {
    const mixture = new ClusteredMixture({ dim: 32, clusters: 5, rank: 4, spread: 0.8, noise: 0.5, seed: 7 });
    const data = mixture.sample(600, 1);
    const queries = mixture.sample(5, 2);
    const results = exactSearchBatch(data, 32, queries, 10);
    for (let q = 0; q < 5; q++) {
      const scores = Array.from({ length: 600 }, (_, r) => {
        let s = 0;
        for (let j = 0; j < 32; j++) s += data[r * 32 + j]! * queries[q * 32 + j]!;
        return { r, s };
      }).sort((a, b) => b.s - a.s);
      expect(Array.from(results[q]!.labels)).toEqual(scores.slice(0, 10).map((x) => x.r));
    }
    expect(
      recallAtK(
        results,
        results.map((r) => r.labels),
        10,
      ),
    ).toBe(1);
  });

  it('recall@k counts the share of true neighbours found', () => {
    const truth = [{ labels: Int32Array.from([1, 2, 3, 4]), scores: new Float32Array(4) }];
    expect(recallAtK(truth, [[1, 2, 9, 8]], 4)).toBe(0.5);
  });

  it('the mixture is seeded (same data every run) and its vectors are unit length', () => {
    const spec = { dim: 16, clusters: 3, rank: 2, spread: 0.8, noise: 0.3, seed: 1 };
    const a = new ClusteredMixture(spec).sample(10, 5);
    const b = new ClusteredMixture(spec).sample(10, 5);
    expect(a).toEqual(b);
    let norm = 0;
    for (let j = 0; j < 16; j++) norm += a[j]! * a[j]!;
    expect(norm).toBeCloseTo(1, 5);
  });
});
