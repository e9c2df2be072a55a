import { presentTags } from '../index-data/track-filter.js';
import type { Track } from '../index-data/types.js';

// One definition of what a track carries, shared with the storage backends that filter in SQL.
export { presentTags, vocalsOf, type VocalsKind } from '../index-data/track-filter.js';

export function hasTag(track: Track, tag: string): boolean {
  return presentTags(track).some((t) => t.tag === tag);
}

/** The tagger's score for a tag (0 when it was not scored). */
export function tagScore(track: Track, tag: string): number {
  return track.tags.find((t) => t.tag === tag)?.score ?? 0;
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
