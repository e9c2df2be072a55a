import { UNKNOWN_ARTIST } from '../index-data/types.js';
import { dot } from '../index-data/vectors.js';

export interface DiversityCandidate {
  readonly id: string;
  readonly artist: string;
  readonly score: number;
  /** Unit-length music embedding used for the redundancy term (none: treated as dissimilar to all). */
  readonly embedding?: Float32Array;
}

export interface DiversityOptions {
  readonly k: number;
  /** Relevance vs novelty: 1 = rank by score only. */
  readonly lambda: number;
  /** At most one pick per artist (case-insensitive); tracks of unknown artist are each their own. */
  readonly dedupeArtists: boolean;
}

export interface DiversityOutcome<T> {
  readonly picks: T[];
  /** Candidates left out only because their artist was already picked. */
  readonly skippedForArtist: number;
}

/**
 * Maximal marginal relevance: repeatedly take the candidate maximising
 * `lambda * score - (1 - lambda) * max cosine to the picks so far`, skipping repeated artists.
 */
export function selectDiverse<T extends DiversityCandidate>(candidates: readonly T[], options: DiversityOptions): DiversityOutcome<T> {
  const pool = [...candidates].sort((a, b) => b.score - a.score || a.id.localeCompare(b.id));
  const picks: T[] = [];
  const artists = new Set<string>();
  let skippedForArtist = 0;
  while (picks.length < options.k && pool.length > 0) {
    let bestIndex = -1;
    let bestValue = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < pool.length; i++) {
      const c = pool[i]!;
      if (options.dedupeArtists && repeatsArtist(artists, c.artist)) continue;
      let redundancy = 0;
      if (c.embedding) for (const p of picks) if (p.embedding) redundancy = Math.max(redundancy, dot(c.embedding, p.embedding));
      const value = options.lambda * c.score - (1 - options.lambda) * redundancy;
      if (value > bestValue) {
        bestValue = value;
        bestIndex = i;
      }
    }
    if (bestIndex < 0) break;
    const [chosen] = pool.splice(bestIndex, 1);
    picks.push(chosen!);
    const key = artistKey(chosen!.artist);
    if (key !== undefined) artists.add(key);
  }
  if (options.dedupeArtists) skippedForArtist = pool.filter((c) => repeatsArtist(artists, c.artist)).length;
  return { picks, skippedForArtist };
}

/** The artist as compared for one-per-artist; undefined when unknown (untagged files are not one artist). */
function artistKey(artist: string): string | undefined {
  const key = artist.trim().toLowerCase();
  return key === '' || key === UNKNOWN_ARTIST.toLowerCase() ? undefined : key;
}

function repeatsArtist(artists: ReadonlySet<string>, artist: string): boolean {
  const key = artistKey(artist);
  return key !== undefined && artists.has(key);
}
