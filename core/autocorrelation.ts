/**
 * Autocorrelation sums by FFT (Wiener-Khinchin): the inverse transform of a signal's power spectrum,
 * zero-padded so the circular sums equal the linear ones. O(n log n) instead of the direct n x lags,
 * which the tempo analysis (index-data/bpm.ts) ran per band over whole tracks: about 70 ms of main-thread
 * CPU for a 2-minute track, 2 s for an hour. Signals go through core/fft.ts two at a time.
 */
import { RealPairFft } from './fft.js';

/**
 * For each signal x, the sums S[lag] = sum over t of x[t] * x[t - lag] for lag 0..maxLag (0 where lag >= its
 * length), equal to the direct sums up to floating-point rounding.
 */
export function autocorrelationSums(signals: readonly Float64Array[], maxLag: number): Float64Array[] {
  const longest = Math.max(0, ...signals.map((x) => x.length));
  const size = 2 ** Math.max(1, Math.ceil(Math.log2(longest + maxLag + 1)));
  const fft = new RealPairFft(size);
  const bins = fft.bins;
  const powerA = new Float64Array(bins);
  const powerB = new Float64Array(bins);
  const out: Float64Array[] = [];
  for (let i = 0; i < signals.length; i += 2) {
    const a = signals[i]!;
    const b = signals[i + 1];
    const input = fft.input;
    input.fill(0);
    for (let t = 0; t < a.length; t++) input[2 * t] = a[t]!;
    if (b) for (let t = 0; t < b.length; t++) input[2 * t + 1] = b[t]!;
    fft.powers(powerA, powerB);
    // The power spectra are real and even, so transforming (Pa + i Pb) forward gives (Sa + i Sb) * size.
    for (let k = 0; k < size; k++) {
      const m = k < bins ? k : size - k;
      input[2 * k] = powerA[m]!;
      input[2 * k + 1] = powerB[m]!;
    }
    const z = fft.transform();
    const sumsA = new Float64Array(maxLag + 1);
    const sumsB = new Float64Array(maxLag + 1);
    for (let lag = 0; lag <= maxLag; lag++) {
      if (lag < a.length) sumsA[lag] = z[2 * lag]! / size;
      if (b && lag < b.length) sumsB[lag] = z[2 * lag + 1]! / size;
    }
    out.push(sumsA);
    if (b) out.push(sumsB);
  }
  return out;
}
