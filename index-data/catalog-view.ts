import type { Catalog, CatalogManifest, Segment, SkippedFile, Track, VectorIndex, VectorSpace } from './types.js';

/** One stored track: its label (its row in the `clip-text` space), its metadata, its audio file when known. */
export interface StoredTrack {
  readonly label: number;
  readonly track: Track;
  readonly absPath?: string | undefined;
}

/** A generation's tracks and segments held in memory, looked up by label and by id. */
export class CatalogTables {
  readonly #byLabel = new Map<number, Track>();
  readonly #labelById = new Map<string, number>();
  readonly #absPaths = new Map<string, string>();
  readonly #segmentsByTrack = new Map<string, Segment[]>();
  readonly #segmentByLabel = new Map<number, Segment>();

  /** Segments of a track not among `tracks` are left out. */
  constructor(tracks: Iterable<StoredTrack>, segments: Iterable<Segment>) {
    for (const { label, track, absPath } of tracks) {
      this.#byLabel.set(label, track);
      this.#labelById.set(track.id, label);
      if (absPath !== undefined) this.#absPaths.set(track.id, absPath);
    }
    for (const segment of segments) {
      if (!this.#labelById.has(segment.trackId)) continue;
      this.#segmentByLabel.set(segment.label, segment);
      const list = this.#segmentsByTrack.get(segment.trackId) ?? [];
      list.push(segment);
      this.#segmentsByTrack.set(segment.trackId, list);
    }
  }

  get trackCount(): number {
    return this.#byLabel.size;
  }

  get segmentCount(): number {
    return this.#segmentByLabel.size;
  }

  tracks(): Iterable<Track> {
    return this.#byLabel.values();
  }

  track(id: string): Track | undefined {
    const label = this.#labelById.get(id);
    return label === undefined ? undefined : this.#byLabel.get(label);
  }

  trackLabel(id: string): number | undefined {
    return this.#labelById.get(id);
  }

  trackByLabel(label: number): Track | undefined {
    return this.#byLabel.get(label);
  }

  /** The track a row of `space` belongs to: a track label in `clip-text`, a segment label otherwise. */
  trackOfRow(space: VectorSpace, label: number): Track | undefined {
    if (space === 'clip-text') return this.#byLabel.get(label);
    const segment = this.#segmentByLabel.get(label);
    return segment && this.track(segment.trackId);
  }

  segments(trackId: string): readonly Segment[] {
    return this.#segmentsByTrack.get(trackId) ?? [];
  }

  segmentByLabel(label: number): Segment | undefined {
    return this.#segmentByLabel.get(label);
  }

  audioPath(trackId: string): string | undefined {
    return this.#absPaths.get(trackId);
  }
}

export interface CatalogViewParts {
  readonly manifest: CatalogManifest;
  readonly tables: CatalogTables;
  readonly indexes: ReadonlyMap<VectorSpace, VectorIndex>;
  readonly skipped: readonly SkippedFile[];
  readonly close: () => Promise<void>;
}

/** The read-only Catalog of a generation whose metadata is in memory, whatever it came from (SQLite, PostgreSQL, or parts built in memory). */
export function catalogView({ manifest, tables, indexes, skipped, close }: CatalogViewParts): Catalog {
  return {
    manifest,
    trackCount: () => tables.trackCount,
    tracks: () => tables.tracks(),
    track: (id) => tables.track(id),
    trackLabel: (id) => tables.trackLabel(id),
    trackByLabel: (label) => tables.trackByLabel(label),
    segments: (trackId) => tables.segments(trackId),
    segmentByLabel: (label) => tables.segmentByLabel(label),
    index: (space) => indexes.get(space),
    audioPath: (trackId) => tables.audioPath(trackId),
    skipped: () => skipped,
    close,
  };
}
