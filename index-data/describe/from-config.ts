import { musicCapsExamples, tagVocabulary } from '../vocabulary/vocabulary.js';
import type { LlmBackend, LlmSettings } from './backend.js';
import type { DescriptionCache } from './cache.js';
import { Describer } from './describer.js';
import { isLlmBackendName, LLM_BACKENDS, parseDescriptionMode } from './llm-backends.js';

/** The LLM behind a `prompt` mode, from config `llm.*`; undefined for `tags` / `template`. */
export async function createLlmBackend(config: LlmSettings, mode: string = config.llm.backend): Promise<LlmBackend | undefined> {
  const parsed = parseDescriptionMode(mode);
  if (!isLlmBackendName(parsed)) return undefined;
  const backend = await LLM_BACKENDS[parsed]();
  return backend.createLlmBackend(config);
}

/** A describer for a mode from config or a flag (checked: an unknown one is an InputError naming the valid ones). */
export function createDescriber(mode: string, llm: LlmBackend | undefined, cache: DescriptionCache): Describer {
  return new Describer({ mode: parseDescriptionMode(mode), ...(llm ? { llm } : {}), vocabulary: tagVocabulary(), examples: musicCapsExamples(), cache });
}
