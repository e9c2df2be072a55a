import { describe, expect, it } from 'vitest';
import { Fft } from '../../core/fft.js';

function dft(re: Float64Array, im: Float64Array): { re: Float64Array; im: Float64Array } {
  const n = re.length;
  const out = { re: new Float64Array(n), im: new Float64Array(n) };
  for (let k = 0; k < n; k++) {
    for (let t = 0; t < n; t++) {
      const angle = (-2 * Math.PI * k * t) / n;
      out.re[k]! += re[t]! * Math.cos(angle) - im[t]! * Math.sin(angle);
      out.im[k]! += re[t]! * Math.sin(angle) + im[t]! * Math.cos(angle);
    }
  }
  return out;
}

describe('Fft (core/fft.ts)', () => {
  it.each([2, 4, 8, 64, 1024])('matches a direct DFT of a complex signal of length %i', (n) => {
    const re = Float64Array.from({ length: n }, (_, i) => Math.sin(i * 0.7) + (i % 3) * 0.25);
    const im = Float64Array.from({ length: n }, (_, i) => Math.cos(i * 1.3) - (i % 5) * 0.1);
    const expected = dft(re, im);
    new Fft(n).transform(re, im);
    for (let k = 0; k < n; k++) {
      expect(re[k]).toBeCloseTo(expected.re[k]!, 8);
      expect(im[k]).toBeCloseTo(expected.im[k]!, 8);
    }
  });

  it('refuses a size that is not a power of two', () => {
    expect(() => new Fft(12)).toThrow(RangeError);
  });
});
