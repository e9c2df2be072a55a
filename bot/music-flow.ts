import { CuecastError, InputError } from '../core/errors.js';
import type { RecommendResult, RefinementState } from '../recommend/types.js';
import type { Conversation, ConversationStore, ShownPick } from './conversation-store.js';
import { EMPTY_REFINEMENT, type ClipFeatures, type MusicRecommender } from './ports.js';

export interface MusicFlowOptions {
  readonly maxPromptChars: number;
  readonly defaultCount: number;
  readonly maxCount: number;
}

export interface PicksView {
  readonly conversation: Conversation;
  readonly result: RecommendResult;
}

export interface StartRequest {
  readonly userId: string;
  readonly channelId: string;
  readonly features?: ClipFeatures;
  readonly prompt?: string;
  readonly count?: number;
  /** Seeds the conversation with "more like these tracks" (/similar). */
  readonly likeTrackIds?: readonly string[];
}

/**
 * The conversation logic of the bot, free of Discord: start from a clip, refine, "more like",
 * "next picks", choose. Every step reads and writes the conversation store, so a restart loses nothing.
 */
export class MusicFlow {
  private readonly turns = new Map<string, Promise<void>>();

  constructor(
    private readonly recommender: MusicRecommender,
    private readonly store: ConversationStore,
    private readonly options: MusicFlowOptions,
  ) {}

  checkText(text: string | undefined | null): string | undefined {
    const trimmed = text?.trim();
    if (!trimmed) return undefined;
    if (trimmed.length > this.options.maxPromptChars) {
      throw new InputError('PROMPT_TOO_LONG', `prompt of ${trimmed.length} characters`, { length: trimmed.length, max: this.options.maxPromptChars });
    }
    return trimmed;
  }

  clampCount(count: number | null | undefined): number {
    return Math.min(this.options.maxCount, Math.max(1, Math.round(count ?? this.options.defaultCount)));
  }

  async start(request: StartRequest, signal?: AbortSignal): Promise<PicksView> {
    const prompt = this.checkText(request.prompt);
    const state: RefinementState = { ...EMPTY_REFINEMENT, likeTrackIds: request.likeTrackIds ?? [] };
    const draft = {
      userId: request.userId,
      channelId: request.channelId,
      frameEmbeddings: request.features?.frameEmbeddings ?? [],
      ...(prompt ? { prompt } : {}),
      count: this.clampCount(request.count),
      state,
      history: [],
      shown: [],
      seen: [],
    };
    const result = await this.query(draft, state, [], signal);
    const conversation = await this.store.create(this.withShown(draft, result));
    return { conversation, result };
  }

  /** The live conversation for a component's key, or EXPIRED. */
  async conversation(key: string): Promise<Conversation> {
    const found = await this.store.get(key);
    if (!found) throw new CuecastError('EXPIRED', `conversation ${key} expired or unknown`, { key });
    return found;
  }

  conversationInThread(threadId: string): Promise<Conversation | undefined> {
    return this.store.byThread(threadId);
  }

  /** Records where the conversation lives on Discord (reply message, thread). */
  async attach(conversation: Conversation, where: { messageId?: string; threadId?: string }): Promise<Conversation> {
    // Re-read: a click may have changed the conversation while the reply and thread were being posted.
    return this.store.save({ ...((await this.store.get(conversation.key)) ?? conversation), ...where });
  }

  async refine(conversation: Conversation, text: string, signal?: AbortSignal): Promise<PicksView> {
    const utterance = this.checkText(text);
    if (!utterance) throw new InputError('INPUT_INVALID', 'empty refinement', { hint: 'tell me how to change the picks, e.g. "less drums, a bit faster"' });
    return this.exclusive(conversation.key, async (current) => {
      // "undo" and "start over" are turns like any other: the state remembers the turns before it.
      const state = this.recommender.refineTurn
        ? await this.recommender.refineTurn(current.state, utterance, shownIds(current), signal)
        : this.recommender.refine(current.state, utterance, shownIds(current));
      const result = await this.query(current, state, [], signal);
      return this.commit({ ...current, history: [...current.history, utterance] }, result);
    });
  }

  async moreLike(conversation: Conversation, index: number, signal?: AbortSignal): Promise<PicksView> {
    return this.exclusive(conversation.key, async (current) => {
      const { trackId } = this.shownAt(current, index);
      const likeTrackIds = [...current.state.likeTrackIds.filter((id) => id !== trackId), trackId];
      const state: RefinementState = { ...current.state, likeTrackIds };
      const result = await this.query(current, state, [], signal);
      return this.commit({ ...current, history: [...current.history, `more like #${index + 1}`] }, result);
    });
  }

  /** The next page: same query, skipping everything shown so far. */
  async next(conversation: Conversation, signal?: AbortSignal): Promise<PicksView> {
    return this.exclusive(conversation.key, async (current) => {
      const result = await this.query(current, current.state, current.seen, signal);
      return this.commit(current, result);
    });
  }

  /**
   * Runs one turn at a time per conversation, on its latest stored state: two quick messages both
   * count, in order, instead of the second overwriting the first.
   */
  private async exclusive<T>(key: string, turn: (current: Conversation) => Promise<T>): Promise<T> {
    const previous = this.turns.get(key) ?? Promise.resolve();
    const run = previous.then(async () => turn(await this.conversation(key)));
    const settled = run.then(
      () => undefined,
      () => undefined,
    );
    this.turns.set(key, settled);
    try {
      return await run;
    } finally {
      if (this.turns.get(key) === settled) this.turns.delete(key);
    }
  }

  async choose(conversation: Conversation, index: number): Promise<{ conversation: Conversation; pick: ShownPick }> {
    const pick = this.shownAt(conversation, index);
    return { conversation: await this.store.save({ ...conversation, chosen: pick.trackId }), pick };
  }

  private shownAt(conversation: Conversation, index: number): ShownPick {
    const pick = conversation.shown[index];
    if (pick === undefined) throw new InputError('INPUT_INVALID', `no pick #${index + 1} on screen`, { hint: `there is no pick #${index + 1}` });
    return pick;
  }

  private query(conversation: Omit<Conversation, 'key' | 'updatedAt'>, state: RefinementState, skip: readonly string[], signal: AbortSignal | undefined): Promise<RecommendResult> {
    return this.recommender.recommend(
      {
        ...(conversation.frameEmbeddings.length > 0 ? { frameEmbeddings: conversation.frameEmbeddings } : {}),
        ...(conversation.prompt ? { prompt: conversation.prompt } : {}),
        state,
        shown: shownIds(conversation),
        excludeTrackIds: skip,
        k: conversation.count,
      },
      signal,
    );
  }

  private withShown<C extends Omit<Conversation, 'key' | 'updatedAt'>>(conversation: C, result: RecommendResult): C {
    // An empty answer keeps the previous picks on record, so "#2" still means what the user saw.
    if (result.picks.length === 0) return { ...conversation, state: result.state };
    const shown = result.picks.map(({ trackId, title, artist, segmentStart, segmentEnd }) => ({ trackId, title, artist, segmentStart, segmentEnd }));
    return { ...conversation, state: result.state, shown, seen: [...new Set([...conversation.seen, ...shown.map((p) => p.trackId)])] };
  }

  private async commit(conversation: Conversation, result: RecommendResult): Promise<PicksView> {
    return { conversation: await this.store.save(this.withShown(conversation, result)), result };
  }
}

const shownIds = (conversation: Pick<Conversation, 'shown'>): string[] => conversation.shown.map((p) => p.trackId);
