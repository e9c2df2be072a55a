import { InputError } from '../../core/errors.js';
import type { DescriptionMode, DescriptionStrategy, LlmBackend, LlmSettings } from './backend.js';

/**
 * The language models behind the `prompt` strategy, by the name config `llm.backend` (and
 * `--describer`) gives them. A new backend is one module exporting `createLlmBackend(settings)` plus
 * one line here; each loads only when chosen, so the CLI starts without them.
 */
export const LLM_BACKENDS = {
  openai: () => import('./openai.js'),
  local: () => import('./local.js'),
} satisfies Record<string, () => Promise<{ createLlmBackend(settings: LlmSettings): Promise<LlmBackend> }>>;

export type LlmBackendName = keyof typeof LLM_BACKENDS;

/** Every mode config and the CLI accept: the strategies without a model, then each LLM backend. */
export const DESCRIPTION_MODES: readonly DescriptionMode[] = ['tags', 'template', ...(Object.keys(LLM_BACKENDS) as LlmBackendName[])];

export function isLlmBackendName(mode: string): mode is LlmBackendName {
  return Object.hasOwn(LLM_BACKENDS, mode);
}

/** A mode from config or a flag, or an error naming the valid ones. */
export function parseDescriptionMode(value: string): DescriptionMode {
  if ((DESCRIPTION_MODES as readonly string[]).includes(value)) return value as DescriptionMode;
  throw new InputError('INPUT_INVALID', `unknown description backend "${value}". Should be one of: ${DESCRIPTION_MODES.join(', ')}`);
}

/** How a mode writes descriptions: an LLM backend's name means the few-shot analogy prompt. */
export function strategyOf(mode: DescriptionMode): DescriptionStrategy {
  return isLlmBackendName(mode) ? 'prompt' : mode;
}
