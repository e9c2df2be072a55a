import { describe, expect, it } from 'vitest';
import { autocorrelationSums } from '../../core/autocorrelation.js';

function directSums(x: Float64Array, maxLag: number): Float64Array {
  const out = new Float64Array(maxLag + 1);
  for (let lag = 0; lag <= maxLag && lag < x.length; lag++) {
    let acc = 0;
    for (let t = lag; t < x.length; t++) acc += x[t]! * x[t - lag]!;
    out[lag] = acc;
  }
  return out;
}

function signal(length: number, seed: number): Float64Array {
  let s = seed;
  return Float64Array.from({ length }, (_, t) => {
    s = (s * 16807) % 2147483647;
    return Math.sin(t * 0.21 * seed) + (s / 2147483647 - 0.5) + (t % 37 === 0 ? 3 : 0);
  });
}

describe('autocorrelationSums (core/autocorrelation.ts)', () => {
  it.each([
    ['one signal', [1200], 300],
    ['two signals of different lengths', [1000, 777], 482],
    ['three signals (the last without a partner)', [513, 2048, 64], 100],
    ['signals shorter than the largest lag', [40, 10], 64],
  ])('given %s, equals the direct sums at every lag to rounding', (_, lengths, maxLag) => {
    const signals = lengths.map((n, i) => signal(n, i + 2));
    const sums = autocorrelationSums(signals, maxLag);
    expect(sums).toHaveLength(signals.length);
    sums.forEach((got, i) => {
      const want = directSums(signals[i]!, maxLag);
      const scale = Math.max(1, want[0]!);
      for (let lag = 0; lag <= maxLag; lag++) expect(Math.abs(got[lag]! - want[lag]!) / scale).toBeLessThan(1e-10);
      for (let lag = signals[i]!.length; lag <= maxLag; lag++) expect(got[lag]).toBe(0);
    });
  });

  it('given no signals, returns none', () => {
    expect(autocorrelationSums([], 10)).toEqual([]);
  });
});
