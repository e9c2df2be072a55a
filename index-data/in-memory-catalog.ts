import type { Catalog, CatalogManifest, Segment, SkippedFile, Track, VectorIndex, VectorSpace } from './types.js';
import { labelIndexView, type LabelIndex } from './vector-index.js';

export interface InMemoryCatalogParts {
  readonly manifest: CatalogManifest;
  /** A track's label (its row in the `clip-text` space) is its position here. */
  readonly tracks: readonly Track[];
  /** Every segment, each with its own label (its row in the segment spaces). */
  readonly segments: readonly Segment[];
  /** `clip-text` holds track labels; `clap-audio` and `viml-music` hold segment labels. */
  readonly indexes: ReadonlyMap<VectorSpace, LabelIndex>;
  readonly audioPath?: (track: Track) => string | undefined;
}

/**
 * A read-only catalog held in memory over in-process label indexes: the real-but-small catalog that
 * recommender tests and the benchmarks' synthetic catalogs build, without files or a database.
 */
export class InMemoryCatalog implements Catalog {
  readonly manifest: CatalogManifest;
  readonly #parts: InMemoryCatalogParts;
  readonly #labels = new Map<string, number>();
  readonly #segments = new Map<string, Segment[]>();
  readonly #segmentsByLabel = new Map<number, Segment>();
  readonly #indexes = new Map<VectorSpace, VectorIndex>();

  constructor(parts: InMemoryCatalogParts) {
    this.manifest = parts.manifest;
    this.#parts = parts;
    parts.tracks.forEach((track, label) => this.#labels.set(track.id, label));
    for (const segment of parts.segments) {
      this.#segmentsByLabel.set(segment.label, segment);
      const list = this.#segments.get(segment.trackId) ?? [];
      list.push(segment);
      this.#segments.set(segment.trackId, list);
    }
    const bySegment = (label: number): Track | undefined => this.track(this.#segmentsByLabel.get(label)?.trackId ?? '');
    for (const [space, index] of parts.indexes) {
      this.#indexes.set(space, labelIndexView(index, space === 'clip-text' ? (label) => parts.tracks[label] : bySegment));
    }
  }

  trackCount(): number {
    return this.#parts.tracks.length;
  }
  tracks(): Iterable<Track> {
    return this.#parts.tracks;
  }
  track(id: string): Track | undefined {
    const label = this.#labels.get(id);
    return label === undefined ? undefined : this.#parts.tracks[label];
  }
  trackLabel(id: string): number | undefined {
    return this.#labels.get(id);
  }
  trackByLabel(label: number): Track | undefined {
    return this.#parts.tracks[label];
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
    const track = this.track(trackId);
    return track && this.#parts.audioPath?.(track);
  }
  skipped(): readonly SkippedFile[] {
    return [];
  }
  close(): Promise<void> {
    this.#indexes.clear();
    return Promise.resolve();
  }
}
