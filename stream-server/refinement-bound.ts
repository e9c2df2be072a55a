import type { RefinementState } from '../recommend/types.js';

/** Track ids a state remembers ("more like #2", "not #3"); older ones are forgotten first. */
const MAX_TRACK_IDS = 200;
/** Source phrases kept for explanations (tags, tracks, vocals...). */
const MAX_SOURCES = 200;

function lastDistinct(values: readonly string[], max: number): string[] {
  const seen = new Set<string>();
  const kept: string[] = [];
  for (let i = values.length - 1; i >= 0 && kept.length < max; i--) {
    const value = values[i]!;
    if (seen.has(value)) continue;
    seen.add(value);
    kept.push(value);
  }
  return kept.reverse();
}

/**
 * A long-lived stream folds refinement after refinement into one state; without a bound its free text
 * (re-encoded by the text encoders on every update) and id lists grow for as long as the stream runs.
 * Keeps the last `maxTurns` distinct free-text entries (each at most `maxTextChars`), the newest track
 * ids and source phrases; tags and weights are bounded by the vocabulary already.
 */
export function boundRefinementState(state: RefinementState, maxTurns: number, maxTextChars: number): RefinementState {
  const sources = state.sources
    ? Object.entries(state.sources)
        .slice(-MAX_SOURCES)
        .map(([k, v]) => [k, v.slice(0, maxTextChars)] as const)
    : undefined;
  return {
    ...state,
    text: lastDistinct(state.text, maxTurns).map((t) => t.slice(0, maxTextChars)),
    notes: state.notes.slice(-maxTurns).map((t) => t.slice(0, maxTextChars)),
    likeTrackIds: lastDistinct(state.likeTrackIds, MAX_TRACK_IDS),
    excludeTrackIds: lastDistinct(state.excludeTrackIds, MAX_TRACK_IDS),
    ...(sources ? { sources: Object.fromEntries(sources) } : {}),
  };
}
