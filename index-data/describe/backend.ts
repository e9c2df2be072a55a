import type { ScoredTag } from '../types.js';

export interface ChatMessage {
  readonly role: 'system' | 'user' | 'assistant';
  readonly content: string;
}

/** A language model that continues a chat (OpenAI-compatible endpoint, local transformers.js model). */
export interface LlmBackend {
  /** `openai` or `local`: part of the description cache key. */
  readonly name: string;
  readonly model: string;
  complete(messages: readonly ChatMessage[], signal?: AbortSignal): Promise<string>;
  dispose?(): Promise<void>;
}

export type DescriptionMode = 'tags' | 'template' | 'openai' | 'local';

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
  readonly cached: boolean;
}
