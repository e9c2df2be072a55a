import { CuecastError, InputError } from '../../core/errors.js';
import { EMPTY_STATE } from '../../recommend/refinement/state.js';
import type { RecommendResult, RefinementState } from '../../recommend/types.js';
import type { StudioCatalog, StudioConversation, StudioConversationStore, StudioRecommender, StudioSnapshot } from './types.js';

export interface FlowOptions {
  /** Longest prompt or refinement, in characters. */
  readonly maxTextChars: number;
  /** Picks per answer. */
  readonly picks: number;
  /** Turns kept for undo. */
  readonly undoDepth: number;
}

/** One turn of a conversation, as the page sends it. */
export type Turn =
  { readonly kind: 'refine'; readonly text: string } | { readonly kind: 'like'; readonly trackId: string } | { readonly kind: 'not'; readonly trackId: string } | { readonly kind: 'undo' };

/**
 * The studio's conversation logic: start from a clip and a prompt, refine by text or by "more like
 * this" / "not this", undo, move a pick's segment. The same parser and state as the bot (through
 * recommend's `refine`), stored after every step, one turn at a time per conversation.
 */
export class StudioFlow {
  readonly #turns = new Map<string, Promise<unknown>>();

  constructor(
    private readonly recommender: StudioRecommender,
    private readonly catalog: StudioCatalog,
    private readonly store: StudioConversationStore,
    private readonly options: FlowOptions,
  ) {}

  checkText(text: unknown, what: string): string | undefined {
    if (text === undefined || text === null) return undefined;
    if (typeof text !== 'string') throw new InputError('INPUT_INVALID', `The ${what} must be text`);
    const trimmed = text.trim();
    if (trimmed.length > this.options.maxTextChars) {
      throw new InputError('PROMPT_TOO_LONG', `The ${what} is ${trimmed.length} characters; the limit is ${this.options.maxTextChars}`, { length: trimmed.length, limit: this.options.maxTextChars });
    }
    return trimmed || undefined;
  }

  async start(clipId: string, frameEmbeddings: readonly Float32Array[], prompt: unknown, signal?: AbortSignal): Promise<StudioConversation> {
    const text = this.checkText(prompt, 'prompt');
    const draft = { clipId, frameEmbeddings, ...(text ? { prompt: text } : {}), count: this.options.picks, history: [], segmentStarts: {}, undo: [] };
    const result = await this.#query(draft, EMPTY_STATE, signal);
    return this.store.create({ ...draft, ...this.#outcome(result, []) });
  }

  async get(key: string): Promise<StudioConversation> {
    const found = typeof key === 'string' && /^[\w-]{1,64}$/.test(key) ? await this.store.get(key) : undefined;
    if (!found) throw new CuecastError('EXPIRED', 'That conversation expired or is unknown; start again from the clip');
    return found;
  }

  async turn(key: string, turn: Turn, signal?: AbortSignal): Promise<StudioConversation> {
    return this.#exclusive(key, async (current) => {
      if (turn.kind === 'undo') return this.#undo(current);
      const shown = current.picks.map((p) => p.trackId);
      let state: RefinementState;
      let said: string;
      if (turn.kind === 'refine') {
        const text = this.checkText(turn.text, 'refinement');
        if (!text) throw new InputError('INPUT_INVALID', 'Say how to change the picks, e.g. "less drums, a bit faster"');
        state = this.recommender.refineTurn ? await this.recommender.refineTurn(current.state, text, shown, signal) : this.recommender.refine(current.state, text, shown);
        said = text;
      } else {
        // The card buttons are turns of the same parser ("more like #2", "not #2"), so a typed "undo"
        // or "start over" treats them like typed ones.
        const position = shown.indexOf(turn.trackId);
        if (position < 0) throw new InputError('INPUT_INVALID', 'That track is not among the picks on screen');
        const title = current.picks[position]!.title;
        state = this.recommender.refine(current.state, `${turn.kind === 'like' ? 'more like' : 'not'} #${position + 1}`, shown);
        said = turn.kind === 'like' ? `more like "${title}"` : `not "${title}"`;
      }
      const result = await this.#query(current, state, signal);
      const snapshot: StudioSnapshot = { state: current.state, picks: current.picks, notes: current.notes, historyLength: current.history.length };
      const undo = [...current.undo, snapshot].slice(-this.options.undoDepth);
      return this.store.save({ ...current, ...this.#outcome(result, [...current.history, said]), undo });
    });
  }

  /** Moves a pick's segment to start at `start` seconds (clamped to the track). */
  async moveSegment(key: string, trackId: unknown, start: unknown): Promise<StudioConversation> {
    if (typeof trackId !== 'string' || typeof start !== 'number' || !Number.isFinite(start)) {
      throw new InputError('INPUT_INVALID', 'A segment move is { trackId, start } with start in seconds');
    }
    return this.#exclusive(key, async (current) => {
      const pick = current.picks.find((p) => p.trackId === trackId);
      if (!pick) throw new InputError('INPUT_INVALID', 'That track is not among the picks on screen');
      const track = this.catalog.track(trackId);
      const length = pick.segmentEnd - pick.segmentStart;
      const latest = Math.max(0, (track?.durationSeconds ?? pick.segmentEnd) - Math.min(length, 1));
      const clamped = Math.round(Math.min(latest, Math.max(0, start)) * 100) / 100;
      return this.store.save({ ...current, segmentStarts: { ...current.segmentStarts, [trackId]: clamped } });
    });
  }

  #undo(current: StudioConversation): Promise<StudioConversation> {
    const last = current.undo.at(-1);
    if (!last) throw new InputError('INPUT_INVALID', 'There is nothing to undo');
    return this.store.save({
      ...current,
      state: last.state,
      picks: last.picks,
      notes: last.notes,
      history: current.history.slice(0, last.historyLength),
      undo: current.undo.slice(0, -1),
    });
  }

  #outcome(result: RecommendResult, history: readonly string[]): Pick<StudioConversation, 'state' | 'picks' | 'notes' | 'history'> & { emptiedBy?: string } {
    return { state: result.state, picks: result.picks, notes: result.notes, history, ...(result.emptiedBy ? { emptiedBy: result.emptiedBy } : {}) };
  }

  #query(
    conversation: Pick<StudioConversation, 'frameEmbeddings' | 'prompt' | 'count'> & { picks?: StudioConversation['picks'] },
    state: RefinementState,
    signal: AbortSignal | undefined,
  ): Promise<RecommendResult> {
    return this.recommender.recommend(
      {
        ...(conversation.frameEmbeddings.length > 0 ? { frameEmbeddings: conversation.frameEmbeddings } : {}),
        ...(conversation.prompt ? { prompt: conversation.prompt } : {}),
        state,
        shown: (conversation.picks ?? []).map((p) => p.trackId),
        k: conversation.count,
      },
      signal,
    );
  }

  /** One turn at a time per conversation, each on the latest stored state. */
  async #exclusive(key: string, run: (current: StudioConversation) => Promise<StudioConversation>): Promise<StudioConversation> {
    const previous = this.#turns.get(key) ?? Promise.resolve();
    const next = previous.then(async () => run(await this.get(key)));
    const settled = next.catch(() => undefined);
    this.#turns.set(key, settled);
    try {
      return await next;
    } finally {
      if (this.#turns.get(key) === settled) this.#turns.delete(key);
    }
  }
}
