import type { RefinementState } from '../types.js';
import { parseRefinement } from './parse.js';
import { composeStates, EMPTY_STATE } from './state.js';
import type { TagVocabulary } from './vocabulary.js';

export interface ApplyOptions {
  readonly vocabulary: TagVocabulary;
  /** Track ids of the picks shown last, in order, to resolve "#2" and "the second one". */
  readonly shown?: readonly string[];
}

/** One conversational turn: parses `text` and composes it on top of `state` (the later turn wins). */
export function applyRefinement(state: RefinementState, text: string, options: ApplyOptions): RefinementState {
  const parsed = parseRefinement(text, options);
  if (parsed.reset) return { ...EMPTY_STATE, notes: ['started over: earlier refinements were cleared'] };
  const shown = options.shown ?? [];
  const likeTrackIds: string[] = [];
  const excludeTrackIds: string[] = [];
  const sources: Record<string, string> = { ...parsed.delta.sources };
  const notes = [...parsed.delta.notes];
  for (const ref of parsed.refs) {
    const index = ref.position === -1 ? shown.length - 1 : ref.position - 1;
    const id = shown[index];
    if (id === undefined) {
      notes.push(
        shown.length === 0
          ? `ignored '${ref.phrase}': there are no earlier picks to refer to`
          : `ignored '${ref.phrase}': only ${shown.length} pick${shown.length === 1 ? ' was' : 's were'} shown`,
      );
      continue;
    }
    (ref.kind === 'like' ? likeTrackIds : excludeTrackIds).push(id);
    sources[`track:${id}`] = ref.phrase;
  }
  const delta: RefinementState = { ...parsed.delta, likeTrackIds, excludeTrackIds, sources, notes };
  const negatedTerms = [...parsed.negatedTerms, ...delta.excludeTags, ...Object.entries(delta.weights).filter(([, w]) => w < 0).map(([t]) => t)];
  return composeStates(state, delta, { negatedTerms });
}

/** Applies several turns in order, each against the same shown list. */
export function applyRefinements(state: RefinementState, texts: readonly string[], options: ApplyOptions): RefinementState {
  return texts.reduce((s, t) => applyRefinement(s, t, options), state);
}
