import { describe, expect, it } from 'vitest';
import { applyRefinement, applyRefinements } from '../../recommend/refinement/apply.js';
import { EMPTY_STATE, restoreState } from '../../recommend/refinement/state.js';
import { testVocabulary } from './support/vocabulary.js';
import { objectContaining, stringContaining } from '../support/matchers.js';

const vocabulary = testVocabulary();
const shown = ['t-a', 't-b', 't-c'];
const turns = (...texts: string[]) => applyRefinements(EMPTY_STATE, texts, { vocabulary, shown });

describe('applyRefinement: composition', () => {
  it('given independent turns, keeps every constraint', () => {
    const state = turns('no vocals', 'under 100 bpm', 'less piano', 'more like #2');
    expect(state.vocals).toBe('off');
    expect(state.bpm).toEqual({ max: 100 });
    expect(state.weights).toEqual({ piano: -1 });
    expect(state.likeTrackIds).toEqual(['t-b']);
  });

  it('given "fast" then "slow", the later turn wins and the notes say so', () => {
    const state = turns('fast', 'slow');
    expect(state.tempo).toBe('slower');
    expect(state.notes).toContain("'slow' replaced the earlier 'fast'");
  });

  it('given "female vocals" then "no vocals", vocals are off with a note', () => {
    const state = turns('female vocals', 'no vocals');
    expect(state.vocals).toBe('off');
    expect(state.notes).toContain("'no vocals' replaced the earlier 'female vocals'");
  });

  it('given "only piano" then "no piano", piano moves from include to exclude', () => {
    const state = turns('only piano', 'no piano');
    expect(state.includeTags).toEqual([]);
    expect(state.excludeTags).toEqual(['piano']);
    expect(state.notes).toContain("'no piano' replaced the earlier 'only piano'");
  });

  it('given "no drums" then "more drums", the boost lifts the exclusion', () => {
    const state = turns('no drums', 'more drums');
    expect(state.excludeTags).toEqual([]);
    expect(state.weights).toEqual({ drums: 1, percussion: 1 });
    expect(state.notes.length).toBeGreaterThan(0);
  });

  it('given repeated boosts, weights add up to a cap', () => {
    expect(turns('more piano', 'more piano').weights).toEqual({ piano: 2 });
    expect(turns('more piano', 'more piano', 'more piano', 'more piano', 'more piano').weights).toEqual({ piano: 3 });
  });

  it('given a boost then a down-weight, the later one replaces it', () => {
    const state = turns('more piano', 'less piano');
    expect(state.weights).toEqual({ piano: -1 });
    expect(state.notes).toContain("'less piano' replaced the earlier 'more piano'");
  });

  it('given two one-sided BPM bounds, combines them into a range', () => {
    expect(turns('over 90 bpm', 'under 120 bpm').bpm).toEqual({ min: 90, max: 120 });
  });

  it('given contradictory BPM bounds, the later one wins with a note', () => {
    const state = turns('over 140 bpm', 'under 100 bpm');
    expect(state.bpm).toEqual({ max: 100 });
    expect(state.notes.join(' ')).toMatch(/replaced the earlier/);
  });

  it('given "more like #2" then "not #2", the track is excluded and no longer liked', () => {
    const state = turns('more like #2', 'not #2');
    expect(state.likeTrackIds).toEqual([]);
    expect(state.excludeTrackIds).toEqual(['t-b']);
  });

  it('given a reference past the shown picks, ignores it with a note', () => {
    const state = turns('like #7');
    expect(state.likeTrackIds).toEqual([]);
    expect(state.notes.join(' ')).toContain('only 3 picks were shown');
  });

  it('given a later negation, removes the negated words from earlier free text', () => {
    const state = turns('dreamy piano ballad', 'no piano');
    expect(state.text).toEqual(['dreamy ballad']);
    expect(state.text.join(' ')).not.toContain('piano');
  });

  it('keeps only the latest turn notes', () => {
    const state = turns('fast', 'slow', 'no vocals');
    expect(state.notes).toEqual([]);
  });

  it('given "start over", returns an empty state', () => {
    const state = turns('no vocals', 'faster', 'start over');
    expect({ ...state, notes: [], previous: undefined }).toEqual({ ...EMPTY_STATE, notes: [], previous: undefined });
    expect(state.notes[0]).toMatch(/started over/);
  });

  it('given "undo" after "start over", brings the earlier refinements back', () => {
    const state = turns('no vocals', 'faster', 'start over', 'undo');
    expect(state.vocals).toBe('off');
    expect(state.tempo).toBe('faster');
    expect(state.notes).toEqual(['undid the last refinement']);
  });

  it('given "undo" twice, steps back one turn each time, and says so when nothing is left', () => {
    const once = turns('no vocals', 'faster', 'undo');
    expect(once.tempo).toBeUndefined();
    expect(once.vocals).toBe('off');
    const twice = applyRefinements(once, ['undo'], { vocabulary, shown });
    expect(twice.vocals).toBeUndefined();
    const more = applyRefinements(twice, ['undo'], { vocabulary, shown });
    expect(more.notes).toEqual(['nothing to undo: no earlier refinement is remembered']);
  });
});

describe('refinement state is plain data', () => {
  it('round-trips through JSON unchanged', () => {
    const state = turns('dreamy lo-fi, no vocals', 'around 90 bpm', 'less piano, more like #1', 'darker', 'fast', 'slow');
    const restored = restoreState(JSON.parse(JSON.stringify(state)));
    expect(restored).toEqual(state);
    expect(applyRefinement(restored, 'no drums', { vocabulary })).toEqual(applyRefinement(state, 'no drums', { vocabulary }));
  });

  it('given a malformed stored state, rejects it with INPUT_INVALID naming the field', () => {
    expect(() => restoreState({ ...EMPTY_STATE, vocals: 'loud' })).toThrow(objectContaining({ code: 'INPUT_INVALID', message: stringContaining('vocals') }));
    expect(() => restoreState('{not json')).toThrow(expect.objectContaining({ code: 'INPUT_INVALID' }));
  });
});
