/** The part of fft.js (indutny/fft.js 4.x, CommonJS, no bundled types) that core/fft.ts uses. */
declare module 'fft.js' {
  export default class FFT {
    constructor(size: number);
    readonly size: number;
    /** Forward transform of an interleaved complex array into `out` (length 2 * size each; not the same array). */
    transform(out: Float64Array, data: Float64Array): void;
  }
}
