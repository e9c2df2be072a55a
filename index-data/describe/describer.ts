import { logger } from '../../core/logger.js';
import type { MusicCapsExample, TagVocabulary } from '../vocabulary/vocabulary.js';
import { buildAnalogyPrompt, DEFAULT_ANALOGIES, PROMPT_VERSION } from './analogy.js';
import type { DescribeInput, Description, DescriptionMode, FallbackReason, LlmBackend } from './backend.js';
import { descriptionCacheKey, MemoryDescriptionCache, type DescriptionCache } from './cache.js';
import { guardDescription, GUARD_VERSION } from './guard.js';
import { strategyOf } from './llm-backends.js';
import { tagsDescription, templateDescription } from './template.js';

const log = logger('index-data.describe');

export interface DescriberOptions {
  readonly mode: DescriptionMode;
  /** Required for the `prompt` strategy (a mode naming an LLM backend). */
  readonly llm?: LlmBackend;
  readonly vocabulary: TagVocabulary;
  readonly examples: readonly MusicCapsExample[];
  readonly cache?: DescriptionCache;
  /** Analogies shown in the prompt. */
  readonly k?: number;
  /** LLM attempts after the first rejected or failed one, before falling back to `template`. */
  readonly retries?: number;
}

/** First line of a completion, without a leading "Description:" or quotes. */
export function cleanCompletion(text: string): string {
  const first = text.trim().split(/\n\s*\n|\nTags:/)[0] ?? '';
  return first
    .replace(/^description:\s*/i, '')
    .replace(/^["']|["']$/g, '')
    .replace(/\s+/g, ' ')
    .trim();
}

/** Turns selected tags into a description with the configured mode; see docs/catalog.md. */
export class Describer {
  readonly mode: DescriptionMode;
  readonly model: string;
  readonly #options: DescriberOptions;
  readonly #cache: DescriptionCache;

  constructor(options: DescriberOptions) {
    if (strategyOf(options.mode) === 'prompt' && !options.llm) {
      throw new TypeError(`description mode "${options.mode}" needs an LLM backend`);
    }
    this.mode = options.mode;
    this.model = strategyOf(options.mode) === 'prompt' ? options.llm!.model : options.mode;
    this.#options = options;
    this.#cache = options.cache ?? new MemoryDescriptionCache();
  }

  /** The prompt and the guard that accepted the text: descriptions written under older ones are checked again. */
  get promptVersion(): string {
    return strategyOf(this.mode) === 'prompt' ? `${PROMPT_VERSION}/guard-${GUARD_VERSION}` : `${this.mode}-1`;
  }

  async describe(input: DescribeInput, signal?: AbortSignal): Promise<Description> {
    const names = input.tags.map((t) => t.tag);
    const base = { backend: this.mode, model: this.model, promptVersion: this.promptVersion };
    if (this.mode === 'tags') return { ...base, text: tagsDescription(input.tags), fellBack: false, cached: false };
    if (this.mode === 'template') return { ...base, text: templateDescription(input.tags), fellBack: false, cached: false };

    const key = descriptionCacheKey(names, this.mode, this.model, PROMPT_VERSION);
    const hit = this.#cache.get(key);
    if (hit !== undefined) {
      // The cache may hold text an older, laxer guard accepted.
      const verdict = guardDescription(hit, input.tags, this.#options.vocabulary);
      if (verdict.ok) return { ...base, text: hit, fellBack: false, cached: true };
      log.info({ tags: names, reasons: verdict.reasons }, 'cached description fails the guard; describing again');
    }

    const llm = this.#options.llm!;
    const messages = buildAnalogyPrompt(input.tags, this.#options.examples, this.#options.k ?? DEFAULT_ANALOGIES);
    const attempts = 1 + (this.#options.retries ?? 1);
    const reasons = new Set<FallbackReason>();
    for (let attempt = 1; attempt <= attempts; attempt++) {
      let text: string;
      try {
        text = cleanCompletion(await llm.complete(messages, signal));
      } catch (error) {
        signal?.throwIfAborted();
        reasons.add('backend-failed');
        log.warn({ attempt, err: (error as Error).message }, 'description backend failed');
        continue;
      }
      const verdict = guardDescription(text, input.tags, this.#options.vocabulary);
      if (verdict.ok) {
        this.#cache.set(key, text);
        return { ...base, text, fellBack: false, cached: false };
      }
      verdict.reasons.forEach((r) => reasons.add(r));
      log.info({ attempt, tags: names, reasons: verdict.reasons, violations: verdict.violations, text: text.slice(0, 200) }, 'description rejected by guard');
    }
    log.warn({ tags: names, reasons: [...reasons] }, 'description fell back to the template');
    return { backend: 'template', model: 'template', promptVersion: 'template-1', text: templateDescription(input.tags), fellBack: true, fallbackReasons: [...reasons], cached: false };
  }
}
