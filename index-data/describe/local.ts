import { DEFAULT_MAX_NEW_TOKENS, type TextGenerator } from '../../model/text-generation.js';
import type { ChatMessage, LlmBackend } from './backend.js';

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
