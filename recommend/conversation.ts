import { z } from 'zod';
import { TAG_GROUPS } from '../index-data/types.js';
import type { Recommender } from './recommender.js';
import { EMPTY_STATE, withoutHistory } from './refinement/state.js';
import type { RecommendResult, RefinementState } from './types.js';

export interface ConversationInput {
  readonly frameEmbeddings?: readonly Float32Array[];
  readonly prompt?: string;
  /** Refinement turns, each applied after seeing the previous picks ("#2" means the previous answer's second). */
  readonly refinements?: readonly string[];
  readonly k?: number;
  readonly dedupeArtists?: boolean;
}

export interface ConversationTurn {
  readonly refinement?: string;
  readonly result: RecommendResult;
}

/** A whole conversation at once: the first answer, then one answer per refinement. */
export async function runConversation(recommender: Recommender, input: ConversationInput, signal?: AbortSignal): Promise<ConversationTurn[]> {
  const base = {
    ...(input.frameEmbeddings ? { frameEmbeddings: input.frameEmbeddings } : {}),
    ...(input.prompt ? { prompt: input.prompt } : {}),
    ...(input.k !== undefined ? { k: input.k } : {}),
    ...(input.dedupeArtists !== undefined ? { dedupeArtists: input.dedupeArtists } : {}),
  };
  const turns: ConversationTurn[] = [{ result: await recommender.recommend(base, signal) }];
  let state: RefinementState = EMPTY_STATE;
  for (const refinement of input.refinements ?? []) {
    const shown = lastShown(turns);
    state = await recommender.refineTurn(state, refinement, shown, signal);
    turns.push({ refinement, result: await recommender.recommend({ ...base, state, shown }, signal) });
  }
  return turns;
}

/**
 * The last list of picks the user saw: a turn that emptied the list showed nothing new, so "#2" after it
 * still means the second pick of the list before.
 */
export function lastShown(turns: readonly ConversationTurn[]): string[] {
  for (let i = turns.length - 1; i >= 0; i--) {
    const picks = turns[i]!.result.picks;
    if (picks.length > 0) return picks.map((p) => p.trackId);
  }
  return [];
}

const scoredTag = z.object({ group: z.enum(TAG_GROUPS), tag: z.string(), score: z.number() });

/** The JSON `cuecast recommend --json` prints (schema version 1); docs/recommend.md describes it. */
export const recommendJsonSchema = z.object({
  version: z.literal(1),
  mode: z.enum(['viml', 'zero-shot']),
  input: z.object({ video: z.string().nullable(), frames: z.number().int().min(0), prompt: z.string().nullable(), refinements: z.array(z.string()), k: z.number().int().positive() }),
  encoders: z.object({ clip: z.string(), clap: z.string(), standIn: z.boolean() }),
  picks: z.array(
    z.object({
      rank: z.number().int().positive(),
      trackId: z.string(),
      title: z.string(),
      artist: z.string(),
      score: z.number(),
      segmentStart: z.number().min(0),
      segmentEnd: z.number().min(0),
      bpm: z.number().nullable(),
      tags: z.array(scoredTag),
      parts: z.record(z.string(), z.number()),
      why: z.string(),
    }),
  ),
  notes: z.array(z.string()),
  emptiedBy: z.string().nullable(),
  turns: z.array(z.object({ refinement: z.string().nullable(), picks: z.array(z.string()), notes: z.array(z.string()), emptiedBy: z.string().nullable(), state: z.record(z.string(), z.unknown()) })),
  /** The final conversation state (without its undo history; `undoSteps` says how far "undo" reaches). */
  state: z.record(z.string(), z.unknown()),
  undoSteps: z.number().int().min(0),
});

export type RecommendJson = z.infer<typeof recommendJsonSchema>;

export interface JsonContext {
  readonly video: string | null;
  readonly frames: number;
  readonly prompt: string | null;
  readonly refinements: readonly string[];
  readonly k: number;
  readonly encoders: { readonly clip: string; readonly clap: string; readonly standIn: boolean };
}

export function toRecommendJson(turns: readonly ConversationTurn[], context: JsonContext): RecommendJson {
  const final = turns.at(-1)!.result;
  return {
    version: 1,
    mode: final.mode,
    input: { video: context.video, frames: context.frames, prompt: context.prompt, refinements: [...context.refinements], k: context.k },
    encoders: { ...context.encoders },
    picks: final.picks.map((p, i) => ({
      rank: i + 1,
      trackId: p.trackId,
      title: p.title,
      artist: p.artist,
      score: p.score,
      segmentStart: p.segmentStart,
      segmentEnd: p.segmentEnd,
      bpm: p.bpm ?? null,
      tags: [...p.tags],
      parts: { ...p.parts },
      why: p.why,
    })),
    notes: [...final.notes],
    emptiedBy: final.emptiedBy ?? null,
    turns: turns.map((t) => ({
      refinement: t.refinement ?? null,
      picks: t.result.picks.map((p) => p.trackId),
      notes: [...t.result.notes],
      emptiedBy: t.result.emptiedBy ?? null,
      state: { ...withoutHistory(t.result.state) },
    })),
    state: { ...withoutHistory(final.state) },
    undoSteps: final.state.previous?.length ?? 0,
  };
}

const fmtTime = (s: number): string => `${Math.floor(s / 60)}:${String(Math.round(s % 60)).padStart(2, '0')}`;

/** The human-readable table. */
export function renderTable(turns: readonly ConversationTurn[]): string {
  const lines: string[] = [];
  for (const turn of turns) {
    const r = turn.result;
    lines.push(turn.refinement === undefined ? `Picks (${r.mode}):` : `After "${turn.refinement}" (${r.mode}):`);
    for (const note of r.notes) lines.push(`  note: ${note}`);
    if (r.picks.length === 0) lines.push('  (no picks)');
    r.picks.forEach((p, i) => {
      lines.push(
        `  ${String(i + 1).padStart(2)}. ${p.score.toFixed(3)}  ${p.artist} - ${p.title}  [${fmtTime(p.segmentStart)}-${fmtTime(p.segmentEnd)}]${p.bpm !== undefined ? `  ${Math.round(p.bpm)} BPM` : ''}`,
      );
      lines.push(`      ${p.why}`);
    });
    lines.push('');
  }
  return lines.join('\n');
}
