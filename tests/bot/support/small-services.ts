/**
 * Real-but-small implementations of the bot's ports for tests that exercise the Discord side:
 * a handful of tracks, the real refinement parser from recommend/, and a scorer simple enough to
 * reason about (frame similarity + tag weights + filters).
 */
import { CatalogError } from '../../../core/errors.js';
import type { ScoredTag, Track } from '../../../index-data/types.js';
import { applyRefinement, TagVocabulary } from '../../../recommend/refinement/index.js';
import type { Pick, RecommendRequest, RecommendResult, RefinementState } from '../../../recommend/types.js';
import type { ClipAnalyser, ClipFeatures, MusicRecommender, TrackDirectory, TrackSummary } from '../../../bot/ports.js';
import { EMPTY_REFINEMENT } from '../../../bot/ports.js';

const tag = (group: ScoredTag['group'], name: string, score = 0.9): ScoredTag => ({ group, tag: name, score });

function track(id: string, title: string, artist: string, bpm: number, tags: ScoredTag[]): Track {
  return { id, path: `${id}.mp3`, title, artist, durationSeconds: 180, fileGenres: [], tags, bpm, description: tags.map((t) => t.tag).join(', ') };
}

export const SMALL_TRACKS: readonly Track[] = [
  track('t-lofi-rain', 'Rain on Glass', 'Nori', 78, [tag('genre', 'lo-fi'), tag('mood', 'calm'), tag('instrument', 'piano'), tag('instrument', 'drums', 0.7), tag('vocals', 'instrumental')]),
  track('t-lofi-tape', 'Tape Hiss', 'Kumo', 84, [tag('genre', 'lo-fi'), tag('mood', 'dreamy'), tag('instrument', 'drums', 0.9), tag('vocals', 'instrumental')]),
  track('t-ambient-drift', 'Drift', 'Aster', 70, [tag('genre', 'ambient'), tag('mood', 'dreamy'), tag('instrument', 'synthesizer'), tag('vocals', 'instrumental')]),
  track('t-synth-night', 'Night Drive', 'Velvet Circuit', 118, [
    tag('genre', 'synthwave'),
    tag('mood', 'dark'),
    tag('instrument', 'synthesizer'),
    tag('instrument', 'drums', 0.8),
    tag('vocals', 'instrumental'),
  ]),
  track('t-rock-run', 'Run Wild', 'The Sparks', 150, [tag('genre', 'rock'), tag('mood', 'energetic'), tag('instrument', 'electric guitar'), tag('instrument', 'drums'), tag('vocals', 'male vocals')]),
  track('t-pop-sun', 'Sunlit', 'Mara', 124, [tag('genre', 'pop'), tag('mood', 'happy'), tag('instrument', 'synthesizer'), tag('instrument', 'drums'), tag('vocals', 'female vocals')]),
  track('t-piano-still', 'Stillness', 'Ilse Moor', 66, [tag('genre', 'classical'), tag('mood', 'sad'), tag('instrument', 'piano'), tag('vocals', 'instrumental')]),
  track('t-dnb-rush', 'Rush Hour', 'Kinetic', 172, [
    tag('genre', 'drum and bass'),
    tag('mood', 'energetic'),
    tag('instrument', 'drums'),
    tag('instrument', 'synthesizer', 0.6),
    tag('vocals', 'instrumental'),
  ]),
];

const tagNames = (t: Track): Set<string> => new Set(t.tags.map((x) => x.tag));

/** A direction per track in frame-embedding space, so a clip's frames favour some tracks. */
function trackDirection(index: number, dim: number): Float32Array {
  const v = new Float32Array(dim);
  for (let i = 0; i < dim; i++) v[i] = Math.sin((index + 1) * (i + 1) * 0.7);
  const norm = Math.hypot(...v);
  return v.map((x) => x / norm);
}

export class SmallRecommender implements MusicRecommender {
  readonly vocabulary: TagVocabulary;
  readonly requests: RecommendRequest[] = [];

  constructor(readonly tracks: readonly Track[] = SMALL_TRACKS) {
    this.vocabulary = TagVocabulary.fromTracks(tracks);
  }

  refine(state: RefinementState, text: string, shown: readonly string[]): RefinementState {
    return applyRefinement(state, text, { vocabulary: this.vocabulary, shown });
  }

  recommend(request: RecommendRequest): Promise<RecommendResult> {
    this.requests.push(request);
    if (this.tracks.length === 0) return Promise.reject(new CatalogError('CATALOG_EMPTY', 'the catalog has no tracks'));
    const state = request.state ?? EMPTY_REFINEMENT;
    const prompt = (request.prompt ?? '').toLowerCase();
    const frames = request.frameEmbeddings ?? [];
    const mean = frames.length > 0 ? frames[0]!.map((_, i) => frames.reduce((s, f) => s + f[i]!, 0) / frames.length) : undefined;
    const skip = new Set([...(request.excludeTrackIds ?? []), ...state.excludeTrackIds]);
    const scored = this.tracks
      .map((t, index) => ({ t, index }))
      .filter(({ t }) => !skip.has(t.id))
      .filter(({ t }) => state.excludeTags.every((x) => !tagNames(t).has(x)) && state.includeTags.every((x) => tagNames(t).has(x)))
      .filter(({ t }) => (state.vocals === 'off' ? tagNames(t).has('instrumental') : true))
      .filter(({ t }) => (t.bpm ?? 0) >= (state.bpm?.min ?? 0) && (t.bpm ?? 0) <= (state.bpm?.max ?? Infinity))
      .map(({ t, index }) => {
        let score = 0;
        if (mean) score += 0.3 * trackDirection(index, mean.length).reduce((s, x, i) => s + x * mean[i]!, 0);
        for (const x of t.tags) if (prompt.includes(x.tag)) score += 1;
        for (const [name, w] of Object.entries(state.weights)) if (tagNames(t).has(name)) score += w;
        if (state.tempo) score += (((t.bpm ?? 100) - 100) / 50) * (state.tempo === 'faster' ? 1 : -1);
        if (state.mood === 'darker' && tagNames(t).has('dark')) score += 1.5;
        if (state.likeTrackIds.length > 0) {
          const liked = this.tracks.filter((x) => state.likeTrackIds.includes(x.id));
          score += liked.reduce((s, l) => s + [...tagNames(l)].filter((n) => tagNames(t).has(n)).length * 0.4, 0);
        }
        return { t, score };
      })
      .sort((a, b) => b.score - a.score || a.t.id.localeCompare(b.t.id));
    const picks: Pick[] = scored.slice(0, request.k ?? 3).map(({ t, score }) => ({
      trackId: t.id,
      title: t.title,
      artist: t.artist,
      score: Math.max(0, Math.min(1, 0.5 + score / 10)),
      segmentStart: 30,
      segmentEnd: 60,
      tags: t.tags,
      ...(t.bpm ? { bpm: t.bpm } : {}),
      why: t.tags
        .slice(0, 3)
        .map((x) => x.tag)
        .join(', '),
    }));
    return Promise.resolve({ mode: 'zero-shot', picks, notes: state.notes, state });
  }
}

export class SmallTrackDirectory implements TrackDirectory {
  constructor(private readonly tracks: readonly Track[] = SMALL_TRACKS) {}
  search(query: string, limit: number): TrackSummary[] {
    const q = query.toLowerCase();
    return this.tracks
      .filter((t) => `${t.title} ${t.artist}`.toLowerCase().includes(q))
      .slice(0, limit)
      .map(({ id, title, artist }) => ({ id, title, artist }));
  }
  track(id: string): TrackSummary | undefined {
    const t = this.tracks.find((x) => x.id === id);
    return t && { id: t.id, title: t.title, artist: t.artist };
  }
  size(): number {
    return this.tracks.length;
  }
}

/** An analyser that always answers with the same features (for tests about the Discord side only). */
export class FixedClipAnalyser implements ClipAnalyser {
  calls = 0;
  constructor(private readonly features: ClipFeatures = { frameEmbeddings: [new Float32Array([1, 0, 0, 0])], durationSeconds: 1 }) {}
  analyse(): Promise<ClipFeatures> {
    this.calls += 1;
    return Promise.resolve(this.features);
  }
}
