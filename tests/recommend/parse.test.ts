import { describe, expect, it } from 'vitest';
import { parseRefinement } from '../../recommend/refinement/parse.js';
import { testVocabulary } from './support/vocabulary.js';

const vocabulary = testVocabulary();

interface Expected {
  includeTags?: string[];
  excludeTags?: string[];
  weights?: Record<string, number>;
  vocals?: 'on' | 'off' | 'female' | 'male';
  bpm?: { min?: number; max?: number };
  tempo?: 'faster' | 'slower';
  energy?: 'higher' | 'lower';
  mood?: 'brighter' | 'darker';
  refs?: string[];
  /** Checked only when given. */
  text?: string[];
  /** Substrings expected among the notes; checked only when given. */
  notes?: string[];
}

/** Everything a parse says, minus free text and notes; absent fields mean "nothing parsed". */
function summary(input: string): Expected & { text: string[]; notes: string[] } {
  const { delta, refs } = parseRefinement(input, { vocabulary });
  const out: Expected & { text: string[]; notes: string[] } = { text: [...delta.text], notes: [...delta.notes] };
  if (delta.includeTags.length) out.includeTags = [...delta.includeTags].sort();
  if (delta.excludeTags.length) out.excludeTags = [...delta.excludeTags].sort();
  if (Object.keys(delta.weights).length) out.weights = { ...delta.weights };
  if (delta.vocals) out.vocals = delta.vocals;
  if (delta.bpm) out.bpm = { ...delta.bpm };
  if (delta.tempo) out.tempo = delta.tempo;
  if (delta.energy) out.energy = delta.energy;
  if (delta.mood) out.mood = delta.mood;
  if (refs.length) out.refs = refs.map((r) => `${r.kind}:${r.position}`);
  return out;
}

const DRUMS = ['drums', 'percussion'];

// [phrase, expected parse]
const TABLE: readonly (readonly [string, Expected])[] = [
  // negations become filters (hard) or down-weights (soft), never text
  ['no vocals', { vocals: 'off', text: [] }],
  ['No Vocals!', { vocals: 'off' }],
  ['without vocals', { vocals: 'off' }],
  ['no singing', { vocals: 'off' }],
  ['no lyrics please', { vocals: 'off', text: [] }],
  ['instrumental', { vocals: 'off' }],
  ['instrumental only', { vocals: 'off' }],
  ['not instrumental', { vocals: 'on' }],
  ['with vocals', { vocals: 'on' }],
  ['female vocals', { vocals: 'female' }],
  ['a woman singing', { vocals: 'female' }],
  ['male singer', { vocals: 'male' }],
  ['no female vocals', { excludeTags: ['female vocals'] }],
  ['less singing', { weights: { 'female vocals': -1, 'male vocals': -1 } }],
  ['without drums', { excludeTags: DRUMS, text: [] }],
  ["don't want drums", { excludeTags: DRUMS }],
  ['no percussion', { excludeTags: DRUMS }],
  ['no heavy drums', { excludeTags: DRUMS, text: [] }],
  ['no vocals or drums', { vocals: 'off', excludeTags: DRUMS }],
  ['no piano and no guitar', { excludeTags: ['acoustic guitar', 'electric guitar', 'piano'] }],
  ['without piano and strings', { excludeTags: ['piano', 'strings'] }],
  ['no rock', { excludeTags: ['rock'] }],
  ['nothing sad', { excludeTags: ['sad'] }],
  ['less piano', { weights: { piano: -1 }, text: [] }],
  ['fewer synths', { weights: { synthesizer: -1 } }],
  ['a bit less sax', { weights: { saxophone: -0.5 } }],
  ['tone down the strings', { weights: { strings: -1 } }],
  ['not so sad', { weights: { sad: -1 }, mood: 'brighter', text: [] }],
  ['not too dark', { weights: { dark: -1 }, mood: 'brighter' }],
  ['no banjo', { notes: ["'banjo' is not a tag this catalog knows; kept as text to steer away from"], text: [] }],
  // positives and hard inclusions
  ['more piano', { weights: { piano: 1 } }],
  ['lots of drums', { weights: { drums: 1, percussion: 1 } }],
  ['only jazz', { includeTags: ['jazz'] }],
  ['must have piano', { includeTags: ['piano'] }],
  ['just piano and strings', { includeTags: ['piano', 'strings'] }],
  ['dreamy lo-fi', { weights: { dreamy: 1, 'lo-fi': 1 }, text: ['dreamy lo fi'] }],
  ['dreamy lo-fi, no vocals', { weights: { dreamy: 1, 'lo-fi': 1 }, vocals: 'off', text: ['dreamy lo fi'] }],
  ['chill', { weights: { calm: 1 }, text: ['chill'] }],
  ['dark synths', { weights: { dark: 1, synthesizer: 1 }, text: ['dark synths'] }],
  ['music for a rainy day', { weights: { sad: 0.5, calm: 0.5, piano: 0.5 }, mood: 'darker', text: ['rainy day'] }],
  ['hiphop', { weights: { 'hip hop': 1 } }],
  ['acoustic guitar', { weights: { 'acoustic guitar': 1 } }],
  ['more guitar', { weights: { 'acoustic guitar': 1, 'electric guitar': 1 } }],
  ['female singer, acoustic guitar', { vocals: 'female', weights: { 'acoustic guitar': 1 }, text: ['acoustic guitar'] }],
  ['rap', { weights: { 'hip hop': 1 } }],
  // tempo: comparatives and numbers
  ['faster', { tempo: 'faster', text: [] }],
  ['make it quicker', { tempo: 'faster', text: [] }],
  ['slower', { tempo: 'slower' }],
  ['slow it down', { tempo: 'slower' }],
  ['a bit slower please', { tempo: 'slower', text: [] }],
  ['higher tempo', { tempo: 'faster' }],
  ['lower bpm', { tempo: 'slower' }],
  ['not so fast', { tempo: 'slower' }],
  ['fast', { tempo: 'faster' }],
  ['fast, actually no, slow', { tempo: 'slower', notes: ["'slow' replaced the earlier 'fast'"] }],
  ['around 120 bpm', { bpm: { min: 110, max: 130 } }],
  ['about 100 BPM', { bpm: { min: 92, max: 108 } }],
  ['120 bpm', { bpm: { min: 110, max: 130 } }],
  ['under 100 bpm', { bpm: { max: 100 } }],
  ['below 90bpm', { bpm: { max: 90 } }],
  ['less than 100 beats per minute', { bpm: { max: 100 } }],
  ['over 140 bpm', { bpm: { min: 140 } }],
  ['at least 128 bpm', { bpm: { min: 128 } }],
  ['no less than 90 bpm', { bpm: { min: 90 } }],
  ['not faster than 100 bpm', { bpm: { max: 100 } }],
  ['120 bpm or less', { bpm: { max: 120 } }],
  ['140+ bpm', { bpm: { min: 140 } }],
  ['90-110 bpm', { bpm: { min: 90, max: 110 } }],
  ['between 90 and 110 bpm', { bpm: { min: 90, max: 110 } }],
  ['110 to 90 bpm', { bpm: { min: 90, max: 110 } }],
  ['tempo 100-120', { bpm: { min: 100, max: 120 } }],
  ['900 bpm', { notes: ["ignored '900 bpm'"] }],
  ['no vocals, under 100 bpm', { vocals: 'off', bpm: { max: 100 } }],
  // energy and mood directions
  ['more energetic', { energy: 'higher', weights: { energetic: 1 } }],
  ['more energy', { energy: 'higher' }],
  ['less energy', { energy: 'lower' }],
  ['calmer', { energy: 'lower' }],
  ['more chill', { energy: 'lower', weights: { calm: 1 } }],
  ['pump it up', { energy: 'higher' }],
  ['not too loud', { energy: 'lower' }],
  ['a bit more upbeat', { energy: 'higher', weights: { energetic: 0.5 } }],
  ['darker', { mood: 'darker' }],
  ['sadder', { mood: 'darker' }],
  ['happier', { mood: 'brighter' }],
  ['more cheerful', { mood: 'brighter', weights: { happy: 1 } }],
  ['darker and slower', { mood: 'darker', tempo: 'slower' }],
  ['faster but calmer', { tempo: 'faster', energy: 'lower' }],
  // references to shown picks
  ['more like #2', { refs: ['like:2'], text: [] }],
  ['like #2', { refs: ['like:2'] }],
  ['#3', { refs: ['like:3'] }],
  ['more like the second one', { refs: ['like:2'] }],
  ['similar to number 4', { refs: ['like:4'] }],
  ['like the last one', { refs: ['like:-1'] }],
  ['not #3', { refs: ['exclude:3'] }],
  ['drop the first one', { refs: ['exclude:1'] }],
  ['no #1 and no #2', { refs: ['exclude:1', 'exclude:2'] }],
  ['more like #2 but darker', { refs: ['like:2'], mood: 'darker', text: [] }],
  ['like #1 without vocals', { refs: ['like:1'], vocals: 'off' }],
  ['the 2nd one but without the piano', { refs: ['like:2'], excludeTags: ['piano'], text: [] }],
  ['keep #2', { refs: ['like:2'] }],
  // trailing negations and in-turn contradictions
  ['drums yes, bass no', { weights: { drums: 1, percussion: 1 }, excludeTags: ['bass guitar'], text: ['drums'] }],
  ['vocals no', { vocals: 'off' }],
  ['calm, no calm', { excludeTags: ['calm'], text: [], notes: ["'no calm' replaced the earlier 'calm'"] }],
  ['no more than 100 bpm', { bpm: { max: 100 } }],
  ['slower than 100 bpm', { bpm: { max: 100 } }],
  // typos against the vocabulary and the control words
  ['no vocls', { vocals: 'off', notes: ["read 'vocls' as 'vocals'"] }],
  ['withuot drums', { excludeTags: DRUMS }],
  ['more pianno', { weights: { piano: 1 } }],
  ['less saxophon', { weights: { saxophone: -1 } }],
  ['no drumz', { excludeTags: DRUMS }],
  ['fsater', { tempo: 'faster' }],
  ['jazzy', { weights: { jazz: 1 } }],
  ['more violn', { weights: { violin: 1 } }],
  ['electonic', { weights: { electronic: 1 } }],
];

describe('parseRefinement: phrasings', () => {
  it('covers at least 60 phrasings', () => {
    expect(TABLE.length).toBeGreaterThanOrEqual(60);
  });

  it.each(TABLE)('parses %j', (input, expected) => {
    const got = summary(input);
    const { text, notes, ...rest } = expected;
    const { text: gotText, notes: gotNotes, ...gotRest } = got;
    expect(gotRest).toEqual(rest);
    if (text) expect(gotText).toEqual(text);
    for (const note of notes ?? []) expect(gotNotes.join('\n')).toContain(note);
  });
});

describe('parseRefinement: negations never reach the encoders', () => {
  it.each(['no vocals', 'without drums', 'less piano', 'not so sad', 'no heavy drums', 'no banjo', 'without strings or piano', 'not #3'])('given %j, keeps no free text', (input) => {
    expect(parseRefinement(input, { vocabulary }).delta.text).toEqual([]);
  });

  it('given positive and negative clauses, keeps only the positive words as text', () => {
    const { delta } = parseRefinement('warm acoustic guitar, no drums, less piano', { vocabulary });
    expect(delta.text).toEqual(['warm acoustic guitar']);
  });
});

describe('parseRefinement: reset', () => {
  it.each(['start over', 'Reset', 'forget everything'])('given %j, asks to start over', (input) => {
    expect(parseRefinement(input, { vocabulary }).action).toBe('reset');
  });
});
