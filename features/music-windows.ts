/**
 * How decoded music becomes the CLAP encoder's input (DESIGN §4): exact windows of `windowSeconds` at
 * `sampleRate`, mono, cut at the window starts of the segment layout (segments.ts). The catalog, the
 * training data and the synthetic benchmark all cut their windows here, so the same second of music
 * gives the same samples everywhere.
 */

/** The CLAP audio encoder's window (model/types.ts `AudioEncoder`). */
export interface WindowFormat {
  readonly sampleRate: number;
  readonly windowSeconds: number;
}

/** Samples in one window. */
export function windowLength(format: WindowFormat): number {
  return Math.round(format.sampleRate * format.windowSeconds);
}

/** Samples a window may lack at the very end of a track (resampling rounding) and still count as whole; they are zero-padded. */
export function windowSlack(format: WindowFormat): number {
  return Math.round(format.sampleRate * 1e-3);
}

/** Where the window starting at `start` seconds begins in samples that begin at `origin` seconds. */
function offsetOf(format: WindowFormat, start: number, origin: number): number {
  return Math.round((start - origin) * format.sampleRate);
}

/** Whether `samples` (beginning at `origin` seconds) hold the window at `start` whole, up to the slack. */
export function holdsWindow(samples: Float32Array, format: WindowFormat, start: number, origin = 0): boolean {
  return samples.length - offsetOf(format, start, origin) >= windowLength(format) - windowSlack(format);
}

/** The window at `start` seconds, cut from `samples` that begin at `origin` seconds: a copy of exactly one window, zero-padded past their end. */
export function cutWindow(samples: Float32Array, format: WindowFormat, start: number, origin = 0): Float32Array {
  const length = windowLength(format);
  const offset = offsetOf(format, start, origin);
  const window = new Float32Array(length);
  window.set(samples.subarray(offset, offset + length));
  return window;
}

/**
 * The window at `start` seconds as it goes to the encoder: a view of `samples` when they are in shared
 * memory (a SharedArrayBuffer, which a worker thread reads in place) and hold the whole window, else
 * cutWindow's copy.
 */
export function encoderWindow(samples: Float32Array, format: WindowFormat, start: number, origin = 0): Float32Array {
  const length = windowLength(format);
  const offset = offsetOf(format, start, origin);
  if (samples.buffer instanceof SharedArrayBuffer && offset >= 0 && offset + length <= samples.length) return samples.subarray(offset, offset + length);
  return cutWindow(samples, format, start, origin);
}
