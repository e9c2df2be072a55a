import type { Catalog, ScoredTag } from '../index-data/types.js';

/**
 * What the services (bot, stream server) may read of a catalog beside the Recommender: its track list
 * and each track's audio file. They reach the catalog only through recommend's interfaces.
 */
export interface CatalogTracks {
  tracks: Catalog['tracks'];
  audioPath: Catalog['audioPath'];
}

export type RecommendMode = 'viml' | 'zero-shot';

/** Plain data: stored in SQLite by the bot, kept per session by the stream server. */
export interface RefinementState {
  /** Tags that must (include) or must not (exclude) be present, by tag name in the vocabulary. */
  readonly includeTags: readonly string[];
  readonly excludeTags: readonly string[];
  /** Soft preferences: positive boosts, negative down-weights ("less piano"). */
  readonly weights: Readonly<Record<string, number>>;
  readonly vocals?: 'on' | 'off' | 'female' | 'male';
  readonly bpm?: { readonly min?: number; readonly max?: number };
  readonly tempo?: 'faster' | 'slower';
  readonly energy?: 'higher' | 'lower';
  readonly mood?: 'brighter' | 'darker';
  /** Track ids whose music embedding is blended into the query ("more like #2"). */
  readonly likeTrackIds: readonly string[];
  /** Track ids never to show again ("not #3"). */
  readonly excludeTrackIds: readonly string[];
  /** Positive free text left after parsing, fed to the text encoders. */
  readonly text: readonly string[];
  /**
   * Free text the user wants to move away from ("too cheesy", "no kazoo", "nothing like a lullaby"): never
   * matched, its similarity to a track is subtracted from the score (docs/recommend.md, *Negative text*).
   */
  readonly negativeText?: readonly string[];
  /** How strongly each direction applies, 1 when absent: "a bit faster" 0.5, "way faster" 2. */
  readonly strength?: { readonly tempo?: number; readonly energy?: number; readonly mood?: number };
  /** The states before the latest turns, oldest first, for "undo" (each without its own `previous`). */
  readonly previous?: readonly RefinementState[];
  /** Human-readable notes on the latest turn: conflicts resolved ("'slow' replaced the earlier 'fast'"), words ignored. */
  readonly notes: readonly string[];
  /**
   * The user's words behind each constraint, keyed `vocals`, `bpm`, `tempo`, `energy`, `mood`, `tag:<tag>`,
   * `track:<id>`: used in explanations and conflict notes.
   */
  readonly sources?: Readonly<Record<string, string>>;
}

export interface RecommendRequest {
  /** CLIP image embeddings of the clip's frames (already encoded), in time order. */
  readonly frameEmbeddings?: readonly Float32Array[];
  readonly prompt?: string;
  readonly state?: RefinementState;
  /** Track ids shown before, used to resolve "#n" references. */
  readonly shown?: readonly string[];
  readonly excludeTrackIds?: readonly string[];
  readonly k?: number;
  /** One pick per artist in the top k unless false. */
  readonly dedupeArtists?: boolean;
}

export interface Pick {
  readonly trackId: string;
  readonly title: string;
  readonly artist: string;
  readonly score: number;
  readonly segmentStart: number;
  readonly segmentEnd: number;
  readonly tags: readonly ScoredTag[];
  readonly bpm?: number;
  /** Score components: `clip` / `clap` (zero-shot), `viml`, and `preferences` (soft adjustments). */
  readonly parts?: Readonly<Record<string, number>>;
  readonly why: string;
}

export interface RecommendResult {
  readonly mode: RecommendMode;
  /** Best fit first (ties by track id): diversity chooses which tracks, the score orders them; "#n" means `picks[n - 1]`. */
  readonly picks: readonly Pick[];
  /** Things the user should know: conflicts resolved, constraints that emptied the list. */
  readonly notes: readonly string[];
  /** The conversation state the request carried (the prompt is parsed per request, not stored in it). */
  readonly state: RefinementState;
  /** When a hard constraint left nothing: that constraint, in the user's words. */
  readonly emptiedBy?: string;
}
