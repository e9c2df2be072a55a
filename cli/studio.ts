import { join } from 'node:path';
import type { Config } from '../core/config.js';
import type { Conversation, ConversationStore } from '../bot/conversation-store.js';
import type { Catalog } from '../index-data/types.js';
import type { FrameEncoder } from '../model/types.js';
import type { Recommender } from '../recommend/recommender.js';
import { EMPTY_STATE } from '../recommend/refinement/state.js';
import type { StoredTokens } from './token-store.js';
import { createStudio, DEFAULT_STUDIO_LIMITS, type NewStudioConversation, type Studio, type StudioConversation, type StudioConversationStore } from '../stream-server/studio/index.js';

/** What the bot's conversation record carries for a studio conversation, beside its own fields. */
type StudioPart = Pick<StudioConversation, 'clipId' | 'picks' | 'notes' | 'segmentStarts' | 'undo'> & { readonly emptiedBy?: string };
type StudioRecord = Conversation & { readonly studio: StudioPart };

/**
 * Studio conversations stored with the bot's: the fields they share (frames, prompt, state, history,
 * picks shown) in the bot's record, the studio's own in a `studio` part of it.
 */
export function studioConversations(store: Pick<ConversationStore, 'create' | 'save' | 'get'>): StudioConversationStore {
  const toRecord = (c: NewStudioConversation): Omit<StudioRecord, 'key' | 'updatedAt'> => ({
    userId: 'studio',
    channelId: `studio:${c.clipId}`,
    frameEmbeddings: c.frameEmbeddings,
    ...(c.prompt ? { prompt: c.prompt } : {}),
    count: c.count,
    state: c.state,
    history: c.history,
    shown: c.picks.map(({ trackId, title, artist, segmentStart, segmentEnd }) => ({ trackId, title, artist, segmentStart, segmentEnd })),
    seen: c.picks.map((p) => p.trackId),
    studio: { clipId: c.clipId, picks: c.picks, notes: c.notes, segmentStarts: c.segmentStarts, undo: c.undo, ...(c.emptiedBy ? { emptiedBy: c.emptiedBy } : {}) },
  });
  const fromRecord = (record: Conversation | undefined): StudioConversation | undefined => {
    const studio = (record as Partial<StudioRecord> | undefined)?.studio;
    if (!record || !studio || record.userId !== 'studio') return undefined;
    return {
      key: record.key,
      clipId: studio.clipId,
      ...(record.prompt ? { prompt: record.prompt } : {}),
      frameEmbeddings: record.frameEmbeddings,
      count: record.count,
      state: { ...EMPTY_STATE, ...record.state },
      history: record.history,
      picks: studio.picks,
      notes: studio.notes,
      ...(studio.emptiedBy ? { emptiedBy: studio.emptiedBy } : {}),
      segmentStarts: studio.segmentStarts,
      undo: studio.undo,
      updatedAt: record.updatedAt,
    };
  };
  return {
    create: async (c) => fromRecord(await store.create(toRecord(c)))!,
    save: async (c) => fromRecord(await store.save({ ...toRecord(c), key: c.key, updatedAt: c.updatedAt }))!,
    get: async (key) => fromRecord(await store.get(key)),
  };
}

export interface StudioParts {
  readonly token: string;
  readonly frameEncoder: FrameEncoder;
  readonly recommender: Pick<Recommender, 'recommend' | 'refine' | 'refineTurn'>;
  readonly catalog: Pick<Catalog, 'track' | 'audioPath'>;
  readonly conversations: Pick<ConversationStore, 'create' | 'save' | 'get'>;
}

/** The studio with the limits of the bot's attachments, the one text limit and the conversation lifetime. */
export function studioFor(config: Config, parts: StudioParts): Studio {
  return createStudio(
    { frameEncoder: parts.frameEncoder, recommender: parts.recommender, catalog: parts.catalog, conversations: studioConversations(parts.conversations) },
    {
      token: parts.token,
      dir: join(config.dataDir, 'studio'),
      limits: { ...DEFAULT_STUDIO_LIMITS, maxClipBytes: config.discord.maxClipBytes, maxClipSeconds: config.discord.maxClipSeconds, maxTextChars: config.maxTextChars },
      analysis: { fps: config.video.fps, maxFrames: config.video.maxFrames, timeoutMs: config.media.timeoutMs },
      picks: 5,
      clipTtlMs: config.discord.conversationTtlHours * 3600_000,
      mediaTimeoutMs: config.media.timeoutMs,
    },
  );
}

/** Where the studio's token came from: the config, or the token store (generated now or earlier). */
export interface StudioAccess {
  readonly token: string;
  readonly source: 'config' | 'generated' | 'stored';
  /** The token store's file, when the token is kept there. */
  readonly path?: string;
}

/** The configured studio token, else the token store's (`stored`, or read/created by `load`). */
export function studioAccess(config: Config, stored: StoredTokens | undefined, load: () => StoredTokens): StudioAccess {
  if (config.server.studioToken) return { token: config.server.studioToken, source: 'config' };
  const tokens = stored ?? load();
  return { token: tokens.tokens.studio, source: tokens.created.includes('studio') ? 'generated' : 'stored', path: tokens.path };
}

/** What `cuecast serve` prints about the studio: the whole URL when the token is new or asked for. */
export function studioLine(base: string, access: StudioAccess, printUrls: boolean): string {
  const url = `${base}/studio?token=${encodeURIComponent(access.token)}`;
  if (access.source === 'config') return `studio (video editors): ${base}/studio?token=<CUECAST_STUDIO_TOKEN>\n`;
  if (access.source === 'generated' || printUrls) {
    return `    studio (video editors):          ${url}\n${access.source === 'generated' ? `(studio token generated and kept in ${access.path}; keep the URL secret)\n` : ''}`;
  }
  return `studio: ${base}/studio (token in ${access.path}; \`cuecast serve --print-urls\` prints the full URL)\n`;
}
