import { AutoProcessor, CLIPVisionModelWithProjection, RawImage, type Processor, type Tensor } from '@huggingface/transformers';
import { InputError, ModelError } from '../../core/errors.js';
import type { ImageItem } from '../protocol.js';
import { OnnxEncoder, type ModelClass } from './base.js';
import { projectionDim } from './text.js';

/** CLIP image: RGB frames or encoded JPEG/PNG/WebP bytes through the model's preprocessor_config.json. */
export class ClipImageEncoder extends OnnxEncoder<ImageItem, RawImage> {
  protected readonly modelClass: ModelClass = CLIPVisionModelWithProjection;
  protected readonly modelFile = 'vision_model';
  protected readonly requiredInputs = ['pixel_values'] as const;
  protected readonly providedInputs = ['pixel_values'] as const;
  protected readonly outputName = 'image_embeds';
  private processor: Processor | undefined;

  protected async loadPreprocessor(): Promise<void> {
    this.processor ??= await this.fromPretrained(() => AutoProcessor.from_pretrained(this.source.location, this.pretrainedOptions()));
  }

  protected embeddingDim(config: Record<string, unknown>): number {
    return projectionDim(config, this.source.configured);
  }

  protected override describeExtra(): Record<string, unknown> {
    const config = (this.processor as unknown as { image_processor?: { config?: Record<string, unknown> } }).image_processor?.config ?? {};
    const size = config.size as { shortest_edge?: number; height?: number } | number | undefined;
    const crop = config.crop_size as { height?: number } | number | undefined;
    const imageSize = Number(typeof size === 'number' ? size : (size?.shortest_edge ?? size?.height ?? (typeof crop === 'number' ? crop : crop?.height)));
    if (!(imageSize > 0)) throw new ModelError('MODEL_INVALID', `${this.source.configured}: preprocessor_config.json has no size.shortest_edge or crop_size`);
    return { imageSize };
  }

  protected async prepare(item: ImageItem): Promise<RawImage> {
    if ('encoded' in item) {
      try {
        return (await RawImage.fromBlob(new Blob([item.encoded as Uint8Array<ArrayBuffer>]))).rgb();
      } catch (error) {
        throw new InputError('INPUT_INVALID', `Image could not be decoded (${(error as Error).message}); send JPEG, PNG or WebP bytes`);
      }
    }
    return new RawImage(item.data, item.width, item.height, 3);
  }

  protected async toInputs(images: readonly RawImage[]): Promise<Record<string, Tensor>> {
    const { pixel_values } = (await this.processor!([...images])) as { pixel_values: Tensor };
    return { pixel_values };
  }
}
