/**
 * The read side of a catalog, as recommend/, bot/ and stream-server/ see it. Only index-data/ writes
 * catalogs; everything else depends on these interfaces.
 */

export const TAG_GROUPS = ['genre', 'mood', 'instrument', 'vocals', 'tempo'] as const;
export type TagGroup = (typeof TAG_GROUPS)[number];

/** A tag with the tagger's score (CLAP zero-shot probability within its group, 0..1). */
export interface ScoredTag {
  readonly group: TagGroup;
  readonly tag: string;
  readonly score: number;
}

export interface Track {
  readonly id: string;
  /** Path of the audio file relative to the catalog's music roots (absolute where it has no root). */
  readonly path: string;
  readonly title: string;
  readonly artist: string;
  readonly album?: string;
  readonly durationSeconds: number;
  /** Genres from the file's own metadata. */
  readonly fileGenres: readonly string[];
  /** Tagger output, best first within each group. */
  readonly tags: readonly ScoredTag[];
  readonly bpm?: number;
  /** Why the track has no BPM (`silent`, `no-steady-beat`, `too-short`); set only when `bpm` is absent. */
  readonly bpmReason?: string;
  /** Integrated loudness of the whole track, LUFS (EBU R128, gated); absent when not measured. */
  readonly loudnessLufs?: number;
  /** Every segment is silent or near-silent: the track is listed but never recommended. */
  readonly silent?: boolean;
  /** Present when the file decodes only in part (at least 90% of its probed length): indexed from what decodes. */
  readonly damage?: TrackDamage;
  /** When this content was first indexed (ISO 8601); kept across moves, renames and re-runs. */
  readonly firstSeen?: string;
  /** Natural-language description (from the configured description backend). */
  readonly description: string;
}

/** What is known of a damaged file that was still indexed. */
export interface TrackDamage {
  /** Seconds that decoded, from the start. */
  readonly decodedSeconds: number;
  /** Duration the container declares. */
  readonly probedSeconds: number;
  /** For people: what went wrong (never raw ffmpeg text). */
  readonly note: string;
}

/** A file the indexer found but did not index, with a reason written for people. */
export interface SkippedFile {
  readonly path: string;
  readonly reason: string;
  readonly code: string;
}

export interface Segment {
  readonly trackId: string;
  /** Row id of the segment, also its label in the segment vector indexes. */
  readonly label: number;
  readonly index: number;
  readonly start: number;
  readonly end: number;
  /** Loudness of the segment, LUFS (EBU R128 momentary blocks, gated); absent when not measured. */
  readonly loudnessLufs?: number;
  /** Silent or near-silent (below the catalog's silence threshold): never recommended. */
  readonly silent?: boolean;
}

/**
 * Vector spaces a catalog can hold:
 * - `clap-audio`: per segment, mean of its 10 s CLAP audio windows, L2-normalised;
 * - `clip-text`: per track, CLIP text embedding of its description (label = track row id);
 * - `viml-music`: per segment, the ViML music encoder's output (only with trained heads).
 */
export type VectorSpace = 'clap-audio' | 'clip-text' | 'viml-music';

export interface VectorHit {
  readonly label: number;
  /** Cosine similarity (vectors are L2-normalised). */
  readonly score: number;
}

export interface VectorIndex {
  readonly dim: number;
  readonly size: number;
  search(query: Float32Array, k: number, filter?: (label: number) => boolean): VectorHit[];
  /** The stored vector (unit length), shared with the index: read it, do not change or transfer it. */
  vector(label: number): Float32Array | undefined;
}

/** What a catalog was built with; the service refuses to query a catalog whose encoders differ. */
export interface CatalogManifest {
  readonly formatVersion: number;
  readonly clip: { readonly modelId: string; readonly dim: number };
  readonly clap: { readonly modelId: string; readonly dim: number };
  /** Present when segments carry ViML music embeddings. */
  readonly viml?: { readonly dim: number; readonly manifestHash: string };
  readonly segmentSeconds: number;
  readonly hopSeconds: number;
  readonly tagVocabularyVersion: string;
  readonly builtAt: string;
}

export interface Catalog {
  readonly manifest: CatalogManifest;
  trackCount(): number;
  tracks(): Iterable<Track>;
  track(id: string): Track | undefined;
  /** Row id of a track (its label in the `clip-text` space). */
  trackLabel(id: string): number | undefined;
  trackByLabel(label: number): Track | undefined;
  segments(trackId: string): readonly Segment[];
  segmentByLabel(label: number): Segment | undefined;
  /** The index of a vector space, or undefined when the catalog has none for it. */
  index(space: VectorSpace): VectorIndex | undefined;
  /** Absolute path of a track's audio file (for previews and overlay playback). */
  audioPath(trackId: string): string | undefined;
  /** Files the indexer found but did not index, with their reasons. */
  skipped(): readonly SkippedFile[];
  close(): void;
}
