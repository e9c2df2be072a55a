import { CatalogTables } from './catalog-view.js';
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
 * recommender tests and the benchmarks' synthetic catalogs build (and extend), without files or a database.
 */
export class InMemoryCatalog implements Catalog {
  readonly manifest: CatalogManifest;
  readonly #tables: CatalogTables;
  readonly #indexes = new Map<VectorSpace, VectorIndex>();

  constructor(parts: InMemoryCatalogParts) {
    this.manifest = parts.manifest;
    const tables = new CatalogTables(
      parts.tracks.map((track, label) => ({ label, track, absPath: parts.audioPath?.(track) })),
      parts.segments,
    );
    this.#tables = tables;
    for (const [space, index] of parts.indexes)
      this.#indexes.set(
        space,
        labelIndexView(index, (label) => tables.trackOfRow(space, label)),
      );
  }

  trackCount(): number {
    return this.#tables.trackCount;
  }
  tracks(): Iterable<Track> {
    return this.#tables.tracks();
  }
  track(id: string): Track | undefined {
    return this.#tables.track(id);
  }
  trackLabel(id: string): number | undefined {
    return this.#tables.trackLabel(id);
  }
  trackByLabel(label: number): Track | undefined {
    return this.#tables.trackByLabel(label);
  }
  segments(trackId: string): readonly Segment[] {
    return this.#tables.segments(trackId);
  }
  segmentByLabel(label: number): Segment | undefined {
    return this.#tables.segmentByLabel(label);
  }
  index(space: VectorSpace): VectorIndex | undefined {
    return this.#indexes.get(space);
  }
  audioPath(trackId: string): string | undefined {
    return this.#tables.audioPath(trackId);
  }
  skipped(): readonly SkippedFile[] {
    return [];
  }
  close(): Promise<void> {
    this.#indexes.clear();
    return Promise.resolve();
  }
}
