import type { ScoredTag, Track } from '../index-data/types.js';
import { selectTags } from '../index-data/tagger.js';

/**
 * The tags a track is taken to carry: the ones its description names (best per group plus close
 * runners-up, as index-data selects them) and its file's own genres.
 */
export function presentTags(track: Track): ScoredTag[] {
  const selected = selectTags(track.tags);
  const names = new Set(selected.map((t) => t.tag));
  for (const g of track.fileGenres) {
    const tag = g.toLowerCase();
    if (!names.has(tag)) selected.push({ group: 'genre', tag, score: 1 });
  }
  return selected;
}

export function hasTag(track: Track, tag: string): boolean {
  return presentTags(track).some((t) => t.tag === tag);
}

/** The tagger's score for a tag (0 when it was not scored). */
export function tagScore(track: Track, tag: string): number {
  return track.tags.find((t) => t.tag === tag)?.score ?? 0;
}

export type VocalsKind = 'instrumental' | 'female' | 'male' | 'vocals' | 'unknown';

/** What the best vocals tag says; `unknown` when the track has none (a vocals filter cannot vouch for it). */
export function vocalsOf(track: Track): VocalsKind {
  const top = track.tags.filter((t) => t.group === 'vocals').sort((a, b) => b.score - a.score)[0];
  if (!top) return 'unknown';
  const tag = top.tag.toLowerCase();
  if (/instrumental|no vo|no sing/.test(tag)) return 'instrumental';
  if (/female|wom[ae]n/.test(tag)) return 'female';
  if (/(^|[^e])male|\bm[ae]n\b/.test(tag)) return 'male';
  return 'vocals';
}

// Tags that say which way a track leans, for "more energy" / "darker" nudges.
const HIGH_ENERGY = ['energetic', 'aggressive', 'epic', 'fast tempo', 'dance', 'metal', 'rock', 'groovy', 'playful', 'uplifting'];
const LOW_ENERGY = ['calm', 'ambient', 'dreamy', 'slow tempo', 'sad', 'romantic', 'lo-fi', 'classical', 'nostalgic'];
const BRIGHT = ['happy', 'uplifting', 'playful', 'romantic', 'groovy'];
const DARK = ['sad', 'dark', 'mysterious', 'aggressive', 'emotional'];

function lean(track: Track, up: readonly string[], down: readonly string[]): number {
  let sum = 0;
  for (const t of track.tags) {
    if (up.includes(t.tag)) sum += t.score;
    if (down.includes(t.tag)) sum -= t.score;
  }
  return Math.max(-1, Math.min(1, sum));
}

/** -1 (calm) .. 1 (energetic). */
export const energyLean = (track: Track): number => lean(track, HIGH_ENERGY, LOW_ENERGY);
/** -1 (dark) .. 1 (bright). */
export const moodLean = (track: Track): number => lean(track, BRIGHT, DARK);
