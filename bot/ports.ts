/**
 * What the bot needs from the rest of cuecast, as small interfaces. `cli/commands/bot.ts` wires the
 * real implementations (recommend/, core/media, index-data/); tests hand in real-but-small ones.
 */
import type { RecommendRequest, RecommendResult, RefinementState } from '../recommend/types.js';

/** What the bot keeps of a clip: CLIP embeddings of evenly sampled frames. */
export interface ClipFeatures {
  readonly frameEmbeddings: readonly Float32Array[];
  readonly durationSeconds: number;
}

/** Turns the bytes of a video into frame embeddings; throws MediaError / ModelError with stable codes. */
export interface ClipAnalyser {
  analyse(video: Uint8Array, signal: AbortSignal): Promise<ClipFeatures>;
}

/** The query engine (recommend/'s Recommender fits it). */
export interface MusicRecommender {
  recommend(request: RecommendRequest, signal?: AbortSignal): Promise<RecommendResult>;
  /** Folds one refinement utterance into the state; `shown` resolves "#2"-style references. */
  refine(state: RefinementState, text: string, shown: readonly string[]): RefinementState;
  /** The same through the configured reader (the language-model parser), when the recommender has one. */
  refineTurn?(state: RefinementState, text: string, shown: readonly string[], signal?: AbortSignal): Promise<RefinementState>;
}

export interface TrackSummary {
  readonly id: string;
  readonly title: string;
  readonly artist: string;
}

/** Read-only catalog look-ups for autocomplete and /similar. */
export interface TrackDirectory {
  /** Tracks whose title or artist contains the query (case-insensitive), at most `limit`. */
  search(query: string, limit: number): TrackSummary[];
  track(id: string): TrackSummary | undefined;
  size(): number;
}

/** A short audio excerpt of a track for the reply, or undefined when it cannot fit `maxBytes`. */
export interface PreviewCutter {
  cut(trackId: string, start: number, durationSeconds: number, maxBytes: number, signal: AbortSignal): Promise<{ readonly name: string; readonly bytes: Uint8Array } | undefined>;
}

/** The state of a conversation before any refinement (recommend's own empty state). */
export { EMPTY_STATE as EMPTY_REFINEMENT } from '../recommend/refinement/state.js';
