import type { ScoredTag } from '../types.js';
import type { MusicCapsExample } from '../vocabulary/vocabulary.js';
import type { ChatMessage } from './backend.js';

/** Bump when the prompt's wording or structure changes: it is part of the description cache key. */
export const PROMPT_VERSION = 'analogy-1';
export const DEFAULT_ANALOGIES = 4;

/**
 * The k examples whose tags overlap most with the target's (nearest analogies, not random): ranked by
 * shared tags, then by fewer extra tags (Jaccard), then by id so the choice is deterministic.
 */
export function selectAnalogies(target: readonly string[], examples: readonly MusicCapsExample[], k = DEFAULT_ANALOGIES): MusicCapsExample[] {
  const wanted = new Set(target);
  return examples
    .map((example) => {
      const shared = example.tags.filter((t) => wanted.has(t)).length;
      const union = new Set([...target, ...example.tags]).size;
      return { example, shared, jaccard: union === 0 ? 0 : shared / union };
    })
    .filter((s) => s.shared > 0)
    .sort((a, b) => b.shared - a.shared || b.jaccard - a.jaccard || a.example.ytid.localeCompare(b.example.ytid))
    .slice(0, k)
    .map((s) => s.example);
}

const SYSTEM = [
  'You write short descriptions of music tracks for a music catalog.',
  'Follow the pattern of the examples: turn the tags into one or two natural sentences.',
  'Name only genres, instruments and vocals that appear in the tags; do not invent others.',
  'Do not mention recording quality. Answer with the description only.',
].join(' ');

/** The analogy prompt: k human (tags -> description) pairs, then the target's tags. */
export function buildAnalogyPrompt(tags: readonly ScoredTag[], examples: readonly MusicCapsExample[], k = DEFAULT_ANALOGIES): ChatMessage[] {
  const names = tags.map((t) => t.tag);
  const shots = selectAnalogies(names, examples, k);
  const body = [...shots.map((e) => `Tags: ${e.tags.join(', ')}\nDescription: ${e.caption}`), `Tags: ${names.join(', ')}\nDescription:`].join('\n\n');
  return [
    { role: 'system', content: SYSTEM },
    { role: 'user', content: body },
  ];
}
