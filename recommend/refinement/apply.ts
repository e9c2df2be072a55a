import type { RefinementState } from '../types.js';
import { parseRefinement, type ParsedRefinement } from './parse.js';
import { composeStates } from './compose.js';
import { boundState, EMPTY_STATE, liftConstraints, STATE_LIMITS, withoutHistory } from './state.js';
import type { TagVocabulary } from './vocabulary.js';

export interface ApplyOptions {
  readonly vocabulary: TagVocabulary;
  /** Track ids of the last list of picks the user saw, in order, to resolve "#2" and "the second one". */
  readonly shown?: readonly string[];
}

/** One conversational turn: parses `text` and composes it on top of `state` (the later turn wins). */
export function applyRefinement(state: RefinementState, text: string, options: ApplyOptions): RefinementState {
  return applyParsed(state, parseRefinement(text, options), options.shown ?? []);
}

/**
 * Composes an already parsed turn (by the rule parser or the language-model parser) onto `state`.
 * "undo" returns the state before the previous turn; "start over" clears everything but can itself be
 * undone; every other turn is remembered in `previous` (the last STATE_LIMITS.undoTurns).
 */
export function applyParsed(state: RefinementState, parsed: ParsedRefinement, shown: readonly string[]): RefinementState {
  if (parsed.action === 'undo') {
    const previous = state.previous ?? [];
    const back = previous.at(-1);
    if (!back) return { ...state, notes: ['nothing to undo: no earlier refinement is remembered'] };
    return boundState({ ...back, notes: ['undid the last refinement'], previous: previous.slice(0, -1) });
  }
  const history = [...(state.previous ?? []), withoutHistory({ ...state, notes: [] })].slice(-STATE_LIMITS.undoTurns);
  if (parsed.action === 'reset') {
    return { ...EMPTY_STATE, notes: ['started over: earlier refinements were cleared (say "undo" to bring them back)'], previous: history };
  }
  const likeTrackIds: string[] = [];
  const excludeTrackIds: string[] = [];
  const sources: Record<string, string> = { ...parsed.delta.sources };
  const notes = [...parsed.delta.notes];
  for (const ref of parsed.refs) {
    if (shown.length === 0) {
      notes.push(`ignored '${ref.phrase}': no picks have been shown yet`);
      continue;
    }
    const ids = ref.position === 'all' ? [...shown] : [shown[ref.position < 0 ? shown.length + ref.position : ref.position - 1]];
    if (ids[0] === undefined) {
      notes.push(`ignored '${ref.phrase}': only ${shown.length} pick${shown.length === 1 ? ' was' : 's were'} shown`);
      continue;
    }
    for (const id of ids as string[]) {
      (ref.kind === 'like' ? likeTrackIds : excludeTrackIds).push(id);
      sources[`track:${id}`] = ref.phrase;
    }
  }
  let base = state;
  if (parsed.lift) {
    const lifted = liftConstraints(state, parsed.lift);
    base = lifted.state;
    notes.unshift(...lifted.notes);
  }
  const delta: RefinementState = { ...parsed.delta, likeTrackIds, excludeTrackIds, sources, notes };
  const negatedTerms = [
    ...parsed.negatedTerms,
    ...delta.excludeTags,
    ...Object.entries(delta.weights)
      .filter(([, w]) => w < 0)
      .map(([t]) => t),
  ];
  return boundState({ ...composeStates(base, delta, { negatedTerms }), previous: history });
}

/** Applies several turns in order, each against the same shown list. */
export function applyRefinements(state: RefinementState, texts: readonly string[], options: ApplyOptions): RefinementState {
  return texts.reduce((s, t) => applyRefinement(s, t, options), state);
}
