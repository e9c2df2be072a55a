import { describe, expect, it } from 'vitest';
import { recommendJsonSchema, renderTable, runConversation, toRecommendJson } from '../../recommend/conversation.js';
import { Recommender } from '../../recommend/recommender.js';
import { hardConstraints } from '../../recommend/filters.js';
import { AxisTextEncoder, axis, MemoryCatalog, tag } from './support/memory-catalog.js';
import { testVocabulary } from './support/vocabulary.js';
import { anyOf } from '../support/matchers.js';

const catalog = new MemoryCatalog([
  { id: 'fast-synth', tags: [tag('mood', 'energetic'), tag('instrument', 'synthesizer'), tag('vocals', 'instrumental')], bpm: 128, looks: ['energetic', 'synth'], sounds: [['energetic', 'synth']] },
  { id: 'slow-piano', tags: [tag('mood', 'calm'), tag('instrument', 'piano'), tag('vocals', 'instrumental')], bpm: 70, looks: ['calm', 'piano'], sounds: [['calm', 'piano'], ['piano']] },
  { id: 'sung-pop', tags: [tag('genre', 'pop'), tag('vocals', 'female vocals')], bpm: 110, looks: ['happy'], sounds: [['happy']] },
  { id: 'dark-strings', tags: [tag('mood', 'dark'), tag('instrument', 'strings'), tag('vocals', 'instrumental')], bpm: 90, looks: ['dark', 'strings'], sounds: [['dark', 'strings']] },
]);
const recommender = new Recommender({ catalog, clipText: new AxisTextEncoder(), clapText: new AxisTextEncoder(), vocabulary: testVocabulary() });
const frames = [axis('energetic'), axis('synth')];

describe('runConversation', () => {
  it('given a prompt and two refinements, answers each turn and the last one respects every constraint', async () => {
    const turns = await runConversation(recommender, { frameEmbeddings: frames, prompt: 'synth music', refinements: ['no vocals', 'under 100 bpm, more like #2'], k: 3 });
    expect(turns.map((t) => t.refinement)).toEqual([undefined, 'no vocals', 'under 100 bpm, more like #2']);
    const final = turns.at(-1)!.result;
    expect(final.state.vocals).toBe('off');
    expect(final.state.likeTrackIds).toHaveLength(1);
    expect(final.picks.length).toBeGreaterThan(0);
    const constraints = hardConstraints(final.state, []);
    for (const p of final.picks) for (const c of constraints) expect(c.test(catalog.track(p.trackId)!)).toBe(true);
  });

  it('renders a table naming each turn, pick and reason', async () => {
    const turns = await runConversation(recommender, { frameEmbeddings: frames, refinements: ['slower'], k: 2 });
    const table = renderTable(turns);
    expect(table).toContain('Picks (zero-shot):');
    expect(table).toContain('After "slower" (zero-shot):');
    expect(table).toMatch(/ 1\. \d\.\d{3} {2}Artist fast-synth - Title fast-synth {2}\[0:00-0:30\] {2}128 BPM/);
  });
});

describe('"#n" after re-ordering by score', () => {
  // MMR selects a, other, twin in that order; by score twin is second.
  const reordering = new Recommender({
    catalog: new MemoryCatalog([
      { id: 'a', looks: ['energetic', 'synth'], sounds: [['synth']] },
      { id: 'twin', looks: ['energetic', 'synth', 'dark'], sounds: [['synth']] },
      { id: 'other', looks: ['energetic'], sounds: [['piano']] },
      { id: 'far', looks: ['calm'], sounds: [['calm']] },
    ]),
    clipText: new AxisTextEncoder(),
    clapText: new AxisTextEncoder(),
    vocabulary: testVocabulary(),
  });

  it('given "not #2", drops the track printed on line 2 of the table and in picks[1] of the JSON', async () => {
    const turns = await runConversation(reordering, { frameEmbeddings: frames, refinements: ['not #2'], k: 3 });
    const first = turns[0]!.result;
    expect(renderTable(turns.slice(0, 1))).toMatch(/ 2\. [\d.]+ {2}Artist twin - Title twin/);
    const json = toRecommendJson(turns.slice(0, 1), { video: null, frames: 2, prompt: null, refinements: [], k: 3, encoders: { clip: 'c', clap: 'd', standIn: false } });
    expect(json.picks[1]).toMatchObject({ rank: 2, trackId: 'twin' });
    expect(first.picks[1]?.trackId).toBe('twin');
    const after = turns[1]!.result;
    expect(after.state.excludeTrackIds).toEqual(['twin']);
    expect(after.picks.map((p) => p.trackId)).not.toContain('twin');
  });

  it('given "more like #3", blends the track printed third', async () => {
    const turns = await runConversation(reordering, { frameEmbeddings: frames, refinements: ['more like #3'], k: 3 });
    expect(turns[0]!.result.picks[2]?.trackId).toBe('other');
    expect(turns[1]!.result.state.likeTrackIds).toEqual(['other']);
  });
});

describe('cuecast recommend --json schema', () => {
  it('produces JSON that matches the documented schema and survives a JSON round trip', async () => {
    const turns = await runConversation(recommender, { frameEmbeddings: frames, prompt: 'calm piano', refinements: ['no vocals'], k: 2 });
    const json = toRecommendJson(turns, { video: '/clips/a.mp4', frames: 2, prompt: 'calm piano', refinements: ['no vocals'], k: 2, encoders: { clip: 'c', clap: 'd', standIn: true } });
    const parsed = recommendJsonSchema.parse(JSON.parse(JSON.stringify(json)));
    expect(parsed.picks[0]).toMatchObject({ rank: 1, trackId: anyOf(String), segmentStart: anyOf(Number) });
    expect(parsed.turns).toHaveLength(2);
    expect(parsed.emptiedBy).toBeNull();
  });

  it('rejects output missing a field (the schema can fail)', () => {
    const bad = { version: 1, mode: 'zero-shot', picks: [] };
    expect(recommendJsonSchema.safeParse(bad).success).toBe(false);
  });

  it('reports which constraint emptied the list', async () => {
    const turns = await runConversation(recommender, { frameEmbeddings: frames, refinements: ['female vocals', 'under 80 bpm'], k: 2 });
    const json = toRecommendJson(turns, { video: null, frames: 2, prompt: null, refinements: [], k: 2, encoders: { clip: 'c', clap: 'd', standIn: false } });
    expect(json.picks).toEqual([]);
    expect(json.emptiedBy).toBe('under 80 bpm');
  });
});
