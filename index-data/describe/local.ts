import type { TextGenerator } from '../../model/text-generation.js';
import type { ChatMessage, LlmBackend } from './backend.js';

/**
 * The `local` backend: a transformers.js text-generation model continuing the analogy prompt as plain
 * text (base models follow a "Tags: ... Description: ..." pattern without a chat template).
 */
export class LocalLlmBackend implements LlmBackend {
  readonly name = 'local';
  readonly model: string;
  readonly #generator: TextGenerator;

  constructor(generator: TextGenerator) {
    this.#generator = generator;
    this.model = generator.model;
  }

  async complete(messages: readonly ChatMessage[], signal?: AbortSignal): Promise<string> {
    signal?.throwIfAborted();
    const prompt = messages.map((m) => m.content).join('\n\n');
    return this.#generator.generate(`${prompt} `, { maxNewTokens: 120 });
  }

  async dispose(): Promise<void> {
    await this.#generator.dispose();
  }
}
