export { applyRefinement, applyRefinements, type ApplyOptions } from './apply.js';
export { parseRefinement, BPM_LIMITS, BPM_TOLERANCE, type ParsedRefinement, type ParseOptions, type TrackRef } from './parse.js';
export { composeStates, describeBpm, EMPTY_STATE, MAX_WEIGHT, restoreState } from './state.js';
export { TagVocabulary, phraseKey, type VocabularyEntry } from './vocabulary.js';
