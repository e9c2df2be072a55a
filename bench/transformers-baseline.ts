/**
 * The obvious alternative to the encoder pool: transformers.js called once per frame on the main
 * thread, as its README shows for CLIP image embeddings (processor, then the vision model with
 * projection).
 */
import { AutoProcessor, CLIPVisionModelWithProjection, RawImage, env, type Processor, type PreTrainedModel, type Tensor } from '@huggingface/transformers';
import type { RgbFrame } from '../core/media/types.js';

export class PerFramePipeline {
  private constructor(
    private readonly processor: Processor,
    private readonly model: PreTrainedModel,
  ) {}

  static async open(modelDir: string, dtype: 'fp32' | 'q8', device: 'cpu' | 'cuda'): Promise<PerFramePipeline> {
    env.allowLocalModels = true;
    env.allowRemoteModels = false;
    const options = { local_files_only: true } as const;
    const processor = await AutoProcessor.from_pretrained(modelDir, options);
    const model = await CLIPVisionModelWithProjection.from_pretrained(modelDir, { ...options, dtype, device });
    return new PerFramePipeline(processor, model);
  }

  /** One frame in, one (unnormalised) embedding out, all on the calling thread. */
  async encode(frame: RgbFrame): Promise<Float32Array> {
    const image = new RawImage(frame.data, frame.width, frame.height, 3);
    const inputs = (await this.processor(image)) as { pixel_values: Tensor };
    const { image_embeds } = (await this.model(inputs)) as { image_embeds: Tensor };
    return image_embeds.data as Float32Array;
  }

  async dispose(): Promise<void> {
    await this.model.dispose();
  }
}
