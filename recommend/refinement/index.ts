export { applyRefinement, applyRefinements, type ApplyOptions } from './apply.js';
export { BPM_LIMITS, BPM_TOLERANCE } from './bpm.js';
export { composeStates } from './compose.js';
export { parseRefinement, type ParsedRefinement, type ParseOptions } from './parse.js';
export { type TrackRef } from './pick-refs.js';
export { describeBpm, EMPTY_STATE, MAX_WEIGHT, restoreState } from './state.js';
export { TagVocabulary, phraseKey, type VocabularyEntry } from './vocabulary.js';
