import { describe, expect, it } from 'vitest';
import { RealPairFft } from '../../core/fft.js';

/** |DFT(x)[k]|^2 for k in [0, n/2], computed directly. */
function dftPowers(x: Float64Array): Float64Array {
  const n = x.length;
  const out = new Float64Array(n / 2 + 1);
  for (let k = 0; k <= n / 2; k++) {
    let re = 0;
    let im = 0;
    for (let t = 0; t < n; t++) {
      const angle = (-2 * Math.PI * k * t) / n;
      re += x[t]! * Math.cos(angle);
      im += x[t]! * Math.sin(angle);
    }
    out[k] = re * re + im * im;
  }
  return out;
}

describe('RealPairFft (core/fft.ts)', () => {
  it.each([2, 4, 8, 64, 512, 1024])('gives the power spectra of two real frames of length %i, as a direct DFT does', (n) => {
    const a = Float64Array.from({ length: n }, (_, i) => Math.sin(i * 0.7) + (i % 3) * 0.25);
    const b = Float64Array.from({ length: n }, (_, i) => Math.cos(i * 1.3) - (i % 5) * 0.1 + (i === 1 ? 2 : 0));
    const fft = new RealPairFft(n);
    for (let i = 0; i < n; i++) {
      fft.input[2 * i] = a[i]!;
      fft.input[2 * i + 1] = b[i]!;
    }
    const powerA = new Float64Array(fft.bins);
    const powerB = new Float64Array(fft.bins);
    fft.powers(powerA, powerB);
    const expectedA = dftPowers(a);
    const expectedB = dftPowers(b);
    for (let k = 0; k < fft.bins; k++) {
      expect(powerA[k]).toBeCloseTo(expectedA[k]!, 8);
      expect(powerB[k]).toBeCloseTo(expectedB[k]!, 8);
    }
  });

  it('keeps the frames apart: a zero second frame has a zero spectrum whatever the first holds', () => {
    const fft = new RealPairFft(256);
    for (let i = 0; i < 256; i++) fft.input[2 * i] = Math.sin(i * 0.31) * 3;
    const powerA = new Float64Array(fft.bins);
    const powerB = new Float64Array(fft.bins).fill(7);
    fft.powers(powerA, powerB);
    expect(Math.max(...powerB)).toBeLessThan(1e-18);
    expect(Math.max(...powerA)).toBeGreaterThan(1000);
  });

  it('given upTo, writes only the bins below it (the rest of the outputs is left as it was)', () => {
    const fft = new RealPairFft(64);
    for (let i = 0; i < 64; i++) fft.input[2 * i] = fft.input[2 * i + 1] = Math.cos(i);
    const full = [new Float64Array(fft.bins), new Float64Array(fft.bins)] as const;
    fft.powers(full[0], full[1]);
    const part = [new Float64Array(fft.bins).fill(-1), new Float64Array(fft.bins).fill(-1)] as const;
    fft.powers(part[0], part[1], 10);
    expect([...part[0].subarray(0, 10)]).toEqual([...full[0].subarray(0, 10)]);
    expect([...part[1].subarray(0, 10)]).toEqual([...full[1].subarray(0, 10)]);
    expect(part[0].subarray(10).every((v) => v === -1)).toBe(true);
  });

  it('refuses a size that is not a power of two', () => {
    expect(() => new RealPairFft(12)).toThrow(RangeError);
    expect(() => new RealPairFft(1)).toThrow(RangeError);
  });
});
