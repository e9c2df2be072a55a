import { ExactVectorIndex } from '../../../index-data/vector-index.js';
import type { Catalog, CatalogManifest, ScoredTag, Segment, SkippedFile, Track, VectorIndex, VectorSpace } from '../../../index-data/types.js';
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
}

/** A small in-memory Catalog over ExactVectorIndex, so scores are predictable by hand. */
export class MemoryCatalog implements Catalog {
  readonly manifest: CatalogManifest;
  readonly #tracks: Track[] = [];
  readonly #labels = new Map<string, number>();
  readonly #segments = new Map<string, Segment[]>();
  readonly #segmentsByLabel = new Map<number, Segment>();
  readonly #indexes = new Map<VectorSpace, ExactVectorIndex>();

  constructor(fixtures: readonly FixtureTrack[], options: { viml?: boolean } = {}) {
    this.manifest = {
      formatVersion: 1,
      clip: { modelId: 'test-clip', dim: DIM },
      clap: { modelId: 'test-clap', dim: DIM },
      ...(options.viml ? { viml: { dim: DIM, manifestHash: 'test' } } : {}),
      segmentSeconds: 30,
      hopSeconds: 15,
      tagVocabularyVersion: 'test',
      builtAt: '2026-01-01T00:00:00.000Z',
    };
    const clip = new ExactVectorIndex(DIM);
    const clap = new ExactVectorIndex(DIM);
    const viml = new ExactVectorIndex(DIM);
    let segLabel = 1000;
    fixtures.forEach((f, i) => {
      const track: Track = {
        id: f.id,
        path: `${f.id}.mp3`,
        title: `Title ${f.id}`,
        artist: f.artist ?? `Artist ${f.id}`,
        durationSeconds: 15 * (f.sounds.length + 1),
        fileGenres: [],
        tags: f.tags ?? [],
        ...(f.bpm !== undefined ? { bpm: f.bpm } : {}),
        description: f.looks.join(' '),
      };
      this.#tracks.push(track);
      this.#labels.set(f.id, i);
      clip.add(i, axis(...f.looks));
      const segments: Segment[] = f.sounds.map((words, s) => {
        const segment = { trackId: f.id, label: segLabel++, index: s, start: s * 15, end: s * 15 + 30 };
        clap.add(segment.label, axis(...words));
        if (options.viml) viml.add(segment.label, axis(...(f.viml?.[s] ?? words)));
        this.#segmentsByLabel.set(segment.label, segment);
        return segment;
      });
      this.#segments.set(f.id, segments);
    });
    this.#indexes.set('clip-text', clip);
    this.#indexes.set('clap-audio', clap);
    if (options.viml) this.#indexes.set('viml-music', viml);
  }

  trackCount(): number {
    return this.#tracks.length;
  }
  tracks(): Iterable<Track> {
    return this.#tracks;
  }
  track(id: string): Track | undefined {
    const i = this.#labels.get(id);
    return i === undefined ? undefined : this.#tracks[i];
  }
  trackLabel(id: string): number | undefined {
    return this.#labels.get(id);
  }
  trackByLabel(label: number): Track | undefined {
    return this.#tracks[label];
  }
  segments(trackId: string): readonly Segment[] {
    return this.#segments.get(trackId) ?? [];
  }
  segmentByLabel(label: number): Segment | undefined {
    return this.#segmentsByLabel.get(label);
  }
  index(space: VectorSpace): VectorIndex | undefined {
    return this.#indexes.get(space);
  }
  audioPath(trackId: string): string | undefined {
    return this.track(trackId) ? `/music/${trackId}.mp3` : undefined;
  }  skipped(): readonly SkippedFile[] {
    return [];
  }

  close(): void {}
}

/** A text encoder over the same axes: each known word adds its axis (small, deterministic, real). */
export class AxisTextEncoder implements TextEncoder {
  readonly info: EncoderInfo = { modelId: 'axis-text', dim: DIM, dtype: 'fp32', device: 'cpu' };
  readonly maxTokens = 77;
  readonly seen: string[] = [];
  async encodeTexts(texts: readonly string[]): Promise<Float32Array[]> {
    this.seen.push(...texts);
    return texts.map((t) => {
      const v = axis(...t.toLowerCase().split(/[^a-z]+/));
      if (v.every((x) => x === 0)) v.fill(0.01);
      const n = Math.hypot(...v);
      return v.map((x) => x / n);
    });
  }
}

export const tag = (group: ScoredTag['group'], name: string, score = 0.9): ScoredTag => ({ group, tag: name, score });
