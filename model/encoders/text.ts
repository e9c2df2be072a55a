import { AutoTokenizer, CLIPTextModelWithProjection, ClapTextModelWithProjection, type PreTrainedTokenizer, type Tensor } from '@huggingface/transformers';
import { ModelError } from '../../core/errors.js';
import { OnnxEncoder, type ModelClass } from './base.js';

/** Text through the model's own tokenizer, padded to the batch's longest and truncated at maxTokens. */
abstract class TextOnnxEncoder extends OnnxEncoder<string, string> {
  protected readonly modelFile = 'text_model';
  protected readonly requiredInputs = ['input_ids'] as const;
  protected readonly providedInputs = ['input_ids', 'attention_mask'] as const;
  protected readonly outputName = 'text_embeds';
  /** Positions the tokenizer's special tokens or offsets take from max_position_embeddings. */
  protected abstract readonly reservedPositions: number;
  private tokenizer: PreTrainedTokenizer | undefined;
  private maxTokens = 0;

  protected async loadPreprocessor(): Promise<void> {
    if (this.tokenizer) return;
    const config = (await this.loadConfig()) as unknown as Record<string, unknown>;
    const tokenizer = await this.fromPretrained(() => AutoTokenizer.from_pretrained(this.source.location, this.pretrainedOptions()));
    const textConfig = (config.text_config ?? {}) as Record<string, unknown>;
    const positions = Number(textConfig.max_position_embeddings ?? Infinity) - this.reservedPositions;
    const fromTokenizer = Number(tokenizer.model_max_length ?? Infinity);
    this.maxTokens = Math.min(positions, fromTokenizer);
    if (!Number.isFinite(this.maxTokens) || this.maxTokens <= 2) {
      throw new ModelError(
        'MODEL_INVALID',
        `${this.source.configured}: cannot tell the text model's maximum length (tokenizer model_max_length and text_config.max_position_embeddings are both missing)`,
      );
    }
    this.tokenizer = tokenizer;
  }

  protected embeddingDim(config: Record<string, unknown>): number {
    return projectionDim(config, this.source.configured);
  }

  protected override describeExtra(): Record<string, unknown> {
    return { maxTokens: this.maxTokens };
  }

  protected prepare(item: string): string {
    return item;
  }

  protected toInputs(texts: readonly string[]): Record<string, Tensor> {
    const encoded = this.tokenizer!([...texts], { padding: true, truncation: true, max_length: this.maxTokens }) as Record<string, Tensor>;
    return { input_ids: encoded.input_ids!, attention_mask: encoded.attention_mask! };
  }
}

export class ClipTextEncoder extends TextOnnxEncoder {
  protected readonly modelClass: ModelClass = CLIPTextModelWithProjection;
  protected readonly reservedPositions = 0;
}

/** RoBERTa positions start after the padding index, so two positions are never used by tokens. */
export class ClapTextEncoder extends TextOnnxEncoder {
  protected readonly modelClass: ModelClass = ClapTextModelWithProjection;
  protected readonly reservedPositions = 2;
}

export function projectionDim(config: Record<string, unknown>, model: string): number {
  const dim = Number(config.projection_dim ?? (config.text_config as Record<string, unknown> | undefined)?.projection_dim);
  if (!Number.isInteger(dim) || dim <= 0) throw new ModelError('MODEL_INVALID', `${model}: config.json has no projection_dim`);
  return dim;
}
