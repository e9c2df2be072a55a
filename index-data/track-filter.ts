import { selectTags } from './tagger.js';
import type { ScoredTag, Track } from './types.js';

/**
 * Hard filters as data, so every storage backend can apply them where the rows are: in memory over
 * the catalog's tracks (embedded) or in SQL next to the vector index (PostgreSQL). All parts must
 * hold (AND); an empty filter passes every track.
 */
export interface TrackFilter {
  readonly excludeTrackIds?: readonly string[];
  /** The track carries every one of these (see `presentTags`). */
  readonly includeTags?: readonly string[];
  /** The track carries none of these. */
  readonly excludeTags?: readonly string[];
  readonly vocals?: VocalsWanted;
  /** Known tempo within [min, max]; a track without a BPM fails a BPM filter. */
  readonly bpm?: { readonly min?: number; readonly max?: number };
}

export type VocalsWanted = 'on' | 'off' | 'female' | 'male';
export type VocalsKind = 'instrumental' | 'female' | 'male' | 'vocals' | 'unknown';

/**
 * The tags a track is taken to carry: the ones its description names (best per group plus close
 * runners-up, as index-data selects them) and its file's own genres.
 */
export function presentTags(track: Pick<Track, 'tags' | 'fileGenres'>): ScoredTag[] {
  const selected = selectTags(track.tags);
  const names = new Set(selected.map((t) => t.tag));
  for (const g of track.fileGenres) {
    const tag = g.toLowerCase();
    if (!names.has(tag)) selected.push({ group: 'genre', tag, score: 1 });
  }
  return selected;
}

/** What the best vocals tag says; `unknown` when the track has none (a vocals filter cannot vouch for it). */
export function vocalsOf(track: Pick<Track, 'tags'>): VocalsKind {
  const top = track.tags.filter((t) => t.group === 'vocals').sort((a, b) => b.score - a.score)[0];
  if (!top) return 'unknown';
  const tag = top.tag.toLowerCase();
  if (/instrumental|no vo|no sing/.test(tag)) return 'instrumental';
  if (/female|wom[ae]n/.test(tag)) return 'female';
  if (/(^|[^e])male|\bm[ae]n\b/.test(tag)) return 'male';
  return 'vocals';
}

/** The vocals kinds a wish accepts (the SQL backend stores `vocalsOf` per track and matches these). */
export function vocalsAccepted(want: VocalsWanted): readonly VocalsKind[] {
  if (want === 'off') return ['instrumental'];
  if (want === 'on') return ['female', 'male', 'vocals'];
  return [want];
}

/** The per-track facts filters look at, computed once when a catalog is published or opened. */
export interface FilterFacts {
  readonly presentTags: readonly string[];
  readonly vocals: VocalsKind;
}

const factsCache = new WeakMap<object, FilterFacts>();

/** Computed once per track object (tracks are immutable once a catalog is open). */
export function filterFacts(track: Pick<Track, 'tags' | 'fileGenres'>): FilterFacts {
  let facts = factsCache.get(track);
  if (!facts) {
    facts = { presentTags: [...new Set(presentTags(track).map((t) => t.tag))], vocals: vocalsOf(track) };
    factsCache.set(track, facts);
  }
  return facts;
}

export function isEmptyFilter(filter: TrackFilter | undefined): boolean {
  return !filter || (!filter.excludeTrackIds?.length && !filter.includeTags?.length && !filter.excludeTags?.length && filter.vocals === undefined && filter.bpm === undefined);
}

/** Whether a track passes every part of the filter (the in-memory semantics the SQL backend mirrors). */
export function trackMatches(track: Track, filter: TrackFilter, facts: FilterFacts = filterFacts(track)): boolean {
  if (filter.excludeTrackIds?.includes(track.id)) return false;
  if (filter.includeTags?.some((tag) => !facts.presentTags.includes(tag))) return false;
  if (filter.excludeTags?.some((tag) => facts.presentTags.includes(tag))) return false;
  if (filter.vocals !== undefined && !vocalsAccepted(filter.vocals).includes(facts.vocals)) return false;
  if (filter.bpm) {
    const { min, max } = filter.bpm;
    if (track.bpm === undefined || (min !== undefined && track.bpm < min) || (max !== undefined && track.bpm > max)) return false;
  }
  return true;
}

/** All parts of several filters together. */
export function combineFilters(filters: readonly TrackFilter[]): TrackFilter {
  const out: { -readonly [K in keyof TrackFilter]: TrackFilter[K] } = {};
  for (const f of filters) {
    if (f.excludeTrackIds?.length) out.excludeTrackIds = [...(out.excludeTrackIds ?? []), ...f.excludeTrackIds];
    if (f.includeTags?.length) out.includeTags = [...(out.includeTags ?? []), ...f.includeTags];
    if (f.excludeTags?.length) out.excludeTags = [...(out.excludeTags ?? []), ...f.excludeTags];
    if (f.vocals !== undefined) out.vocals = f.vocals;
    if (f.bpm) {
      const min = Math.max(out.bpm?.min ?? -Infinity, f.bpm.min ?? -Infinity);
      const max = Math.min(out.bpm?.max ?? Infinity, f.bpm.max ?? Infinity);
      out.bpm = { ...(Number.isFinite(min) ? { min } : {}), ...(Number.isFinite(max) ? { max } : {}) };
    }
  }
  return out;
}
