/**
 * CLAP's log-mel input (ClapFeatureExtractor for a window of exactly nb_max_samples: centred frames with
 * reflect padding, periodic Hann window, power spectrum, Slaney mel filters, 10*log10 with a 1e-10 floor)
 * computed for speed. transformers.js's extractor builds the same thing through a dense 64x513 filter
 * product run as an onnxruntime op; it costs 20-60 ms of CPU per 10 s window, which ran serially with
 * the HTSAT inference in the worker. Here two frames share one complex FFT (core/fft.ts) and each filter only
 * touches the bins where it is non-zero: a few ms per window. The window and filters are the
 * extractor's own, so the only difference is float rounding (tests/model/log-mel.test.ts).
 */
import { RealPairFft } from '../../core/fft.js';

export interface LogMelSettings {
  /** The analysis window (length = frame length = FFT length). */
  readonly window: ArrayLike<number>;
  /** One row per mel band, one column per frequency bin (frameLength / 2 + 1). */
  readonly melFilters: readonly ArrayLike<number>[];
  readonly hopLength: number;
  /** Frames kept (ClapFeatureExtractor's max_num_frames truncation); at most the frames the waveform gives. */
  readonly maxFrames?: number;
}

interface SparseFilter {
  readonly first: number;
  readonly weights: Float64Array;
}

const POWER_FLOOR = 1e-10;

export class LogMelSpectrogram {
  readonly frameLength: number;
  readonly mels: number;
  private readonly bins: number;
  private readonly window: Float64Array;
  private readonly filters: readonly SparseFilter[];
  private readonly fft: RealPairFft;
  /** Bins below the top filter's last non-zero weight (CLAP's filters end at 14 kHz: 299 of 513). */
  private readonly usedBins: number;
  private readonly powerA: Float64Array;
  private readonly powerB: Float64Array;

  constructor(private readonly settings: LogMelSettings) {
    this.frameLength = settings.window.length;
    this.bins = this.frameLength / 2 + 1;
    this.mels = settings.melFilters.length;
    if (settings.melFilters.some((row) => row.length !== this.bins)) {
      throw new RangeError(`mel filters must have ${this.bins} columns for a ${this.frameLength}-point FFT`);
    }
    this.window = Float64Array.from(settings.window);
    this.filters = settings.melFilters.map((row) => {
      let first = 0;
      while (first < row.length && row[first] === 0) first++;
      let last = row.length - 1;
      while (last >= first && row[last] === 0) last--;
      return { first, weights: Float64Array.from({ length: Math.max(0, last - first + 1) }, (_, i) => row[first + i]!) };
    });
    this.fft = new RealPairFft(this.frameLength);
    this.usedBins = Math.max(0, ...this.filters.map((f) => f.first + f.weights.length));
    this.powerA = new Float64Array(this.bins);
    this.powerB = new Float64Array(this.bins);
  }

  /** Frames a waveform of `samples` samples gives (centred, reflect-padded), before maxFrames. */
  framesFor(samples: number): number {
    return 1 + Math.floor((samples + 2 * Math.floor(this.frameLength / 2) - this.frameLength) / this.settings.hopLength);
  }

  /** Frames x mels of the spectrogram of a waveform of `samples` samples (after maxFrames). */
  valuesFor(samples: number): number {
    return Math.min(this.framesFor(samples), this.settings.maxFrames ?? Infinity) * this.mels;
  }

  /**
   * The log-mel spectrogram, frames x mels, row-major (frame-major, as the extractor's transpose gives),
   * written into `into` when given (exactly valuesFor(waveform.length) values).
   */
  compute(waveform: Float32Array, into?: Float32Array): Float32Array {
    const pad = Math.floor(this.frameLength / 2);
    if (waveform.length <= pad) throw new RangeError(`a waveform needs more than ${pad} samples for reflect padding`);
    const frames = Math.min(this.framesFor(waveform.length), this.settings.maxFrames ?? Infinity);
    const out = into ?? new Float32Array(frames * this.mels);
    if (out.length !== frames * this.mels) throw new RangeError(`log-mel: ${out.length} values given for ${frames * this.mels}`);
    for (let frame = 0; frame < frames; frame += 2) {
      const paired = frame + 1 < frames;
      this.load(waveform, frame * this.settings.hopLength - pad, 0);
      if (paired) this.load(waveform, (frame + 1) * this.settings.hopLength - pad, 1);
      else this.clearSecond();
      this.fft.powers(this.powerA, this.powerB, this.usedBins);
      this.melInto(this.powerA, out, frame * this.mels);
      if (paired) this.melInto(this.powerB, out, (frame + 1) * this.mels);
    }
    return out;
  }

  /**
   * One windowed frame starting at `start` of the unpadded waveform (negative or past the end: reflected)
   * into the FFT input's real (`part` 0) or imaginary (1) slots.
   */
  private load(waveform: Float32Array, start: number, part: 0 | 1): void {
    const last = waveform.length - 1;
    const w = this.window;
    const into = this.fft.input;
    if (start >= 0 && start + this.frameLength <= waveform.length) {
      for (let j = 0; j < this.frameLength; j++) into[2 * j + part] = waveform[start + j]! * w[j]!;
      return;
    }
    for (let j = 0; j < this.frameLength; j++) {
      let i = start + j;
      if (i < 0) i = -i;
      else if (i > last) i = 2 * last - i;
      into[2 * j + part] = waveform[i]! * w[j]!;
    }
  }

  /** A last frame without a partner: the imaginary slots are zero. */
  private clearSecond(): void {
    const into = this.fft.input;
    for (let j = 0; j < this.frameLength; j++) into[2 * j + 1] = 0;
  }

  private melInto(power: Float64Array, out: Float32Array, offset: number): void {
    for (let band = 0; band < this.mels; band++) {
      const { first, weights } = this.filters[band]!;
      let sum = 0;
      for (let j = 0; j < weights.length; j++) sum += weights[j]! * power[first + j]!;
      out[offset + band] = 10 * Math.log10(Math.max(POWER_FLOOR, sum));
    }
  }
}
