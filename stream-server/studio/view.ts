import type { ClipStore } from './clips.js';
import type { StudioCatalog, StudioConversation } from './types.js';

/** A conversation as the studio page shows it: its clip, prompt, history and picks with their segments. */
export async function conversationView(conversation: StudioConversation, clips: ClipStore, catalog: StudioCatalog): Promise<unknown> {
  const clip = await clips.get(conversation.clipId, true).catch(() => undefined);
  return {
    key: conversation.key,
    clip: clip ?? null,
    prompt: conversation.prompt ?? '',
    history: conversation.history,
    notes: conversation.notes,
    emptiedBy: conversation.emptiedBy ?? null,
    canUndo: conversation.undo.length > 0,
    picks: conversation.picks.map((p) => ({
      trackId: p.trackId,
      title: p.title,
      artist: p.artist,
      score: p.score,
      bpm: p.bpm ?? null,
      tags: p.tags.slice(0, 8).map((t) => t.tag),
      parts: p.parts ?? {},
      why: p.why,
      suggestedStart: p.segmentStart,
      segmentStart: conversation.segmentStarts[p.trackId] ?? p.segmentStart,
      segmentSeconds: Math.max(1, p.segmentEnd - p.segmentStart),
      trackSeconds: catalog.track(p.trackId)?.durationSeconds ?? p.segmentEnd,
    })),
  };
}
