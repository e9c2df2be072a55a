/**
 * What the studio needs from the rest of cuecast, as small interfaces: `cli/serve/parts.ts` wires
 * recommend/'s Recommender, the catalog and the bot's conversation store; tests hand in real ones.
 */
import type { Pick, RecommendRequest, RecommendResult, RefinementState } from '../../recommend/types.js';

/** recommend/'s engine: the same parser and state as the bot (`Recommender` fits it). */
export interface StudioRecommender {
  recommend(request: RecommendRequest, signal?: AbortSignal): Promise<RecommendResult>;
  /** Folds one refinement into the state; `shown` resolves "#2"-style references. */
  refine(state: RefinementState, text: string, shown: readonly string[]): RefinementState;
  /** The same through the configured language-model parser, when recommend has one. */
  refineTurn?(state: RefinementState, text: string, shown: readonly string[], signal?: AbortSignal): Promise<RefinementState>;
}

export interface StudioTrack {
  readonly id: string;
  readonly title: string;
  readonly artist: string;
  readonly durationSeconds: number;
}

/** Read-only catalog look-ups (the catalog fits it). */
export interface StudioCatalog {
  track(id: string): StudioTrack | undefined;
  /** Absolute path of the track's audio file. */
  audioPath(id: string): string | undefined;
}

/** One step back: what the conversation was before a turn. */
export interface StudioSnapshot {
  readonly state: RefinementState;
  readonly picks: readonly Pick[];
  readonly notes: readonly string[];
  readonly historyLength: number;
}

/** A studio conversation: a clip, a prompt, the refinements and what they led to. Plain data. */
export interface StudioConversation {
  readonly key: string;
  readonly clipId: string;
  readonly prompt?: string;
  readonly frameEmbeddings: readonly Float32Array[];
  readonly count: number;
  readonly state: RefinementState;
  /** What the person said (or pressed), in order. */
  readonly history: readonly string[];
  /** The picks on screen, best first. */
  readonly picks: readonly Pick[];
  readonly notes: readonly string[];
  readonly emptiedBy?: string;
  /** Segment starts the person moved, by track id (seconds). */
  readonly segmentStarts: Readonly<Record<string, number>>;
  /** Earlier turns, latest last (undo). */
  readonly undo: readonly StudioSnapshot[];
  readonly updatedAt: number;
}

export type NewStudioConversation = Omit<StudioConversation, 'key' | 'updatedAt'>;

/**
 * Where conversations live: with the bot's (`cli/studio-conversations.ts` adapts the bot's store).
 * Async, so a store on a server fits behind it.
 */
export interface StudioConversationStore {
  create(conversation: NewStudioConversation): Promise<StudioConversation>;
  save(conversation: StudioConversation): Promise<StudioConversation>;
  get(key: string): Promise<StudioConversation | undefined>;
}
