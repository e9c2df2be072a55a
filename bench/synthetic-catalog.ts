/**
 * An in-memory catalog of synthetic tracks behind the read-side `Catalog` interface, at a size that
 * makes search and ranking cost what they cost on a real catalog (thousands of tracks, tens of
 * thousands of segments), without indexing hours of audio. Vectors come from the clustered mixture;
 * tags come from the real vocabulary; indexes are the catalog's own HnswVectorIndex.
 */
import { InMemoryCatalog, type InMemoryCatalogParts } from '../index-data/in-memory-catalog.js';
import { TAG_GROUPS, type CatalogManifest, type ScoredTag, type Segment, type Track, type VectorSpace } from '../index-data/types.js';
import { HnswVectorIndex } from '../index-data/vector-index.js';
import { tagVocabulary } from '../index-data/vocabulary/vocabulary.js';
import { ClusteredMixture, DEFAULT_CLUSTERED_SPEC, clustersFor, seededRandom } from './vectors.js';

export interface SyntheticCatalogSpec {
  readonly tracks: number;
  readonly segmentsPerTrack: number;
  readonly clip: { readonly modelId: string; readonly dim: number };
  readonly clap: { readonly modelId: string; readonly dim: number };
  readonly seed?: number;
}

const SEGMENT_SECONDS = 30;
const HOP_SECONDS = 15;

function vectors(count: number, dim: number, seed: number): Float32Array {
  const mixture = new ClusteredMixture({ ...DEFAULT_CLUSTERED_SPEC, dim, rank: Math.min(DEFAULT_CLUSTERED_SPEC.rank, Math.max(2, dim >> 2)), clusters: clustersFor(count), seed });
  return mixture.sample(count, seed + 1);
}

/** The synthetic tracks, their segments and HNSW indexes as an in-memory catalog. */
export class SyntheticCatalog extends InMemoryCatalog {
  constructor(spec: SyntheticCatalogSpec) {
    super(syntheticParts(spec));
  }
}

function syntheticParts(spec: SyntheticCatalogSpec): InMemoryCatalogParts {
  const seed = spec.seed ?? 7;
  const random = seededRandom(seed);
  const groups = tagVocabulary().groups;
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  const manifest: CatalogManifest = {
    formatVersion: 1,
    clip: spec.clip,
    clap: spec.clap,
    segmentSeconds: SEGMENT_SECONDS,
    hopSeconds: HOP_SECONDS,
    tagVocabularyVersion: tagVocabulary().version,
    builtAt: new Date(0).toISOString(),
  };
  const tracks: Track[] = [];
  const segments: Segment[] = [];
  for (let i = 0; i < spec.tracks; i++) {
    const tags: ScoredTag[] = TAG_GROUPS.flatMap((group) => {
      const options = groups[group];
      if (options.length === 0) return [];
      const count = group === 'instrument' ? 3 : 1;
      return Array.from({ length: count }, (_, j) => ({ group, tag: pick(options).tag, score: Number((0.9 - j * 0.2 - random() * 0.1).toFixed(3)) }));
    });
    const id = `track-${i}`;
    for (let j = 0; j < spec.segmentsPerTrack; j++) {
      segments.push({ trackId: id, label: segments.length, index: j, start: j * HOP_SECONDS, end: j * HOP_SECONDS + SEGMENT_SECONDS });
    }
    tracks.push({
      id,
      path: `synthetic/${id}.flac`,
      title: `Track ${i}`,
      artist: `Artist ${i % Math.max(1, Math.floor(spec.tracks / 4))}`,
      durationSeconds: (spec.segmentsPerTrack - 1) * HOP_SECONDS + SEGMENT_SECONDS,
      fileGenres: [],
      tags,
      bpm: Math.round(60 + random() * 120),
      description: `A ${tags.map((t) => t.tag).join(', ')} piece.`,
    });
  }
  const clipVectors = vectors(spec.tracks, spec.clip.dim, seed);
  const clipIndex = HnswVectorIndex.create(spec.clip.dim, spec.tracks);
  for (let i = 0; i < spec.tracks; i++) clipIndex.add(i, clipVectors.subarray(i * spec.clip.dim, (i + 1) * spec.clip.dim));
  const clapVectors = vectors(segments.length, spec.clap.dim, seed + 10);
  const clapIndex = HnswVectorIndex.create(spec.clap.dim, segments.length);
  for (let i = 0; i < segments.length; i++) clapIndex.add(i, clapVectors.subarray(i * spec.clap.dim, (i + 1) * spec.clap.dim));
  return {
    manifest,
    tracks,
    segments,
    indexes: new Map<VectorSpace, HnswVectorIndex>([
      ['clip-text', clipIndex],
      ['clap-audio', clapIndex],
    ]),
  };
}
