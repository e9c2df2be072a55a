import { combineFilters, trackMatches, type TrackFilter } from '../index-data/track-filter.js';
import type { Track } from '../index-data/types.js';
import { describeBpm } from './refinement/state.js';
import type { RefinementState } from './types.js';

/** One hard constraint: a track either satisfies it or is never shown. */
export interface HardConstraint {
  /** What the user asked, in their words where we have them ("no vocals"). */
  readonly label: string;
  /** Why a track fails it, for the "nothing left" message. */
  readonly failure: string;
  /** The constraint as data, for the storage backends (SQL or in memory) to apply. */
  readonly filter: TrackFilter;
  test(track: Track): boolean;
}

function constraint(label: string, failure: string, filter: TrackFilter): HardConstraint {
  return { label, failure, filter, test: (t) => trackMatches(t, filter) };
}

/** Every constraint together, as one filter for the vector search. */
export function constraintsFilter(constraints: readonly HardConstraint[]): TrackFilter {
  return combineFilters(constraints.map((c) => c.filter));
}

/** The hard constraints of a state plus ids excluded by the caller, in the order they are applied. */
export function hardConstraints(state: RefinementState, excludedIds: readonly string[]): HardConstraint[] {
  const src = (key: string, fallback: string): string => state.sources?.[key] ?? fallback;
  const out: HardConstraint[] = [];
  const ids = new Set([...excludedIds, ...state.excludeTrackIds]);
  if (ids.size > 0) {
    out.push(constraint(`excluded picks (${ids.size})`, 'every remaining track was excluded', { excludeTrackIds: [...ids] }));
  }
  for (const tag of state.excludeTags) {
    out.push(constraint(src(`tag:${tag}`, `no ${tag}`), `every remaining track has ${tag}`, { excludeTags: [tag] }));
  }
  for (const tag of state.includeTags) {
    out.push(constraint(src(`tag:${tag}`, `only ${tag}`), `no remaining track has ${tag}`, { includeTags: [tag] }));
  }
  if (state.vocals) {
    const want = state.vocals;
    const label = src('vocals', want === 'off' ? 'no vocals' : want === 'on' ? 'with vocals' : `${want} vocals`);
    const failure = want === 'off' ? 'no remaining track is tagged instrumental' : want === 'on' ? 'no remaining track is tagged with vocals' : `no remaining track is tagged with ${want} vocals`;
    out.push(constraint(label, failure, { vocals: want }));
  }
  if (state.bpm) {
    out.push(constraint(src('bpm', describeBpm(state.bpm)), `no remaining track has a known tempo of ${describeBpm(state.bpm)}`, { bpm: state.bpm }));
  }
  return out;
}

export interface FilterOutcome {
  readonly eligible: Track[];
  /** The constraint that left nothing, with how many tracks reached it; undefined when some track passed. */
  readonly emptiedBy?: { readonly constraint: HardConstraint; readonly before: number };
}

/** Applies the constraints one after another over the whole catalog, so an empty answer can name its cause. */
export function applyConstraints(tracks: Iterable<Track>, constraints: readonly HardConstraint[]): FilterOutcome {
  let remaining = [...tracks];
  for (const constraint of constraints) {
    const next = remaining.filter((t) => constraint.test(t));
    if (next.length === 0) return { eligible: [], emptiedBy: { constraint, before: remaining.length } };
    remaining = next;
  }
  return { eligible: remaining };
}
