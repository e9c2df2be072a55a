/**
 * Tempo (BPM) of a track, in two stages:
 *
 * 1. `OnsetEnvelope` takes the decoded audio chunk by chunk (the indexer's 2-minute chunks, in order)
 *    and keeps, 100 times a second, how much new energy starts in each of 8 frequency bands
 *    (band-wise spectral flux of the log-magnitude spectrum), plus the frame's level for the silence
 *    check. The whole track is analysed, not an excerpt.
 * 2. `estimateTempo` turns the envelope into a tempo: each band's novelty (flux above its 1 s running
 *    mean) is autocorrelated, the bands are averaged, and every candidate tempo from 50 to 220 BPM is
 *    scored by the autocorrelation at its beat period and at 2, 3 and 4 periods (a comb: a real beat
 *    repeats at every multiple of its period, a stray periodicity does not), weighted by a perceptual
 *    prior (log-normal around 120 BPM, one octave wide, as in Ellis 2007 and librosa). The winner is
 *    then compared with its octave and 3:2 relatives (half, double, 2/3, 3/2), which a comb and prior
 *    cannot always tell apart, and the relative whose own periodicity is strong enough and sits
 *    nearer the prior's centre is taken.
 *
 * A clarity gate refuses to guess: no BPM for silence (`silent`), for audio too short to hold a few
 * beats (`too-short`), or when the best periodicity is weak (`no-steady-beat`: drones, ambient pads,
 * free-tempo passages). Every step can be switched off (`TempoSteps`) so the benchmark can show what
 * each one adds (bench/real).
 */
import { autocorrelationSums } from '../core/autocorrelation.js';
import { RealPairFft } from '../core/fft.js';

/** Analysis frames per second. */
const FRAME_RATE = 100;
/** Band edges in Hz (the last band runs to the Nyquist frequency). */
const BAND_EDGES = [0, 120, 250, 500, 1000, 2000, 4000, 8000];
/** Frames quieter than this (dBFS, RMS) count as silence. */
const SILENT_FRAME_DB = -60;
/** A track with less than this share of audible frames is silent. */
const MIN_AUDIBLE_SHARE = 0.05;
const MIN_SECONDS = 6;

export type BpmReason = 'silent' | 'too-short' | 'no-steady-beat';

/** `confidence`: periodicity at the beat period (0..1); `onsetStrength`: new sound per frame, summed over bands. */
export type TempoResult =
  { readonly bpm: number; readonly confidence: number; readonly onsetStrength: number } | { readonly reason: BpmReason; readonly confidence?: number; readonly onsetStrength?: number };

/** The estimator's steps; all on by default. The benchmark turns them on one by one. */
export interface TempoSteps {
  /** Band-wise spectral-flux onsets (else: log-energy difference of the whole signal). */
  readonly bandFlux: boolean;
  /** The whole track (else: the middle 60 s). */
  readonly wholeTrack: boolean;
  /** Score a tempo by its comb of multiples (else: by the autocorrelation at its period alone). */
  readonly comb: boolean;
  /** Octave and 3:2 disambiguation of the winner. */
  readonly relatives: boolean;
  /** Refuse weak periodicity (`no-steady-beat`); silence and too-short are always refused. */
  readonly clarityGate: boolean;
}

export const ALL_STEPS: TempoSteps = { bandFlux: true, wholeTrack: true, comb: true, relatives: true, clarityGate: true };

/** Periodicity (0..1, mean band autocorrelation at the beat period) under which there is no steady beat. */
export const CLARITY_THRESHOLD = 0.05;
const MIN_BPM = 50;
const MAX_BPM = 220;
/** The estimator's constants, overridable only to measure alternatives (bench/real). */
export interface TempoTuning {
  readonly priorCentreBpm: number;
  readonly priorOctaves: number;
  /** A relative is taken when its periodicity is at least this share of the winner's. */
  readonly relativeShare: number;
  readonly clarityThreshold: number;
  /** Under this onset strength there is nothing that starts, so no beat (drones, pads, held chords). */
  readonly minOnsetStrength: number;
  /** Seconds per local tempo estimate (0: one estimate over the whole span). */
  readonly localSeconds: number;
  /** `rayleigh`: weight a beat period p by p/b^2 exp(-p^2/2b^2), b = rayleighSeconds (Davies & Plumbley, as aubio). */
  readonly prior: 'log-normal' | 'rayleigh';
  readonly rayleighSeconds: number;
  /**
   * How the local windows make one tempo: `median` of each window's pick, or `mean-periodicity`: one
   * pick from the mean of the windows' normalised periodicity (a tempogram summed over time).
   */
  readonly aggregate: 'median' | 'mean-periodicity';
}

export const DEFAULT_TUNING: TempoTuning = {
  priorCentreBpm: 120,
  priorOctaves: 0.5,
  relativeShare: 0.8,
  clarityThreshold: CLARITY_THRESHOLD,
  minOnsetStrength: 1,
  localSeconds: 8,
  prior: 'log-normal',
  rayleighSeconds: 0.557,
  aggregate: 'median',
};

/** `head` then `tail` in one array (`tail` itself when there is no head). */
function joined(head: Float32Array, tail: Float32Array): Float32Array {
  if (head.length === 0) return tail;
  const out = new Float32Array(head.length + tail.length);
  out.set(head);
  out.set(tail, head.length);
  return out;
}

/** Onset strength per band at FRAME_RATE, built from audio pushed in order. */
export class OnsetEnvelope {
  readonly sampleRate: number;
  readonly frameRate: number;
  readonly #hop: number;
  readonly #fft: RealPairFft;
  readonly #window: Float64Array;
  readonly #bandOfBin: Int8Array;
  readonly bandCount: number;
  #pending = new Float32Array(0);
  /** Log spectra of the previous and the current frame (swapped after each frame). */
  #previous: Float64Array;
  #current: Float64Array;
  #hasPrevious = false;
  readonly #fluxScratch: Float64Array;
  #previousEnergy: number | undefined;
  readonly #flux: number[][];
  readonly #energyOnset: number[] = [];
  readonly #levelDb: number[] = [];
  /** Power spectra of the last transformed pair of frames. */
  readonly #powers: readonly [Float64Array, Float64Array];
  /** 2 when the input is analysed at half its rate (see the constructor). */
  readonly #decimation: 1 | 2;
  /** Decimation state: the odd input sample before the next pair, and an unpaired sample left over. */
  #lastOdd = 0;
  #leftover: number | undefined;

  /**
   * `sampleRate`: the rate of the samples pushed. Audio at 32 kHz or more (CLAP's 48 kHz) is analysed at
   * half its rate: the bands end at 8 kHz, so the top octave only adds cost (half the FFT work per frame).
   */
  constructor(sampleRate: number, options: { readonly decimate?: boolean } = {}) {
    this.sampleRate = sampleRate;
    this.#decimation = (options.decimate ?? true) && sampleRate >= 32_000 ? 2 : 1;
    const analysisRate = sampleRate / this.#decimation;
    this.#hop = Math.max(1, Math.round(analysisRate / FRAME_RATE));
    this.frameRate = analysisRate / this.#hop;
    const size = 2 ** Math.round(Math.log2(analysisRate * 0.046));
    this.#fft = new RealPairFft(size);
    this.#window = new Float64Array(size);
    for (let i = 0; i < size; i++) this.#window[i] = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / size);
    const bins = size / 2 + 1;
    this.#bandOfBin = new Int8Array(bins);
    const edges = BAND_EDGES.filter((hz) => hz < analysisRate / 2);
    this.bandCount = edges.length;
    for (let k = 0; k < bins; k++) {
      const hz = (k * analysisRate) / size;
      let band = 0;
      while (band + 1 < edges.length && hz >= edges[band + 1]!) band++;
      this.#bandOfBin[k] = band;
    }
    this.#flux = Array.from({ length: this.bandCount }, () => []);
    this.#fluxScratch = new Float64Array(this.bandCount);
    this.#previous = new Float64Array(bins);
    this.#powers = [new Float64Array(bins), new Float64Array(bins)];
    this.#current = new Float64Array(bins);
  }

  /** Appends the next samples of the track (mono, in [-1, 1]). */
  push(input: Float32Array): void {
    const buffer = this.#decimation === 2 ? this.#halve(input, this.#pending) : joined(this.#pending, input);
    const size = this.#fft.size;
    let start = 0;
    // Two real frames share one complex FFT (one as the real part, one as the imaginary part). Frames go
    // in pairs by their index in the track, so chunk boundaries cannot change a value; a last frame
    // without its partner waits in #pending (snapshot() measures it without keeping it).
    for (; start + this.#hop + size <= buffer.length; start += 2 * this.#hop) {
      this.#transformPair(buffer, start, true);
      this.#spectrumOf(0);
      this.#commit(this.#measure(buffer, start));
      this.#spectrumOf(1);
      this.#commit(this.#measure(buffer, start + this.#hop));
    }
    this.#pending = buffer.slice(start);
  }

  /** Windows the frame at `start` (and, when `paired`, the next one as the imaginary part) and transforms. */
  #transformPair(buffer: Float32Array, start: number, paired: boolean): void {
    const size = this.#fft.size;
    const input = this.#fft.input;
    const window = this.#window;
    const second = start + this.#hop;
    for (let i = 0; i < size; i++) {
      input[2 * i] = buffer[start + i]! * window[i]!;
      input[2 * i + 1] = paired ? buffer[second + i]! * window[i]! : 0;
    }
    this.#fft.powers(this.#powers[0], this.#powers[1]);
  }

  /**
   * `prefix`, then every second sample of `input` after a [1 2 1]/4 low-pass (enough against aliasing for
   * onset flux), continuing across pushes: one new array per push, written once.
   */
  #halve(input: Float32Array, prefix: Float32Array): Float32Array {
    if (input.length === 0) return prefix;
    const carried = this.#leftover === undefined ? 0 : 1;
    const total = carried + input.length;
    const out = new Float32Array(prefix.length + Math.floor(total / 2));
    out.set(prefix);
    const sample = (i: number): number => (i < carried ? this.#leftover! : input[i - carried]!);
    let lastOdd = this.#lastOdd;
    for (let n = 0, at = prefix.length; at < out.length; n++, at++) {
      const even = sample(2 * n);
      const odd = sample(2 * n + 1);
      out[at] = 0.25 * lastOdd + 0.5 * even + 0.25 * odd;
      lastOdd = odd;
    }
    this.#lastOdd = lastOdd;
    this.#leftover = total % 2 === 1 ? input[input.length - 1] : undefined;
    return out;
  }

  /** Log-magnitude spectrum of frame `which` (0: real part, 1: imaginary part) of the last transform, into #current. */
  #spectrumOf(which: 0 | 1): void {
    const power = this.#powers[which];
    const out = this.#current;
    const scale = (2 / this.#fft.size) * 1000;
    for (let k = 0; k < this.#fft.bins; k++) out[k] = Math.log1p(scale * Math.sqrt(power[k]!));
  }

  /** Flux per band (against the previous frame), level and energy onset of the frame at `start`, whose log spectrum is in #current. */
  #measure(buffer: Float32Array, start: number): FrameMeasure {
    const size = this.#fft.size;
    let energy = 0;
    // Level and the energy-difference onset are over the hop that ends the window (no overlap).
    for (let i = size - this.#hop; i < size; i++) energy += buffer[start + i]! ** 2;
    energy /= this.#hop;
    const bins = size / 2 + 1;
    const current = this.#current;
    const flux = this.#fluxScratch.fill(0);
    if (this.#hasPrevious) {
      const previous = this.#previous;
      const bandOfBin = this.#bandOfBin;
      for (let k = 0; k < bins; k++) {
        const rise = current[k]! - previous[k]!;
        if (rise > 0) flux[bandOfBin[k]!]! += rise;
      }
    }
    const logEnergy = Math.log10(1e-10 + energy);
    const energyOnset = this.#previousEnergy === undefined ? 0 : Math.max(0, logEnergy - this.#previousEnergy);
    return { flux, logEnergy, energyOnset, levelDb: 10 * Math.log10(1e-12 + energy) };
  }

  /** Keeps a measured frame; its spectrum becomes the previous one. */
  #commit(frame: FrameMeasure): void {
    for (let b = 0; b < this.bandCount; b++) this.#flux[b]!.push(frame.flux[b]!);
    this.#energyOnset.push(frame.energyOnset);
    this.#levelDb.push(frame.levelDb);
    this.#previousEnergy = frame.logEnergy;
    const current = this.#current;
    this.#current = this.#previous;
    this.#previous = current;
    this.#hasPrevious = true;
  }

  /** The envelope so far (copies), with the last frame that still waits for its partner. */
  snapshot(): EnvelopeData {
    const bandFlux = this.#flux.map((b) => b.slice());
    const energyOnset = this.#energyOnset.slice();
    const levelDb = this.#levelDb.slice();
    if (this.#pending.length >= this.#fft.size) {
      this.#transformPair(this.#pending, 0, false);
      this.#spectrumOf(0);
      const tail = this.#measure(this.#pending, 0);
      bandFlux.forEach((b, i) => b.push(tail.flux[i]!));
      energyOnset.push(tail.energyOnset);
      levelDb.push(tail.levelDb);
    }
    return { frameRate: this.frameRate, bandFlux: bandFlux.map((b) => Float32Array.from(b)), energyOnset: Float32Array.from(energyOnset), levelDb: Float32Array.from(levelDb) };
  }

  /** Frames measured so far (the one waiting for its partner included). */
  get frames(): number {
    return this.#levelDb.length + (this.#pending.length >= this.#fft.size ? 1 : 0);
  }
}

interface FrameMeasure {
  readonly flux: Float64Array;
  readonly logEnergy: number;
  readonly energyOnset: number;
  readonly levelDb: number;
}

export interface EnvelopeData {
  readonly frameRate: number;
  /** Per band, positive log-spectral change per frame. */
  readonly bandFlux: readonly Float32Array[];
  /** Positive log-energy change per frame (the older, single-band onset measure). */
  readonly energyOnset: Float32Array;
  /** RMS level of each frame, dBFS. */
  readonly levelDb: Float32Array;
}

/** Flux above its running mean (window `width` frames), half-wave rectified. */
function novelty(flux: Float32Array, width: number): Float64Array {
  const out = new Float64Array(flux.length);
  const half = Math.floor(width / 2);
  let sum = 0;
  let lo = 0;
  let hi = 0;
  for (let t = 0; t < flux.length; t++) {
    while (hi < flux.length && hi <= t + half) sum += flux[hi++]!;
    while (lo < t - half) sum -= flux[lo++]!;
    out[t] = Math.max(0, flux[t]! - sum / (hi - lo));
  }
  return out;
}

/**
 * Per signal, the autocorrelation of its mean-removed values at lags 0..maxLag, each lag's sum divided by
 * its overlap, normalised by lag 0; undefined for a constant signal.
 */
function autocorrelations(signals: readonly Float64Array[], maxLag: number): (Float64Array | undefined)[] {
  const centred = signals.map((x) => {
    let mean = 0;
    for (const v of x) mean += v;
    mean /= x.length;
    return x.map((v) => v - mean);
  });
  return autocorrelationSums(centred, maxLag).map((sums, i) => {
    const n = centred[i]!.length;
    const r = new Float64Array(maxLag + 1);
    for (let lag = 0; lag <= maxLag && lag < n; lag++) r[lag] = sums[lag]! / (n - lag);
    if (!(r[0]! > 1e-12)) return undefined;
    const zero = r[0]!;
    for (let lag = 0; lag <= maxLag; lag++) r[lag]! /= zero;
    return r;
  });
}

function at(r: Float64Array, lag: number): number {
  const i = Math.floor(lag);
  if (i + 1 >= r.length) return 0;
  const f = lag - i;
  return r[i]! * (1 - f) + r[i + 1]! * f;
}

/** The tempo of an onset envelope; see the module comment. */
export function estimateTempo(envelope: EnvelopeData, steps: TempoSteps = ALL_STEPS, tuning: TempoTuning = DEFAULT_TUNING): TempoResult {
  const fr = envelope.frameRate;
  const total = envelope.levelDb.length;
  const span = steps.wholeTrack ? total : Math.min(total, Math.round(60 * fr));
  const from = Math.floor((total - span) / 2);
  const to = from + span;
  const level = envelope.levelDb.subarray(from, to);
  let audible = 0;
  for (const db of level) if (db > SILENT_FRAME_DB) audible++;
  if (level.length > 0 && audible < MIN_AUDIBLE_SHARE * level.length) return { reason: 'silent' };
  if (span < MIN_SECONDS * fr) return { reason: 'too-short' };

  const maxLag = Math.ceil(((60 * fr) / MIN_BPM) * (steps.comb ? 4 : 1)) + 2;
  const sources = steps.bandFlux ? envelope.bandFlux : [envelope.energyOnset];
  const signals = sources.map((source) => (steps.bandFlux ? novelty(source.subarray(from, to), Math.round(fr)) : Float64Array.from(source.subarray(from, to))));
  const whole = periodicityOf(signals, 0, span, maxLag);
  if (!whole) return { reason: 'silent' };
  // How much new sound starts per second, summed over bands: near zero for drones and pads, whose
  // autocorrelation is then only the texture of numerical noise.
  let strength = 0;
  for (const signal of signals) for (const v of signal) strength += v;
  strength = (strength / span) * (steps.bandFlux ? 1 : 8);
  if (steps.clarityGate && strength < tuning.minOnsetStrength) return { reason: 'no-steady-beat', confidence: 0, onsetStrength: strength };
  const pick = (r: Float64Array): number => pickTempo(r, fr, steps, tuning);
  let best = pick(whole);
  const local = Math.round(tuning.localSeconds * fr);
  if (local > 0 && span >= 2 * local) {
    // Local estimates over windows with half overlap; their median is the track's tempo (as a beat
    // tracker's median beat period is), robust to intros, breaks and tempo changes.
    const picks: number[] = [];
    const summed = new Float64Array(maxLag + 1);
    for (let start = 0; start + local <= span; start += Math.round(local / 2)) {
      const r = periodicityOf(signals, start, start + local, maxLag);
      if (!r) continue;
      if (tuning.aggregate === 'median') picks.push(pick(r));
      else for (let lag = 0; lag <= maxLag; lag++) summed[lag]! += r[lag]!;
    }
    picks.sort((a, b) => a - b);
    if (tuning.aggregate === 'mean-periodicity') {
      if (summed[0]! > 0) best = pick(summed.map((v) => v / summed[0]!));
    } else if (picks.length > 0) best = picks[Math.floor(picks.length / 2)]!;
  }
  const confidence = Math.max(0, at(whole, (60 * fr) / best));
  if (steps.clarityGate && confidence < tuning.clarityThreshold) return { reason: 'no-steady-beat', confidence, onsetStrength: strength };
  return { bpm: Math.round(best * 10) / 10, confidence, onsetStrength: strength };
}

/** Mean over bands of the normalised autocorrelation of frames [from, to). */
function periodicityOf(signals: readonly Float64Array[], from: number, to: number, maxLag: number): Float64Array | undefined {
  const r = new Float64Array(maxLag + 1);
  let count = 0;
  const bands = autocorrelations(
    signals.map((signal) => signal.subarray(from, to)),
    maxLag,
  );
  for (const band of bands) {
    if (!band) continue;
    for (let lag = 0; lag <= maxLag; lag++) r[lag]! += band[lag]!;
    count++;
  }
  if (count === 0) return undefined;
  for (let lag = 0; lag <= maxLag; lag++) r[lag]! /= count;
  return r;
}

/** The best tempo for one autocorrelation: comb (or plain) periodicity times the prior, refined, then relatives. */
function pickTempo(r: Float64Array, fr: number, steps: TempoSteps, tuning: TempoTuning): number {
  const b = tuning.rayleighSeconds;
  const rayleighPeak = (1 / b) * Math.exp(-0.5);
  const prior =
    tuning.prior === 'rayleigh'
      ? (bpm: number): number => ((60 / bpm / (b * b)) * Math.exp(-((60 / bpm) ** 2) / (2 * b * b))) / rayleighPeak
      : (bpm: number): number => Math.exp(-0.5 * (Math.log2(bpm / tuning.priorCentreBpm) / tuning.priorOctaves) ** 2);
  const periodicity = (bpm: number): number => {
    const lag = (60 * fr) / bpm;
    if (!steps.comb) return at(r, lag);
    let sum = 0;
    let weights = 0;
    for (let k = 1; k <= 4; k++) {
      sum += at(r, k * lag) / k;
      weights += 1 / k;
    }
    return sum / weights;
  };
  const score = (bpm: number): number => periodicity(bpm) * prior(bpm);
  let best = MIN_BPM;
  let bestScore = -Infinity;
  for (let bpm = MIN_BPM; bpm <= MAX_BPM; bpm += 0.25) {
    const value = score(bpm);
    if (value > bestScore) {
      bestScore = value;
      best = bpm;
    }
  }
  // Parabolic refinement on the 0.25 BPM grid.
  const a = score(best - 0.25);
  const c = score(best + 0.25);
  const denom = a - 2 * bestScore + c;
  if (denom < 0) best += Math.max(-0.5, Math.min(0.5, (0.5 * (a - c)) / denom)) * 0.25;
  if (!steps.relatives) return best;
  const own = periodicity(best);
  let chosen = best;
  for (const ratio of [2, 0.5, 1.5, 2 / 3]) {
    const candidate = best * ratio;
    if (candidate < MIN_BPM || candidate > MAX_BPM) continue;
    const strong = periodicity(candidate) >= tuning.relativeShare * own;
    const nearer = Math.abs(Math.log2(candidate / tuning.priorCentreBpm)) < Math.abs(Math.log2(chosen / tuning.priorCentreBpm));
    if (strong && nearer) chosen = candidate;
  }
  // A tempo whose own beat lag anti-correlates while its half's repeats is twice the real one (the comb
  // and the prior can prefer it for a slow pulse with nothing between its beats): take the half. Real
  // music with subdivisions keeps a positive half-beat periodicity and is left alone (on the real
  // corpus a looser rule, with relatives compared at their beat lag too, made 5 octave errors).
  const beatPeriodicity = (bpm: number): number => at(r, (60 * fr) / bpm);
  const half = chosen / 2;
  if (half >= MIN_BPM && beatPeriodicity(chosen) <= 0 && beatPeriodicity(half) >= tuning.clarityThreshold) chosen = half;
  return chosen;
}

/** The tempo of a whole clip held in memory (tests, short audio). */
export function estimateBpm(samples: Float32Array, sampleRate: number, steps: TempoSteps = ALL_STEPS): TempoResult {
  const envelope = new OnsetEnvelope(sampleRate);
  envelope.push(samples);
  return estimateTempo(envelope.snapshot(), steps);
}

/** A reason for people, for `catalog tracks` and the docs. */
export function describeBpmReason(reason: string): string {
  switch (reason) {
    case 'silent':
      return 'silent: nothing to count';
    case 'too-short':
      return `too short to hold a few beats (under ${MIN_SECONDS} s)`;
    case 'no-steady-beat':
      return 'no steady beat (free tempo, drone or ambient)';
    default:
      return reason;
  }
}
