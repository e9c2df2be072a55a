import { AutoFeatureExtractor, ClapAudioModelWithProjection, cat, Tensor, type FeatureExtractor } from '@huggingface/transformers';
import { InputError, ModelError } from '../../core/errors.js';
import { OnnxEncoder, type ModelClass } from './base.js';
import { LogMelSpectrogram } from './log-mel.js';
import { projectionDim } from './text.js';

/** A window ready for batching: its samples when log-mel.ts computes the features at stacking, else the extractor's features. */
type PreparedWindow = { readonly waveform: Float32Array } | { readonly features: Tensor };

/**
 * CLAP audio over exact windows (the main thread checks the length), so ClapFeatureExtractor neither
 * pads nor takes its random crop and the log-mel input is deterministic. The log-mel is computed by
 * log-mel.ts from the extractor's own window and Slaney filters (the extractor's path is kept for a
 * preprocessor config that log-mel.ts does not cover).
 */
export class ClapAudioEncoder extends OnnxEncoder<Float32Array, PreparedWindow> {
  protected readonly modelClass: ModelClass = ClapAudioModelWithProjection;
  protected readonly modelFile = 'audio_model';
  protected readonly requiredInputs = ['input_features'] as const;
  protected readonly providedInputs = ['input_features'] as const;
  protected readonly outputName = 'audio_embeds';
  private extractor: FeatureExtractor | undefined;
  private logMel: LogMelSpectrogram | undefined;

  protected async loadPreprocessor(): Promise<void> {
    this.extractor ??= await this.fromPretrained(() => AutoFeatureExtractor.from_pretrained(this.source.location, this.pretrainedOptions()));
    this.logMel ??= clapLogMel(this.extractor);
  }

  protected embeddingDim(config: Record<string, unknown>): number {
    return projectionDim(config, this.source.configured);
  }

  protected override describeExtra(): Record<string, unknown> {
    const config = this.extractor!.config as Record<string, unknown>;
    const sampleRate = Number(config.sampling_rate);
    const samples = Number(config.nb_max_samples);
    if (!(sampleRate > 0) || !(samples > 0)) {
      throw new ModelError('MODEL_INVALID', `${this.source.configured}: preprocessor_config.json lacks sampling_rate or nb_max_samples`);
    }
    return { sampleRate, windowSeconds: samples / sampleRate };
  }

  /** nb_max_samples: every window the main thread sends has exactly this many samples. */
  private get windowSamples(): number {
    return Number((this.extractor!.config as Record<string, unknown>).nb_max_samples);
  }

  protected async prepare(window: Float32Array): Promise<PreparedWindow> {
    if (this.logMel) {
      if (window.length !== this.windowSamples) throw new InputError('INPUT_INVALID', `An audio window must have ${this.windowSamples} samples; this one has ${window.length}`);
      return { waveform: window };
    }
    const { input_features } = (await this.extractor!(window)) as { input_features: Tensor };
    return { features: input_features };
  }

  /** log-mel.ts writes each window's spectrogram straight into the batch's (reused) input buffer. */
  protected toInputs(windows: readonly PreparedWindow[]): Record<string, Tensor> {
    const logMel = this.logMel;
    if (!logMel) {
      const features = windows.map((w) => ('features' in w ? w.features : this.unexpected()));
      return { input_features: features.length === 1 ? features[0]! : cat(features, 0) };
    }
    const values = logMel.valuesFor(this.windowSamples);
    const batch = this.inputBuffers.acquire(windows.length * values);
    windows.forEach((w, i) => logMel.compute('waveform' in w ? w.waveform : this.unexpected(), batch.subarray(i * values, (i + 1) * values)));
    return { input_features: new Tensor('float32', batch, [windows.length, 1, values / logMel.mels, logMel.mels]) };
  }

  private unexpected(): never {
    throw new ModelError('MODEL_FAILED', `${this.source.configured}: a window was prepared for the other feature path`);
  }
}

/**
 * log-mel.ts for a ClapFeatureExtractor whose windows go in whole (rand_trunc on exact-length windows:
 * no crop, no padding), with the Slaney filters that path uses; undefined for anything else.
 */
export function clapLogMel(extractor: FeatureExtractor): LogMelSpectrogram | undefined {
  const { mel_filters_slaney: filters, window } = extractor as unknown as { mel_filters_slaney?: unknown; window?: unknown };
  const config = extractor.config as Record<string, unknown>;
  const hopLength = Number(config.hop_length);
  const fftLength = Number(config.fft_window_size);
  if (config.feature_extractor_type !== 'ClapFeatureExtractor' || config.truncation !== 'rand_trunc') return undefined;
  if (!Array.isArray(filters) || !(window instanceof Float64Array || window instanceof Float32Array) || window.length !== fftLength || !(hopLength > 0)) return undefined;
  try {
    return new LogMelSpectrogram({ window, melFilters: filters as number[][], hopLength, maxFrames: Number(config.nb_max_samples) });
  } catch {
    return undefined;
  }
}
