import { InMemoryCatalog, type InMemoryCatalogParts } from '../../../index-data/in-memory-catalog.js';
import type { CatalogManifest, ScoredTag, Segment, Track, VectorSpace } from '../../../index-data/types.js';
import { ExactVectorIndex } from '../../../index-data/vector-index.js';
import type { EncoderInfo, TextEncoder } from '../../../model/types.js';

/** Axes of the hand-made embedding space: a vector's meaning can be read off its coordinates. */
export const AXES = ['calm', 'energetic', 'piano', 'synth', 'rock', 'dark', 'happy', 'strings'] as const;
export const DIM = AXES.length;

export function axis(...words: string[]): Float32Array {
  const v = new Float32Array(DIM);
  for (const w of words) {
    const i = AXES.indexOf(w as (typeof AXES)[number]);
    if (i >= 0) v[i] = (v[i] ?? 0) + 1;
  }
  return v;
}

export interface FixtureTrack {
  readonly id: string;
  readonly artist?: string;
  readonly tags?: readonly ScoredTag[];
  readonly bpm?: number;
  /** Words for the description's CLIP-text vector. */
  readonly looks: readonly string[];
  /** Words per segment for the CLAP-audio vectors (one entry per segment). */
  readonly sounds: readonly (readonly string[])[];
  readonly viml?: readonly (readonly string[])[];
  /** Indexes of segments measured silent; all of them makes the track silent. */
  readonly silentSegments?: readonly number[];
}

/** A small in-memory Catalog over ExactVectorIndex, so scores are predictable by hand. */
export class MemoryCatalog extends InMemoryCatalog {
  /** The in-memory indexes behind `index()`, for tests that read vectors directly. */
  readonly raw: ReadonlyMap<VectorSpace, ExactVectorIndex>;

  constructor(fixtures: readonly FixtureTrack[], options: { viml?: boolean } = {}) {
    const built = fixtureParts(fixtures, options.viml === true);
    super(built.parts);
    this.raw = built.raw;
  }
}

function fixtureParts(fixtures: readonly FixtureTrack[], withViml: boolean): { parts: InMemoryCatalogParts; raw: Map<VectorSpace, ExactVectorIndex> } {
  const manifest: CatalogManifest = {
    formatVersion: 1,
    clip: { modelId: 'test-clip', dim: DIM },
    clap: { modelId: 'test-clap', dim: DIM },
    ...(withViml ? { viml: { dim: DIM, manifestHash: 'test' } } : {}),
    segmentSeconds: 30,
    hopSeconds: 15,
    tagVocabularyVersion: 'test',
    builtAt: '2026-01-01T00:00:00.000Z',
  };
  const clip = new ExactVectorIndex(DIM);
  const clap = new ExactVectorIndex(DIM);
  const viml = new ExactVectorIndex(DIM);
  const tracks: Track[] = [];
  const segments: Segment[] = [];
  let segLabel = 1000;
  fixtures.forEach((f, i) => {
    tracks.push({
      id: f.id,
      path: `${f.id}.mp3`,
      title: `Title ${f.id}`,
      artist: f.artist ?? `Artist ${f.id}`,
      durationSeconds: 15 * (f.sounds.length + 1),
      fileGenres: [],
      tags: f.tags ?? [],
      ...(f.bpm !== undefined ? { bpm: f.bpm } : {}),
      ...(f.silentSegments && f.silentSegments.length === f.sounds.length ? { silent: true } : {}),
      description: f.looks.join(' '),
    });
    clip.add(i, axis(...f.looks));
    f.sounds.forEach((words, s) => {
      const segment = { trackId: f.id, label: segLabel++, index: s, start: s * 15, end: s * 15 + 30, ...(f.silentSegments?.includes(s) ? { silent: true } : {}) };
      clap.add(segment.label, axis(...words));
      if (withViml) viml.add(segment.label, axis(...(f.viml?.[s] ?? words)));
      segments.push(segment);
    });
  });
  const raw = new Map<VectorSpace, ExactVectorIndex>([
    ['clip-text', clip],
    ['clap-audio', clap],
  ]);
  if (withViml) raw.set('viml-music', viml);
  return { parts: { manifest, tracks, segments, indexes: raw, audioPath: (track) => `/music/${track.id}.mp3` }, raw };
}

/** A text encoder over the same axes: each known word adds its axis (small, deterministic, real). */
export class AxisTextEncoder implements TextEncoder {
  readonly info: EncoderInfo = { modelId: 'axis-text', dim: DIM, dtype: 'fp32', device: 'cpu' };
  readonly maxTokens = 77;
  readonly seen: string[] = [];
  encodeTexts(texts: readonly string[]): Promise<Float32Array[]> {
    this.seen.push(...texts);
    return Promise.resolve(
      texts.map((t) => {
        const v = axis(...t.toLowerCase().split(/[^a-z]+/));
        if (v.every((x) => x === 0)) v.fill(0.01);
        const n = Math.hypot(...v);
        return v.map((x) => x / n);
      }),
    );
  }
}

export const tag = (group: ScoredTag['group'], name: string, score = 0.9): ScoredTag => ({ group, tag: name, score });
