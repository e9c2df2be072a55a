import type { Track } from '../index-data/types.js';
import { describeBpm } from './refinement/state.js';
import { hasTag, vocalsOf } from './track-traits.js';
import type { RefinementState } from './types.js';

/** One hard constraint: a track either satisfies it or is never shown. */
export interface HardConstraint {
  /** What the user asked, in their words where we have them ("no vocals"). */
  readonly label: string;
  /** Why a track fails it, for the "nothing left" message. */
  readonly failure: string;
  test(track: Track): boolean;
}

/** The hard constraints of a state plus ids excluded by the caller, in the order they are applied. */
export function hardConstraints(state: RefinementState, excludedIds: readonly string[]): HardConstraint[] {
  const src = (key: string, fallback: string): string => state.sources?.[key] ?? fallback;
  const out: HardConstraint[] = [];
  const ids = new Set([...excludedIds, ...state.excludeTrackIds]);
  if (ids.size > 0) {
    out.push({ label: `excluded picks (${ids.size})`, failure: 'every remaining track was excluded', test: (t) => !ids.has(t.id) });
  }
  for (const tag of state.excludeTags) {
    out.push({ label: src(`tag:${tag}`, `no ${tag}`), failure: `every remaining track has ${tag}`, test: (t) => !hasTag(t, tag) });
  }
  for (const tag of state.includeTags) {
    out.push({ label: src(`tag:${tag}`, `only ${tag}`), failure: `no remaining track has ${tag}`, test: (t) => hasTag(t, tag) });
  }
  if (state.vocals) {
    const want = state.vocals;
    const label = src('vocals', want === 'off' ? 'no vocals' : want === 'on' ? 'with vocals' : `${want} vocals`);
    const test = (t: Track): boolean => {
      const v = vocalsOf(t);
      if (want === 'off') return v === 'instrumental';
      if (want === 'on') return v === 'female' || v === 'male' || v === 'vocals';
      return v === want;
    };
    const failure =
      want === 'off' ? 'no remaining track is tagged instrumental' : want === 'on' ? 'no remaining track is tagged with vocals' : `no remaining track is tagged with ${want} vocals`;
    out.push({ label, failure, test });
  }
  if (state.bpm) {
    const { min, max } = state.bpm;
    out.push({
      label: src('bpm', describeBpm(state.bpm)),
      failure: `no remaining track has a known tempo of ${describeBpm(state.bpm)}`,
      test: (t) => t.bpm !== undefined && (min === undefined || t.bpm >= min) && (max === undefined || t.bpm <= max),
    });
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
