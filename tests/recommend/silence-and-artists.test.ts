/**
 * Real-library defects (issue 13): a silent track was among the picks of every answer, and untagged
 * tracks, all "Unknown artist", were let in only one at a time by one-per-artist.
 */
import { describe, expect, it } from 'vitest';
import { selectDiverse } from '../../recommend/diversity.js';
import { Recommender } from '../../recommend/recommender.js';
import { UNKNOWN_ARTIST } from '../../index-data/types.js';
import { applyRefinements } from '../../recommend/refinement/apply.js';
import { EMPTY_STATE } from '../../recommend/refinement/state.js';
import { AxisTextEncoder, axis, MemoryCatalog, tag, type FixtureTrack } from './support/memory-catalog.js';
import { testVocabulary } from './support/vocabulary.js';

const vocabulary = testVocabulary();

const FIXTURES: readonly FixtureTrack[] = [
  // Silent everywhere, yet its (meaningless) vectors match the query best.
  {
    id: 'silence',
    artist: 'Quiet',
    bpm: 171.4,
    looks: ['energetic', 'synth'],
    sounds: [
      ['energetic', 'synth'],
      ['energetic', 'synth'],
    ],
    silentSegments: [0, 1],
  },
  // Silent only in its first segment, which matches best: the audible one must be picked instead.
  { id: 'fade-in', artist: 'Waves', bpm: 128, looks: ['energetic'], sounds: [['energetic', 'synth'], ['energetic']], silentSegments: [0] },
  { id: 'drive', artist: 'Neon', tags: [tag('mood', 'energetic')], bpm: 124, looks: ['energetic'], sounds: [['energetic']] },
  { id: 'calm', artist: 'Lake', bpm: 70, looks: ['calm'], sounds: [['calm']] },
];

function recommender(fixtures: readonly FixtureTrack[] = FIXTURES): Recommender {
  return new Recommender({ catalog: new MemoryCatalog(fixtures), clipText: new AxisTextEncoder(), clapText: new AxisTextEncoder(), vocabulary });
}

describe('silence is never recommended', () => {
  it('leaves a silent track out of every answer, also after "faster", and picks the audible segment of a partly silent one', async () => {
    const rec = recommender();
    const frames = [axis('energetic', 'synth')];
    for (const answer of [
      await rec.recommend({ frameEmbeddings: frames, k: 4 }),
      await rec.recommend({ prompt: 'energetic synth', k: 4 }),
      await rec.recommend({ frameEmbeddings: frames, k: 4, state: applyRefinements(EMPTY_STATE, ['faster'], { vocabulary }) }),
    ]) {
      const ids = answer.picks.map((p) => p.trackId);
      expect(ids).not.toContain('silence');
      expect(ids).toContain('fade-in');
      expect(answer.picks.find((p) => p.trackId === 'fade-in')).toMatchObject({ segmentStart: 15, segmentEnd: 45 });
    }
  });
});

describe('unknown artist is not one artist', () => {
  it('lets several untagged tracks into one answer while still showing one pick per known artist', async () => {
    const fixtures: FixtureTrack[] = [
      { id: 'u1', artist: UNKNOWN_ARTIST, looks: ['energetic'], sounds: [['energetic']] },
      { id: 'u2', artist: UNKNOWN_ARTIST, looks: ['energetic'], sounds: [['energetic', 'rock']] },
      { id: 'u3', artist: 'unknown ARTIST', looks: ['energetic'], sounds: [['energetic', 'dark']] },
      { id: 'n1', artist: 'Neon', looks: ['energetic'], sounds: [['energetic', 'synth']] },
      { id: 'n2', artist: 'neon ', looks: ['energetic'], sounds: [['energetic', 'synth', 'happy']] },
    ];
    const answer = await recommender(fixtures).recommend({ prompt: 'energetic', k: 5 });
    const ids = answer.picks.map((p) => p.trackId);
    expect(ids.filter((id) => id.startsWith('u')).sort()).toEqual(['u1', 'u2', 'u3']);
    expect(ids.filter((id) => id.startsWith('n'))).toHaveLength(1);
  });

  it('in selectDiverse, blank and unknown artists never count as a repeat', () => {
    const candidates = ['', ' ', UNKNOWN_ARTIST, UNKNOWN_ARTIST, 'A', 'a'].map((artist, i) => ({ id: `t${i}`, artist, score: 1 - i / 10 }));
    const { picks, skippedForArtist } = selectDiverse(candidates, { k: 6, lambda: 1, dedupeArtists: true });
    expect(picks.map((p) => p.id)).toEqual(['t0', 't1', 't2', 't3', 't4']);
    expect(skippedForArtist).toBe(1);
  });
});
