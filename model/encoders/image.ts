import { AutoProcessor, CLIPVisionModelWithProjection, Tensor, type Processor } from '@huggingface/transformers';
import { ModelError } from '../../core/errors.js';
import type { ImageItem } from '../protocol.js';
import { OnnxEncoder, type ModelClass } from './base.js';
import { clipPreprocessing, pixelValues, sizeImage, type ClipPreprocessing, type SizedImage } from './image-preprocess.js';
import { projectionDim } from './text.js';

/**
 * CLIP image: RGB frames or encoded JPEG/PNG/WebP bytes, preprocessed as the model's
 * preprocessor_config.json says (image-preprocess.ts: native decode and resize, one pass to pixels).
 */
export class ClipImageEncoder extends OnnxEncoder<ImageItem, SizedImage> {
  protected readonly modelClass: ModelClass = CLIPVisionModelWithProjection;
  protected readonly modelFile = 'vision_model';
  protected readonly requiredInputs = ['pixel_values'] as const;
  protected readonly providedInputs = ['pixel_values'] as const;
  protected readonly outputName = 'image_embeds';
  private processor: Processor | undefined;
  private steps: ClipPreprocessing | undefined;

  protected async loadPreprocessor(): Promise<void> {
    this.processor ??= await this.fromPretrained(() => AutoProcessor.from_pretrained(this.source.location, this.pretrainedOptions()));
    const config = (this.processor as unknown as { image_processor?: { config?: Record<string, unknown> } }).image_processor?.config ?? {};
    this.steps ??= clipPreprocessing(config, this.source.configured);
  }

  protected embeddingDim(config: Record<string, unknown>): number {
    return projectionDim(config, this.source.configured);
  }

  protected override describeExtra(): Record<string, unknown> {
    if (!this.steps) throw new ModelError('MODEL_INVALID', `${this.source.configured}: preprocessor_config.json was not read`);
    return { imageSize: this.steps.shortEdge };
  }

  protected async prepare(item: ImageItem): Promise<SizedImage> {
    return sizeImage(item, this.steps!);
  }

  protected toInputs(images: readonly SizedImage[]): Record<string, Tensor> {
    const { cropHeight, cropWidth } = this.steps!;
    const values = pixelValues(images, this.steps!, this.inputBuffers.acquire(images.length * 3 * cropHeight * cropWidth));
    return { pixel_values: new Tensor('float32', values, [images.length, 3, cropHeight, cropWidth]) };
  }
}
