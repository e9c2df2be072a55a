import type { Pick, RecommendRequest, RecommendResult, RefinementState } from '../../../recommend/types.js';
import type { PickSource } from '../../../stream-server/session.js';
import { colorEmbedding } from './color-encoder.js';

export interface TestTrack {
  readonly id: string;
  readonly title: string;
  readonly artist: string;
  /** The colour of scene the track suits, in the colour encoder's space. */
  readonly color: readonly [number, number, number];
  /** Words in the prompt that favour the track. */
  readonly keywords: readonly string[];
  readonly segmentSeconds?: number;
}

export const TEST_TRACKS: readonly TestTrack[] = [
  { id: 'ember', title: 'Ember Run', artist: 'The Reds', color: [1, 0.1, 0.05], keywords: ['fire', 'energetic'] },
  { id: 'crimson', title: 'Crimson Tide', artist: 'Scarlet', color: [0.9, 0.2, 0.15], keywords: ['drums'] },
  { id: 'tide', title: 'Low Tide', artist: 'Deep Blue', color: [0.05, 0.1, 1], keywords: ['calm', 'water'] },
  { id: 'glacier', title: 'Glacier', artist: 'Ice Sheet', color: [0.15, 0.25, 0.9], keywords: ['ambient'] },
  { id: 'meadow', title: 'Meadow', artist: 'Greenfield', color: [0.1, 1, 0.1], keywords: ['folk', 'acoustic'] },
];

export { EMPTY_STATE } from '../../../recommend/refinement/state.js';
import { EMPTY_STATE } from '../../../recommend/refinement/state.js';

function mean(vectors: readonly Float32Array[]): Float32Array {
  const out = new Float32Array(vectors[0]!.length);
  for (const v of vectors) v.forEach((x, i) => (out[i] = out[i]! + x / vectors.length));
  const norm = Math.hypot(...out) || 1;
  return out.map((x) => x / norm);
}

const dot = (a: Float32Array, b: Float32Array): number => a.reduce((sum, x, i) => sum + x * b[i]!, 0);

/**
 * A small recommender with the `PickSource` shape over an in-memory catalog: cosine between the mean
 * frame embedding and each track's scene colour, plus a bonus for prompt/refinement keywords, with
 * excluded tracks filtered out. Records the requests it served.
 */
export class CatalogPickSource implements PickSource {
  readonly requests: RecommendRequest[] = [];
  private readonly embeddings: Map<string, Float32Array>;
  failWith: Error | undefined;

  constructor(readonly tracks: readonly TestTrack[] = TEST_TRACKS) {
    this.embeddings = new Map(tracks.map((t) => [t.id, colorEmbedding(...t.color)]));
  }

  refine(state: RefinementState | undefined, text: string): RefinementState {
    const base = state ?? EMPTY_STATE;
    const not = /^(?:no|not|without)\s+(\S+)/i.exec(text);
    if (not) return { ...base, excludeTags: [...base.excludeTags, not[1]!.toLowerCase()] };
    return { ...base, text: [...base.text, text] };
  }

  recommend(request: RecommendRequest): Promise<RecommendResult> {
    this.requests.push(request);
    if (this.failWith) return Promise.reject(this.failWith);
    const state = request.state ?? EMPTY_STATE;
    const words = [request.prompt ?? '', ...state.text].join(' ').toLowerCase();
    const query = request.frameEmbeddings?.length ? mean(request.frameEmbeddings) : undefined;
    // As recommend/ does: the request's exclusions and the conversation's ("not this one").
    const excluded = new Set([...(request.excludeTrackIds ?? []), ...state.excludeTrackIds]);
    const picks: Pick[] = this.tracks
      .filter((t) => !excluded.has(t.id) && !t.keywords.some((k) => state.excludeTags.includes(k)))
      .map((t) => {
        const visual = query ? dot(query, this.embeddings.get(t.id)!) : 0;
        const textual = t.keywords.some((k) => words.includes(k)) ? 0.5 : 0;
        const segment = t.segmentSeconds ?? 30;
        return {
          trackId: t.id,
          title: t.title,
          artist: t.artist,
          score: visual + textual,
          segmentStart: 15,
          segmentEnd: 15 + segment,
          tags: t.keywords.map((tag) => ({ group: 'mood' as const, tag, score: 1 })),
          why: `${textual > 0 ? 'matches your prompt and ' : ''}fits the scene's colours`,
        };
      })
      .sort((a, b) => b.score - a.score)
      .slice(0, request.k ?? 5);
    return Promise.resolve({ mode: 'zero-shot', picks, notes: [], state });
  }
}
