import { createHash } from 'node:crypto';

/** Where finished descriptions are kept, keyed by (tags, backend, model, prompt version). */
export interface DescriptionCache {
  get(key: string): string | undefined;
  set(key: string, text: string): void;
}

export function descriptionCacheKey(tags: readonly string[], backend: string, model: string, promptVersion: string): string {
  const canonical = JSON.stringify([[...tags].sort(), backend, model, promptVersion]);
  return createHash('sha256').update(canonical).digest('hex');
}

export class MemoryDescriptionCache implements DescriptionCache {
  readonly #entries = new Map<string, string>();
  get(key: string): string | undefined {
    return this.#entries.get(key);
  }
  set(key: string, text: string): void {
    this.#entries.set(key, text);
  }
}
