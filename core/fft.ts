/**
 * In-place iterative radix-2 FFT of a complex signal (separate real and imaginary arrays). Small and
 * dependency-free: the BPM estimator (index-data/bpm.ts) and the CLAP log-mel features
 * (model/encoders/log-mel.ts, about a thousand 1024-point transforms per 10 s window) use it. The
 * twiddles of each stage are stored contiguously and the first two stages (twiddles 1 and -i) are
 * done without multiplications.
 */
export class Fft {
  readonly size: number;
  /** Stage with half-length h (h >= 4) keeps its h twiddles at [h, 2h): cos in #cos, sin in #sin. */
  readonly #cos: Float64Array;
  readonly #sin: Float64Array;
  readonly #reversed: Uint32Array;

  constructor(size: number) {
    if (!Number.isInteger(Math.log2(size)) || size < 2) throw new RangeError(`FFT size must be a power of two >= 2, got ${size}`);
    this.size = size;
    this.#cos = new Float64Array(size);
    this.#sin = new Float64Array(size);
    for (let half = 1; half < size; half *= 2) {
      for (let k = 0; k < half; k++) {
        this.#cos[half + k] = Math.cos((-Math.PI * k) / half);
        this.#sin[half + k] = Math.sin((-Math.PI * k) / half);
      }
    }
    const bits = Math.log2(size);
    this.#reversed = new Uint32Array(size);
    for (let i = 0; i < size; i++) {
      let r = 0;
      for (let b = 0; b < bits; b++) r |= ((i >> b) & 1) << (bits - 1 - b);
      this.#reversed[i] = r;
    }
  }

  /** Forward transform of (re, im), both of length `size`, in place. */
  transform(re: Float64Array, im: Float64Array): void {
    const n = this.size;
    const reversed = this.#reversed;
    for (let i = 0; i < n; i++) {
      const j = reversed[i]!;
      if (j > i) {
        let t = re[i]!;
        re[i] = re[j]!;
        re[j] = t;
        t = im[i]!;
        im[i] = im[j]!;
        im[j] = t;
      }
    }
    // half = 1: twiddle 1.
    for (let a = 0; a + 1 < n; a += 2) {
      const br = re[a + 1]!;
      const bi = im[a + 1]!;
      re[a + 1] = re[a]! - br;
      im[a + 1] = im[a]! - bi;
      re[a] = re[a]! + br;
      im[a] = im[a]! + bi;
    }
    if (n < 4) return;
    // half = 2: twiddles 1 and -i.
    for (let a = 0; a < n; a += 4) {
      let br = re[a + 2]!;
      let bi = im[a + 2]!;
      re[a + 2] = re[a]! - br;
      im[a + 2] = im[a]! - bi;
      re[a] = re[a]! + br;
      im[a] = im[a]! + bi;
      // (x + i y) * -i = y - i x
      br = im[a + 3]!;
      bi = -re[a + 3]!;
      re[a + 3] = re[a + 1]! - br;
      im[a + 3] = im[a + 1]! - bi;
      re[a + 1] = re[a + 1]! + br;
      im[a + 1] = im[a + 1]! + bi;
    }
    const cos = this.#cos;
    const sin = this.#sin;
    for (let half = 4; half < n; half *= 2) {
      for (let start = 0; start < n; start += 2 * half) {
        for (let k = 0; k < half; k++) {
          const wr = cos[half + k]!;
          const wi = sin[half + k]!;
          const a = start + k;
          const b = a + half;
          const rb = re[b]!;
          const ib = im[b]!;
          const xr = rb * wr - ib * wi;
          const xi = rb * wi + ib * wr;
          const ra = re[a]!;
          const ia = im[a]!;
          re[b] = ra - xr;
          im[b] = ia - xi;
          re[a] = ra + xr;
          im[a] = ia + xi;
        }
      }
    }
  }
}
