import { join } from 'node:path';
import type { Config } from '../../core/config.js';
import { InputError } from '../../core/errors.js';
import { createTextGenerator } from '../../model/text-generation.js';
import { musicCapsExamples, tagVocabulary } from '../vocabulary/vocabulary.js';
import type { DescriptionMode, LlmBackend } from './backend.js';
import type { DescriptionCache } from './cache.js';
import { Describer } from './describer.js';
import { LocalLlmBackend } from './local.js';
import { OpenAiChatBackend } from './openai.js';

/** The LLM behind `openai` / `local` modes, from config `llm.*`; undefined for `tags` / `template`. */
export async function createLlmBackend(config: Config, mode: DescriptionMode = config.llm.backend): Promise<LlmBackend | undefined> {
  const { baseUrl, model, apiKey, timeoutMs } = config.llm;
  if (mode === 'openai') {
    const missing = [!baseUrl && 'CUECAST_LLM_BASE_URL (llm.baseUrl)', !model && 'CUECAST_LLM_MODEL (llm.model)'].filter(Boolean);
    if (missing.length > 0) throw new InputError('INPUT_INVALID', `The openai description backend needs ${missing.join(' and ')}`);
    return new OpenAiChatBackend({ baseUrl: baseUrl!, model: model!, ...(apiKey ? { apiKey } : {}), timeoutMs });
  }
  if (mode === 'local') {
    if (!model) throw new InputError('INPUT_INVALID', 'The local description backend needs CUECAST_LLM_MODEL (llm.model): a transformers.js text-generation model id or folder');
    const { allowRemote, dtype, device, threads } = config.encoders;
    const generator = await createTextGenerator({ model, cacheDir: join(config.dataDir, 'hub'), allowRemote, dtype, device, threads, logLevel: config.logLevel });
    return new LocalLlmBackend(generator);
  }
  return undefined;
}

export function createDescriber(mode: DescriptionMode, llm: LlmBackend | undefined, cache: DescriptionCache): Describer {
  return new Describer({ mode, ...(llm ? { llm } : {}), vocabulary: tagVocabulary(), examples: musicCapsExamples(), cache });
}
