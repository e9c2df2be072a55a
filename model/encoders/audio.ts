import { AutoFeatureExtractor, ClapAudioModelWithProjection, cat, type FeatureExtractor, type Tensor } from '@huggingface/transformers';
import { ModelError } from '../../core/errors.js';
import { OnnxEncoder, type ModelClass } from './base.js';
import { projectionDim } from './text.js';

/**
 * CLAP audio over exact windows (the main thread checks the length), so ClapFeatureExtractor neither
 * pads nor takes its random crop and the log-mel input is deterministic.
 */
export class ClapAudioEncoder extends OnnxEncoder<Float32Array, Tensor> {
  protected readonly modelClass: ModelClass = ClapAudioModelWithProjection;
  protected readonly modelFile = 'audio_model';
  protected readonly requiredInputs = ['input_features'] as const;
  protected readonly providedInputs = ['input_features'] as const;
  protected readonly outputName = 'audio_embeds';
  private extractor: FeatureExtractor | undefined;

  protected async loadPreprocessor(): Promise<void> {
    this.extractor ??= await this.fromPretrained(() => AutoFeatureExtractor.from_pretrained(this.source.location, this.pretrainedOptions()));
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

  protected async prepare(window: Float32Array): Promise<Tensor> {
    const { input_features } = (await this.extractor!(window)) as { input_features: Tensor };
    return input_features;
  }

  protected async toInputs(features: readonly Tensor[]): Promise<Record<string, Tensor>> {
    return { input_features: features.length === 1 ? features[0]! : cat([...features], 0) };
  }
}
