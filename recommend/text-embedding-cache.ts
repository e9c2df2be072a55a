import type { TextEncoder } from '../model/types.js';

export const DEFAULT_TEXT_CACHE_ENTRIES = 512;

/**
 * A text encoder that remembers the embeddings of recent texts (least recently used out first).
 * Prompts repeat: a live stream recomputes its picks with the same prompt every update, and a
 * conversation re-sends its prompt with every refinement. Without this each of those is a round trip
 * through the worker pool, queued behind frame batches.
 */
export function cachedTextEncoder(inner: TextEncoder, maxEntries = DEFAULT_TEXT_CACHE_ENTRIES): TextEncoder {
  const cache = new Map<string, Float32Array>();
  const remember = (text: string, vector: Float32Array): void => {
    cache.delete(text);
    cache.set(text, vector);
    if (cache.size > maxEntries) cache.delete(cache.keys().next().value!);
  };
  return {
    info: inner.info,
    maxTokens: inner.maxTokens,
    async encodeTexts(texts, signal) {
      const found = new Map<string, Float32Array>();
      for (const text of texts) {
        const vector = cache.get(text);
        if (vector) found.set(text, vector);
      }
      const missing = [...new Set(texts.filter((text) => !found.has(text)))];
      if (missing.length > 0) {
        const vectors = await inner.encodeTexts(missing, signal);
        missing.forEach((text, i) => found.set(text, vectors[i]!));
      }
      // Copies: callers may hand these on to the worker pool, which takes (transfers) its inputs.
      return texts.map((text) => {
        const vector = found.get(text)!;
        remember(text, vector);
        return vector.slice();
      });
    },
  };
}
