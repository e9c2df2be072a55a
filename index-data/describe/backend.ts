import type { Config } from '../../core/config.js';
import type { ScoredTag } from '../types.js';
import type { GuardReason } from './guard.js';
import type { LlmBackendName } from './llm-backends.js';

/** Why a description fell back to the template: the guard's reasons for rejecting attempts, or a failing backend. */
export type FallbackReason = GuardReason | 'backend-failed';

export interface ChatMessage {
  readonly role: 'system' | 'user' | 'assistant';
  readonly content: string;
}

/** A language model that continues a chat (OpenAI-compatible endpoint, local transformers.js model). */
export interface LlmBackend {
  /** Its name in the registry (llm-backends.ts): part of the description cache key. */
  readonly name: string;
  readonly model: string;
  complete(messages: readonly ChatMessage[], signal?: AbortSignal): Promise<string>;
  dispose?(): Promise<void>;
}

/** What an LLM backend may read of config when it is created. */
export type LlmSettings = Pick<Config, 'llm' | 'encoders' | 'dataDir' | 'logLevel'>;

/**
 * How descriptions are written (DESIGN §2): the plain tag list, the data-to-text template, or a
 * few-shot analogy prompt continued by a language model. Separate from which model (the transport).
 */
export type DescriptionStrategy = 'tags' | 'template' | 'prompt';

/** What config `llm.backend` names: a strategy that needs no model, or an LLM backend (strategy `prompt`). */
export type DescriptionMode = Exclude<DescriptionStrategy, 'prompt'> | LlmBackendName;

export interface DescribeInput {
  /** The tagger's selected tags (see selectTags). */
  readonly tags: readonly ScoredTag[];
}

export interface Description {
  readonly text: string;
  /** What produced the text: the mode asked for, or `template` after a fallback. */
  readonly backend: DescriptionMode;
  readonly model: string;
  readonly promptVersion: string;
  readonly fellBack: boolean;
  /** With `fellBack`: every reason an attempt failed, each once. */
  readonly fallbackReasons?: readonly FallbackReason[];
  readonly cached: boolean;
}

/** Counts of fallbacks to the template, in all and per reason (a fallback counts once for each of its reasons). */
export interface FallbackTally {
  readonly descriptions: number;
  readonly reasons: Readonly<Partial<Record<FallbackReason, number>>>;
}

/** Adds a description to a running tally of fallbacks (unchanged when it did not fall back). */
export function tallyFallback(tally: FallbackTally, description: Description): FallbackTally {
  if (!description.fellBack) return tally;
  const reasons: Partial<Record<FallbackReason, number>> = { ...tally.reasons };
  for (const r of description.fallbackReasons ?? []) reasons[r] = (reasons[r] ?? 0) + 1;
  return { descriptions: tally.descriptions + 1, reasons };
}
