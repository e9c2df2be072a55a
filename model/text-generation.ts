/**
 * A minimal transformers.js text-generation model, for the `local` description backend in
 * index-data/describe/local.ts (only model/ may import @huggingface/transformers). Generation is a
 * batch job of the indexer, not a request path, so it runs on the calling thread.
 */
import { ModelError } from '../core/errors.js';

export interface TextGenerator {
  readonly model: string;
  /** Continues `prompt`; returns only the new text. */
  generate(prompt: string, options?: { maxNewTokens?: number }): Promise<string>;
  dispose(): Promise<void>;
}

export interface TextGeneratorOptions {
  /** Hub id or local directory (transformers.js layout, ONNX weights). */
  readonly model: string;
  /** Directory holding downloaded models (transformers.js cacheDir). */
  readonly cacheDir?: string;
  readonly allowRemote?: boolean;
  readonly dtype?: 'fp32' | 'q8';
}

interface GenerationOutput {
  generated_text: string;
}

export async function createTextGenerator(options: TextGeneratorOptions): Promise<TextGenerator> {
  const { pipeline, env } = await import('@huggingface/transformers');
  env.allowRemoteModels = options.allowRemote ?? false;
  if (options.cacheDir) env.cacheDir = options.cacheDir;
  let generator: (prompt: string, config: Record<string, unknown>) => Promise<unknown>;
  try {
    generator = (await pipeline('text-generation', options.model, { dtype: options.dtype ?? 'q8' })) as unknown as typeof generator;
  } catch (error) {
    throw new ModelError('MODEL_MISSING', `Text-generation model "${options.model}" could not be loaded: ${(error as Error).message}`, { model: options.model }, { cause: error });
  }
  return {
    model: options.model,
    async generate(prompt, { maxNewTokens = 120 } = {}) {
      try {
        const out = (await generator(prompt, { max_new_tokens: maxNewTokens, do_sample: false, return_full_text: false })) as GenerationOutput[];
        return out[0]?.generated_text ?? '';
      } catch (error) {
        throw new ModelError('MODEL_FAILED', `Text generation with "${options.model}" failed: ${(error as Error).message}`, { model: options.model }, { cause: error });
      }
    },
    async dispose() {
      const disposable = generator as unknown as { dispose?: () => Promise<void> };
      await disposable.dispose?.();
    },
  };
}
