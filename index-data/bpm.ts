/**
 * Tempo estimate by onset-strength autocorrelation (after Ellis, "Beat Tracking by Dynamic
 * Programming", 2007, its tempo step): a log-energy novelty curve at ~100 frames/s, autocorrelated
 * over 60-200 BPM lags, weighted by a log-normal prior around 120 BPM. Written here because no npm
 * library fitted (essentia.js is AGPL-3.0, web-audio-beat-detector needs the Web Audio API,
 * music-tempo is untyped and untested); see docs/catalog.md.
 */

export interface BpmOptions {
  /** Longest stretch analysed, in seconds, taken from the middle of the signal. */
  maxSeconds?: number;
  minBpm?: number;
  maxBpm?: number;
}

export interface BpmEstimate {
  readonly bpm: number;
  /** Peak autocorrelation over the mean of the lag range; below ~1.5 the beat is weak. */
  readonly confidence: number;
}

const FRAME_RATE = 100;

export function estimateBpm(samples: Float32Array, sampleRate: number, options: BpmOptions = {}): BpmEstimate | undefined {
  const { maxSeconds = 60, minBpm = 60, maxBpm = 200 } = options;
  const hop = Math.round(sampleRate / FRAME_RATE);
  const frameRate = sampleRate / hop;
  const span = Math.min(samples.length, Math.round(maxSeconds * sampleRate));
  const offset = Math.floor((samples.length - span) / 2);
  const frames = Math.floor(span / hop);
  if (frames < frameRate * 4) return undefined;

  // Log energy per frame, then half-wave rectified first difference: the onset-strength envelope.
  const energy = new Float32Array(frames);
  for (let f = 0; f < frames; f++) {
    let sum = 0;
    const start = offset + f * hop;
    for (let i = start; i < start + hop; i++) sum += samples[i]! * samples[i]!;
    energy[f] = Math.log10(1e-10 + sum / hop);
  }
  const onset = new Float32Array(frames);
  let mean = 0;
  for (let f = 1; f < frames; f++) {
    onset[f] = Math.max(0, energy[f]! - energy[f - 1]!);
    mean += onset[f]!;
  }
  mean /= frames;
  if (mean < 1e-6) return undefined;
  for (let f = 0; f < frames; f++) onset[f]! -= mean;

  const minLag = Math.floor((60 * frameRate) / maxBpm);
  const maxLag = Math.ceil((60 * frameRate) / minBpm);
  const scores = new Float64Array(maxLag + 2);
  let total = 0;
  let count = 0;
  for (let lag = minLag; lag <= maxLag + 1; lag++) {
    let acc = 0;
    for (let f = lag; f < frames; f++) acc += onset[f]! * onset[f - lag]!;
    acc /= frames - lag;
    scores[lag] = acc;
    if (lag <= maxLag) {
      total += Math.abs(acc);
      count++;
    }
  }
  let best = -1;
  let bestScore = -Infinity;
  for (let lag = minLag; lag <= maxLag; lag++) {
    const bpm = (60 * frameRate) / lag;
    const prior = Math.exp(-0.5 * (Math.log2(bpm / 120) / 1.0) ** 2);
    const weighted = scores[lag]! * prior;
    if (weighted > bestScore) {
      bestScore = weighted;
      best = lag;
    }
  }
  if (best < 0 || scores[best]! <= 0) return undefined;
  // Parabolic interpolation around the peak for sub-frame lag precision.
  const a = scores[best - 1] ?? scores[best]!;
  const b = scores[best]!;
  const c = scores[best + 1] ?? scores[best]!;
  const denom = a - 2 * b + c;
  const shift = denom !== 0 ? Math.max(-0.5, Math.min(0.5, (0.5 * (a - c)) / denom)) : 0;
  const bpm = (60 * frameRate) / (best + shift);
  return { bpm: Math.round(bpm * 10) / 10, confidence: b / (total / count || 1) };
}
