/** What the issue-#17 readings do downstream: negative text, strengths, bounded state, typo guard, emptied turns. */
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { lastShown, toRecommendJson, recommendJsonSchema, type ConversationTurn } from '../../recommend/conversation.js';
import { Recommender } from '../../recommend/recommender.js';
import { applyRefinement } from '../../recommend/refinement/apply.js';
import { parseRefinement } from '../../recommend/refinement/parse.js';
import { EMPTY_STATE, restoreState, STATE_LIMITS } from '../../recommend/refinement/state.js';
import { englishWords } from '../../recommend/refinement/words.js';
import type { RecommendResult, RefinementState } from '../../recommend/types.js';
import { shippedVocabulary } from '../../recommend/catalog-vocabulary.js';
import { axis, AxisTextEncoder, MemoryCatalog, tag, type FixtureTrack } from './support/memory-catalog.js';
import { testVocabulary } from './support/vocabulary.js';

const vocabulary = testVocabulary();
const FIXTURES: readonly FixtureTrack[] = [
  { id: 'synth-drive', tags: [tag('mood', 'energetic'), tag('instrument', 'synthesizer')], bpm: 124, looks: ['energetic', 'synth'], sounds: [['energetic', 'synth']] },
  { id: 'synth-night', tags: [tag('mood', 'energetic'), tag('instrument', 'synthesizer'), tag('mood', 'dark')], bpm: 128, looks: ['energetic', 'synth'], sounds: [['synth', 'dark']] },
  { id: 'calm-piano', tags: [tag('mood', 'calm'), tag('instrument', 'piano')], bpm: 70, looks: ['calm'], sounds: [['calm', 'piano']] },
];

function recommender() {
  const clapText = new AxisTextEncoder();
  return { rec: new Recommender({ catalog: new MemoryCatalog(FIXTURES), clipText: new AxisTextEncoder(), clapText, vocabulary }), clapText };
}
const frames = [axis('energetic', 'synth'), axis('energetic', 'synth')];

describe('negative text', () => {
  it('is never part of the query, and tracks that sound like it lose score', async () => {
    const { rec, clapText } = recommender();
    const plain = await rec.recommend({ frameEmbeddings: frames, prompt: 'synth', k: 3 });
    const state = applyRefinement(EMPTY_STATE, 'too dark', { vocabulary: testVocabulary() });
    const unknown = applyRefinement(EMPTY_STATE, 'this is too gloomy and murky', { vocabulary });
    expect(unknown.negativeText?.join(' ')).toMatch(/murky/);
    const away = await rec.recommend({ frameEmbeddings: frames, prompt: 'synth', k: 3, state: { ...state, negativeText: ['dark'] } });
    const night = (r: RecommendResult) => r.picks.find((p) => p.trackId === 'synth-night')!;
    expect(night(away).parts?.negative).toBeLessThan(0);
    expect(night(away).score).toBeLessThan(night(plain).score);
    expect(clapText.seen).toContain('dark');
    expect(clapText.seen.filter((t) => t !== 'dark').every((t) => !/dark/.test(t))).toBe(true);
  });

  it('a complaint about an unknown word keeps it negative, never wanted; wanting it later moves it back', () => {
    const complaint = applyRefinement(EMPTY_STATE, 'too cheesy', { vocabulary });
    expect(complaint.negativeText).toEqual(['cheesy']);
    expect(complaint.text).toEqual([]);
    const later = applyRefinement(complaint, 'cheesy synths', { vocabulary });
    expect(later.negativeText ?? []).toEqual([]);
    expect(later.text.join(' ')).toMatch(/cheesy/);
  });
});

describe('strengths', () => {
  it('"way faster" pushes tempo twice as hard as "faster", "a bit faster" half', async () => {
    const { rec } = recommender();
    const adjust = async (text: string) => {
      const state = applyRefinement(EMPTY_STATE, text, { vocabulary });
      const r = await rec.recommend({ frameEmbeddings: frames, k: 3, state });
      return r.picks.find((p) => p.trackId === 'calm-piano')!.parts?.preferences ?? 0;
    };
    const [half, one, two] = [await adjust('a bit faster'), await adjust('faster'), await adjust('way faster')];
    expect(one).toBeLessThan(0);
    expect(half).toBeCloseTo(one / 2, 6);
    expect(two).toBeCloseTo(one * 2, 6);
  });
});

describe('typo correction', () => {
  it('ships the word list with its licence', () => {
    const here = new URL('../../recommend/refinement/data/', import.meta.url);
    expect(existsSync(new URL('english-words.txt', here))).toBe(true);
    expect(readFileSync(new URL('english-words-LICENSE.txt', here), 'utf8')).toMatch(/Kevin Atkinson/);
    expect(englishWords().size).toBeGreaterThan(60_000);
  });

  it.each(['this is boring', 'fine', "you'd like it", 'line it up', 'bring it', 'loud enough', 'a long drive'])('never rewrites the English words of %j', (input) => {
    expect(parseRefinement(input, { vocabulary: shippedVocabulary() }).delta.notes.filter((n) => n.startsWith('read '))).toEqual([]);
  });

  it('corrects a non-word when one word is clearly meant, and says so', () => {
    expect(parseRefinement('no drumz', { vocabulary: shippedVocabulary() }).delta.notes).toContain("read 'drumz' as 'drums'");
  });

  it('leaves a non-word two words are equally close to, and says it was ignored', () => {
    // "bast" is one edit from both "bass" and "fast".
    const { delta } = parseRefinement('bast', { vocabulary: shippedVocabulary() });
    expect(delta.notes.some((n) => n.startsWith("read 'bast'"))).toBe(false);
  });
});

describe('bounded state', () => {
  it('after 2,000 refinements of unique long text, stays within the limits, text deduplicated', () => {
    let state: RefinementState = EMPTY_STATE;
    const long = (i: number) => `velvet ${i} `.repeat(40).trim().slice(0, 480);
    for (let i = 0; i < 2000; i++) state = applyRefinement(state, i % 2 ? long(i) : 'velvet nights', { vocabulary, shown: ['a', 'b', 'c'] });
    expect(state.text.length).toBeLessThanOrEqual(STATE_LIMITS.textEntries);
    expect(state.text.join('').length).toBeLessThanOrEqual(STATE_LIMITS.textChars);
    expect(new Set(state.text.map((t) => t.toLowerCase())).size).toBe(state.text.length);
    expect(state.previous?.length).toBe(STATE_LIMITS.undoTurns);
    expect(JSON.stringify(state).length).toBeLessThan(20_000);
    expect(restoreState(JSON.parse(JSON.stringify(state)))).toEqual(state);
  });

  it('keeps at most the latest excluded and liked picks', () => {
    let state: RefinementState = EMPTY_STATE;
    for (let i = 0; i < 300; i++) state = applyRefinement(state, 'not #1', { vocabulary, shown: [`t${i}`] });
    expect(state.excludeTrackIds).toHaveLength(STATE_LIMITS.excludedTracks);
    expect(state.excludeTrackIds.at(-1)).toBe('t299');
    expect(Object.keys(state.sources ?? {}).filter((k) => k.startsWith('track:'))).toHaveLength(STATE_LIMITS.excludedTracks);
  });
});

describe('an emptied turn', () => {
  it('says how to step back, and "#2" afterwards still means the picks shown before', async () => {
    const { rec } = recommender();
    const first = await rec.recommend({ frameEmbeddings: frames, k: 3 });
    const emptyState = rec.refine(EMPTY_STATE, 'over 250 bpm', ids(first));
    const emptied = await rec.recommend({ frameEmbeddings: frames, k: 3, state: emptyState });
    expect(emptied.picks).toEqual([]);
    expect(emptied.notes.join(' ')).toMatch(/say 'undo' to step back, or 'any tempo is fine'/);
    const turns: ConversationTurn[] = [{ result: first }, { refinement: 'over 250 bpm', result: emptied }];
    const shown = lastShown(turns);
    expect(shown).toEqual(ids(first));
    const liked = rec.refine(emptied.state, 'more like #2', shown);
    expect(liked.likeTrackIds).toEqual([ids(first)[1]]);
    const back = rec.refine(liked, 'undo', shown);
    expect(rec.refine(back, 'undo', shown).bpm).toBeUndefined();

    const json = recommendJsonSchema.parse(toRecommendJson(turns, { video: null, frames: 2, prompt: null, refinements: ['over 250 bpm'], k: 3, encoders: { clip: 'a', clap: 'b', standIn: true } }));
    expect(json.turns.map((t) => t.picks)).toEqual([ids(first), []]);
    expect(json.turns[1]!.emptiedBy).toBe('over 250 bpm');
    expect(json.state).toMatchObject({ bpm: { min: 250 } });
    expect(json.state).not.toHaveProperty('previous');
    expect(json.undoSteps).toBe(1);
  });
});

const ids = (r: RecommendResult): string[] => r.picks.map((p) => p.trackId);
