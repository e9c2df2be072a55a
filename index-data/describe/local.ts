import { join } from 'node:path';
import { InputError } from '../../core/errors.js';
import { createTextGenerator, DEFAULT_MAX_NEW_TOKENS, type TextGenerator } from '../../model/text-generation.js';
import type { ChatMessage, LlmBackend, LlmSettings } from './backend.js';

/** The `local` backend from config: `llm.model` is a transformers.js text-generation model id or folder. */
export async function createLlmBackend(config: LlmSettings): Promise<LlmBackend> {
  const { model } = config.llm;
  if (!model) throw new InputError('INPUT_INVALID', 'The local description backend needs CUECAST_LLM_MODEL (llm.model): a transformers.js text-generation model id or folder');
  const { allowRemote, dtype, device, threads } = config.encoders;
  const generator = await createTextGenerator({ model, cacheDir: join(config.dataDir, 'hub'), allowRemote, dtype, device, threads, logLevel: config.logLevel });
  return new LocalLlmBackend(generator);
}

/**
 * The `local` backend: a transformers.js text-generation model continuing the analogy prompt as plain
 * text (base models follow a "Tags: ... Description: ..." pattern without a chat template). The model
 * runs in its own worker thread (model/text-generation.ts); an abort stops it at the next token.
 */
export class LocalLlmBackend implements LlmBackend {
  readonly name = 'local';
  readonly model: string;
  readonly #generator: TextGenerator;

  readonly #maxNewTokens: number;

  constructor(generator: TextGenerator, { maxNewTokens = DEFAULT_MAX_NEW_TOKENS }: { maxNewTokens?: number } = {}) {
    this.#generator = generator;
    this.#maxNewTokens = maxNewTokens;
    this.model = generator.model;
  }

  async complete(messages: readonly ChatMessage[], signal?: AbortSignal): Promise<string> {
    signal?.throwIfAborted();
    const prompt = messages.map((m) => m.content).join('\n\n');
    return this.#generator.generate(`${prompt} `, { maxNewTokens: this.#maxNewTokens, ...(signal ? { signal } : {}) });
  }

  async dispose(): Promise<void> {
    await this.#generator.dispose();
  }
}
