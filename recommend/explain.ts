import type { Track } from '../index-data/types.js';
import type { HardConstraint } from './filters.js';
import { presentTags } from './track-traits.js';
import type { RefinementState } from './types.js';

const DESCRIPTIVE_GROUPS = new Set(['mood', 'genre', 'instrument']);

/** "energetic electronic synthesizer, 124 BPM; you asked for no vocals, more like "Night Drive"" */
export function explain(track: Track, state: RefinementState, constraints: readonly HardConstraint[], likedTitles: readonly string[]): string {
  const tags = presentTags(track)
    .filter((t) => DESCRIPTIVE_GROUPS.has(t.group))
    .sort((a, b) => b.score - a.score)
    .slice(0, 3)
    .map((t) => t.tag);
  const facts = [tags.join(' ') || 'untagged'];
  if (track.bpm !== undefined) facts.push(`${Math.round(track.bpm)} BPM`);

  const asked: string[] = constraints.filter((c) => !c.label.startsWith('excluded picks')).map((c) => c.label);
  const src = state.sources ?? {};
  for (const [tag, weight] of Object.entries(state.weights)) {
    if (weight > 0 && tags.includes(tag)) asked.push(src[`tag:${tag}`] ?? `more ${tag}`);
  }
  for (const field of ['tempo', 'energy', 'mood'] as const) if (state[field]) asked.push(src[field] ?? `${field} ${state[field]}`);
  if (likedTitles.length > 0) asked.push(`more like ${likedTitles.map((t) => `"${t}"`).join(' and ')}`);
  const unique = [...new Set(asked)];
  return unique.length ? `${facts.join(', ')}; you asked for ${unique.join(', ')}` : facts.join(', ');
}
