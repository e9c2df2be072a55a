import { CatalogError, InputError } from '../core/errors.js';
import type { Catalog, Segment, Track, TrackFilter, VectorIndex } from '../index-data/types.js';
import { dot, meanNormalized, normalize } from '../index-data/vectors.js';
import type { TextEncoder } from '../model/types.js';
import { selectDiverse } from './diversity.js';
import { explain } from './explain.js';
import { applyConstraints, constraintsFilter, hardConstraints } from './filters.js';
import type { RefinementReader } from './llm-refinement-parser.js';
import { applyParsed, applyRefinement } from './refinement/apply.js';
import { composeStates } from './refinement/compose.js';
import { EMPTY_STATE } from './refinement/state.js';
import type { TagVocabulary } from './refinement/vocabulary.js';
import { catalogVocabulary } from './catalog-vocabulary.js';
import { energyLean, moodLean, tagScore } from './track-traits.js';
import type { Pick, RecommendMode, RecommendRequest, RecommendResult, RefinementState } from './types.js';
import { cachedTextEncoder } from './text-embedding-cache.js';
import { DEFAULT_MAX_TEXT_CHARS } from '../core/config.js';

/**
 * What recommend/ needs of the trained ViML heads (model/ implements it): one fused query from frame
 * CLIP embeddings and the prompt's CLIP text features; `text` undefined means "no text".
 */
export interface VimlQueryEncoder {
  readonly dim: number;
  /** Identity of the heads; when given, the catalog's `viml.manifestHash` must match it. */
  readonly manifestHash?: string;
  encodeQuery(video: readonly Float32Array[], text: readonly Float32Array[] | undefined, signal?: AbortSignal): Promise<Float32Array>;
}

export interface RecommenderOptions {
  /** Longest prompt accepted, in characters. */
  readonly maxPromptChars: number;
  readonly defaultK: number;
  readonly maxK: number;
  /** ANN candidates fetched per space before exact rescoring; smaller catalogs are scored exhaustively. */
  readonly candidates: number;
  /** Zero-shot: weight of cos(mean frame CLIP, description CLIP-text) vs cos(CLAP-text(prompt), CLAP-audio). */
  readonly videoWeight: number;
  readonly textWeight: number;
  /** How much of a liked track's music embedding is blended into the query ("more like #2"). */
  readonly likeBlend: number;
  /** Score added per unit of soft preference (tag weights, tempo/energy/mood nudges). */
  readonly softWeight: number;
  /** MMR relevance/novelty trade-off. */
  readonly mmrLambda: number;
  /** Score taken away per unit of cosine between a track's music and the negative text ("too cheesy"). */
  readonly negativeTextWeight: number;
}

export const DEFAULT_RECOMMENDER_OPTIONS: RecommenderOptions = {
  maxPromptChars: DEFAULT_MAX_TEXT_CHARS,
  defaultK: 5,
  maxK: 50,
  candidates: 200,
  videoWeight: 0.5,
  textWeight: 0.5,
  likeBlend: 0.5,
  softWeight: 0.05,
  mmrLambda: 0.75,
  negativeTextWeight: 0.5,
};

export interface RecommenderDeps {
  readonly catalog: Catalog;
  /** CLIP text encoder (ViML text features). */
  readonly clipText: TextEncoder;
  /** CLAP text encoder (zero-shot prompt vs CLAP audio). */
  readonly clapText: TextEncoder;
  /** Trained heads; with a catalog holding `viml-music` vectors they switch the mode to `viml`. */
  readonly viml?: VimlQueryEncoder;
  /** Tags refinements may name; defaults to index-data's vocabulary plus the tags the catalog's tracks carry. */
  readonly vocabulary?: TagVocabulary;
  /** Reads refinement turns (the language-model parser); without it, the rule parser. */
  readonly reader?: RefinementReader;
  readonly options?: Partial<RecommenderOptions>;
}

/** The negative text's CLAP embedding, its space, and the candidates' segment vectors there (read in one batch). */
interface Away {
  readonly vector: Float32Array;
  readonly index: VectorIndex;
  readonly segmentVectors: ReadonlyMap<number, Float32Array>;
}

/** The tracks passing the hard constraints, and the constraints as data for the vector search. */
interface Eligible {
  readonly tracks: readonly Track[];
  readonly filter: TrackFilter;
}

interface Scored {
  readonly track: Track;
  readonly segment?: Segment;
  readonly base: number;
  readonly score: number;
  readonly parts: Readonly<Record<string, number>>;
  readonly embedding?: Float32Array;
  readonly id: string;
  readonly artist: string;
}

/**
 * The query engine shared by the bot, the stream server and the CLI: frames + prompt + conversation
 * state -> picks with the best segment of each track and a reason.
 */
export class Recommender {
  readonly #catalog: Catalog;
  readonly #clipText: TextEncoder;
  readonly #clapText: TextEncoder;
  readonly #viml: VimlQueryEncoder | undefined;
  readonly #options: RecommenderOptions;
  #vocabulary: TagVocabulary | undefined;
  readonly #reader: RefinementReader | undefined;

  constructor(deps: RecommenderDeps) {
    this.#reader = deps.reader;
    this.#catalog = deps.catalog;
    this.#clipText = cachedTextEncoder(deps.clipText);
    this.#clapText = cachedTextEncoder(deps.clapText);
    this.#viml = deps.viml;
    this.#vocabulary = deps.vocabulary;
    this.#options = { ...DEFAULT_RECOMMENDER_OPTIONS, ...deps.options };
  }

  /** `viml` when trained heads are loaded and the catalog holds ViML music embeddings, else `zero-shot`. */
  get mode(): RecommendMode {
    const index = this.#catalog.index('viml-music');
    if (!this.#viml || !index || index.size === 0 || index.dim !== this.#viml.dim) return 'zero-shot';
    const built = this.#catalog.manifest.viml?.manifestHash;
    return this.#viml.manifestHash === undefined || built === undefined || built === this.#viml.manifestHash ? 'viml' : 'zero-shot';
  }

  /** The vocabulary refinements are parsed with (for callers that apply turns themselves). */
  get vocabulary(): TagVocabulary {
    this.#vocabulary ??= catalogVocabulary(this.#catalog);
    return this.#vocabulary;
  }

  /** Composes a refinement turn onto a state, resolving "#n" against the picks shown last. */
  refine(state: RefinementState, text: string, shown: readonly string[] = []): RefinementState {
    checkPrompt(text, this.#options.maxPromptChars, 'refinement');
    return applyRefinement(state, text, { vocabulary: this.vocabulary, shown });
  }

  /**
   * Parses one refinement with typos and a complaint, so the word lists and phrase tables load now
   * (about 0.4 s the first time) rather than inside the first user's refinement, on the event loop.
   */
  warmRefinementParser(): void {
    this.refine(EMPTY_STATE, 'a bit fastr, no vocals, not so boring');
  }

  /** Like `refine`, through the configured reader (the language-model parser) when there is one. */
  async refineTurn(state: RefinementState, text: string, shown: readonly string[] = [], signal?: AbortSignal): Promise<RefinementState> {
    if (!this.#reader) return this.refine(state, text, shown);
    checkPrompt(text, this.#options.maxPromptChars, 'refinement');
    return applyParsed(state, await this.#reader.read(text, this.vocabulary, signal), shown);
  }

  async recommend(request: RecommendRequest, signal?: AbortSignal): Promise<RecommendResult> {
    const o = this.#options;
    const k = request.k ?? o.defaultK;
    if (!Number.isInteger(k) || k < 1 || k > o.maxK) throw new InputError('INPUT_INVALID', `k must be an integer from 1 to ${o.maxK}, got ${k}`);
    if (request.prompt !== undefined) checkPrompt(request.prompt, o.maxPromptChars, 'prompt');
    const frames = request.frameEmbeddings;
    if (frames !== undefined && frames.length === 0) {
      throw new InputError('INPUT_INVALID', 'The clip gave no frames to match music against', { frames: 0 });
    }
    if (this.#catalog.trackCount() === 0) throw new CatalogError('CATALOG_EMPTY', 'The music catalog has no tracks; index a music folder first');

    const conversation = request.state ?? EMPTY_STATE;
    const shown = request.shown ?? [];
    const promptState = request.prompt?.trim() ? applyRefinement(EMPTY_STATE, request.prompt, { vocabulary: this.vocabulary, shown }) : EMPTY_STATE;
    const effective = composeStates(promptState, conversation);
    const notes = [...promptState.notes, ...effective.notes];
    let mode = this.mode;
    if (this.#viml && mode === 'zero-shot') {
      notes.push('trained ViML heads are loaded but this catalog has no matching ViML music embeddings: using zero-shot (re-index to use them)');
    }
    if (mode === 'viml' && !frames) {
      // The heads fuse video with text; with no clip at all the zero-shot scores are the honest answer.
      mode = 'zero-shot';
      notes.push('no clip frames: using zero-shot (the ViML query needs video)');
    }

    const constraints = hardConstraints(effective, request.excludeTrackIds ?? []);
    // Silent tracks (every segment below the silence threshold) are listed in the catalog but never picked.
    const outcome = applyConstraints(audibleTracks(this.#catalog.tracks()), constraints);
    if (outcome.emptiedBy) {
      const { constraint, before } = outcome.emptiedBy;
      notes.push(`nothing fits '${constraint.label}': ${constraint.failure} (${before} track${before === 1 ? '' : 's'} passed the constraints before it); nothing was relaxed`);
      notes.push(`${stepBackHint(constraint.label)}; '#n' still means the picks shown before`);
      return { mode, picks: [], notes, state: conversation, emptiedBy: constraint.label };
    }

    const text = effective.text.join(', ');
    const eligible = { tracks: outcome.eligible, filter: constraintsFilter(constraints) };
    const scored = mode === 'viml' ? await this.#scoreViml(eligible, frames, text, effective, signal) : await this.#scoreZeroShot(eligible, frames, text, effective, signal);
    const away = await this.#negativeVector(
      effective,
      scored.map((x) => x.track),
      signal,
    );
    const adjusted = this.#softAdjust(scored, effective, away);
    const { picks, skippedForArtist } = selectDiverse(adjusted, { k, lambda: o.mmrLambda, dedupeArtists: request.dedupeArtists ?? true });
    if (picks.length < k && skippedForArtist > 0) {
      notes.push(`showing ${picks.length} pick${picks.length === 1 ? '' : 's'}: ${skippedForArtist} more fit but repeat an artist already shown`);
    }
    const likedTitles = effective.likeTrackIds.map((id) => this.#catalog.track(id)?.title).filter((t): t is string => !!t);
    const toPick = (s: Scored): Pick => ({
      trackId: s.track.id,
      title: s.track.title,
      artist: s.track.artist,
      score: round(s.score),
      segmentStart: s.segment?.start ?? 0,
      segmentEnd: s.segment?.end ?? s.track.durationSeconds,
      tags: s.track.tags.filter((t) => t.score > 0),
      ...(s.track.bpm !== undefined ? { bpm: s.track.bpm } : {}),
      parts: Object.fromEntries(Object.entries(s.parts).map(([key, v]) => [key, round(v)])),
      why: explain(s.track, effective, constraints, likedTitles),
    });
    return {
      mode,
      picks: rankByScore(picks.map(toPick)),
      notes,
      state: conversation,
    };
  }

  async #scoreZeroShot(eligible: Eligible, frames: readonly Float32Array[] | undefined, text: string, state: RefinementState, signal?: AbortSignal): Promise<Scored[]> {
    const o = this.#options;
    const clipIndex = this.#catalog.index('clip-text');
    const clapIndex = this.#catalog.index('clap-audio');
    if (frames && clipIndex && frames[0]!.length !== clipIndex.dim) {
      throw new InputError('INPUT_INVALID', `Frame embeddings have dimension ${frames[0]!.length}, the catalog's CLIP space has ${clipIndex.dim}`);
    }
    const video = frames && clipIndex ? meanNormalized(frames) : undefined;
    const textVec = text && clapIndex ? (await this.#clapText.encodeTexts([text], signal))[0] : undefined;
    const like = clapIndex ? await this.#likeVector(state.likeTrackIds, clapIndex) : undefined;
    const music = blend(textVec, like, o.likeBlend);
    const wv = video ? o.videoWeight : 0;
    const wm = music ? o.textWeight : 0;
    if (wv + wm === 0) throw this.#nothingToMatch(frames !== undefined, clipIndex, clapIndex);

    const candidates = await this.#candidates(eligible, [
      ...(video && clipIndex ? [{ index: clipIndex, query: video, perTrack: false }] : []),
      ...(music && clapIndex ? [{ index: clapIndex, query: music, perTrack: true }] : []),
    ]);
    const labels = candidates.map((track) => this.#catalog.trackLabel(track.id));
    const clipVectors = video && clipIndex ? await clipIndex.vectors(labels.filter((l): l is number => l !== undefined)) : [];
    const clipByLabel = new Map(labels.filter((l): l is number => l !== undefined).map((l, i) => [l, clipVectors[i]]));
    const segmentVectors = clapIndex ? await this.#segmentVectors(candidates, clapIndex) : new Map<number, Float32Array>();
    return candidates.map((track, i) => {
      const label = labels[i];
      const clipVec = label !== undefined ? clipByLabel.get(label) : undefined;
      const videoPart = video && clipVec ? dot(video, clipVec) : 0;
      const best = clapIndex ? this.#bestSegment(track, clapIndex, segmentVectors, music) : undefined;
      const parts: Record<string, number> = {};
      if (video) parts.clip = videoPart;
      if (music) parts.clap = best?.score ?? 0;
      const base = (wv * videoPart + wm * (best?.score ?? 0)) / (wv + wm);
      return this.#scored(track, best?.segment, base, parts, clapIndex, segmentVectors);
    });
  }

  async #scoreViml(eligible: Eligible, frames: readonly Float32Array[] | undefined, text: string, state: RefinementState, signal?: AbortSignal): Promise<Scored[]> {
    const index = this.#catalog.index('viml-music')!;
    const textFeatures = text ? await this.#clipText.encodeTexts([text], signal) : undefined;
    let query: Float32Array | undefined = frames ? normalize(await this.#viml!.encodeQuery(frames, textFeatures, signal)) : undefined;
    const like = await this.#likeVector(state.likeTrackIds, index);
    query = blend(query, like, this.#options.likeBlend);
    if (!query) throw new InputError('INPUT_INVALID', 'Nothing to match: give a clip, a prompt or "more like #n"');
    const candidates = await this.#candidates(eligible, [{ index, query, perTrack: true }]);
    const segmentVectors = await this.#segmentVectors(candidates, index);
    return candidates.map((track) => {
      const best = this.#bestSegment(track, index, segmentVectors, query);
      return this.#scored(track, best?.segment, best?.score ?? 0, { viml: best?.score ?? 0 }, index, segmentVectors);
    });
  }

  #nothingToMatch(hadFrames: boolean, clipIndex: VectorIndex | undefined, clapIndex: VectorIndex | undefined): Error {
    if (hadFrames && !clipIndex) return new CatalogError('CATALOG_CORRUPT', "The catalog has no CLIP description vectors ('clip-text'), so a clip cannot be matched");
    if (!clapIndex) return new CatalogError('CATALOG_CORRUPT', "The catalog has no CLAP audio vectors ('clap-audio')");
    return new InputError('INPUT_INVALID', 'Nothing to match: give a clip, a prompt with positive words, or "more like #n"');
  }

  /**
   * Eligible tracks to rescore exactly: all of them when few, else the union of ANN hits per space,
   * searched with the hard constraints as a filter the store applies (in SQL or while walking the graph).
   */
  async #candidates(eligible: Eligible, spaces: readonly { index: VectorIndex; query: Float32Array; perTrack: boolean }[]): Promise<Track[]> {
    const limit = this.#options.candidates;
    if (eligible.tracks.length <= limit) return [...eligible.tracks];
    const byId = new Map(eligible.tracks.map((t) => [t.id, t]));
    const out = new Map<string, Track>();
    const searches = spaces.map(({ index, query, perTrack }) => index.search(query, Math.min(index.size, perTrack ? limit * 3 : limit), eligible.filter).then((hits) => ({ hits, perTrack })));
    for (const { hits, perTrack } of await Promise.all(searches)) {
      for (const hit of hits) {
        const id = perTrack ? this.#catalog.segmentByLabel(hit.label)?.trackId : this.#catalog.trackByLabel(hit.label)?.id;
        const t = id === undefined ? undefined : byId.get(id);
        if (t) out.set(t.id, t);
      }
    }
    return [...out.values()];
  }

  /** The vectors of every segment of `tracks` in a segment space, read in one batch. */
  async #segmentVectors(tracks: readonly Track[], index: VectorIndex): Promise<Map<number, Float32Array>> {
    const labels = tracks.flatMap((t) => this.#catalog.segments(t.id).map((s) => s.label));
    const vectors = await index.vectors(labels);
    const out = new Map<number, Float32Array>();
    labels.forEach((label, i) => {
      const v = vectors[i];
      if (v) out.set(label, v);
    });
    return out;
  }

  /** The segment scoring best against `query`; without a query, the one most typical of the track. */
  #bestSegment(track: Track, index: VectorIndex, segmentVectors: ReadonlyMap<number, Float32Array>, query: Float32Array | undefined): { segment: Segment; score: number } | undefined {
    const segments = this.#catalog.segments(track.id);
    const vectors = segments.map((s) => segmentVectors.get(s.label));
    const reference = query ?? this.#trackEmbedding(track, index, segmentVectors);
    if (!reference) return undefined;
    let best: { segment: Segment; score: number } | undefined;
    segments.forEach((segment, i) => {
      const v = vectors[i];
      if (!v || segment.silent) return;
      const score = dot(reference, v);
      if (!best || score > best.score) best = { segment, score };
    });
    return best && !query ? { segment: best.segment, score: 0 } : best;
  }

  #embeddings = new WeakMap<VectorIndex, Map<string, Float32Array | undefined>>();

  /** Mean of a track's segment vectors in a space, unit length (cached); `segmentVectors` holds the track's segments. */
  #trackEmbedding(track: Track, index: VectorIndex, segmentVectors: ReadonlyMap<number, Float32Array>): Float32Array | undefined {
    let cache = this.#embeddings.get(index);
    if (!cache) this.#embeddings.set(index, (cache = new Map<string, Float32Array | undefined>()));
    if (cache.has(track.id)) return cache.get(track.id);
    const vectors = this.#catalog
      .segments(track.id)
      .map((s) => segmentVectors.get(s.label))
      .filter((v): v is Float32Array => v !== undefined);
    const mean = vectors.length > 0 ? meanNormalized(vectors) : undefined;
    cache.set(track.id, mean);
    return mean;
  }

  async #likeVector(ids: readonly string[], index: VectorIndex): Promise<Float32Array | undefined> {
    const liked = ids.map((id) => this.#catalog.track(id)).filter((t): t is Track => t !== undefined);
    const segmentVectors = liked.length > 0 ? await this.#segmentVectors(liked, index) : new Map<number, Float32Array>();
    const vectors = liked.map((t) => this.#trackEmbedding(t, index, segmentVectors)).filter((v): v is Float32Array => v !== undefined);
    return vectors.length > 0 ? meanNormalized(vectors) : undefined;
  }

  #scored(track: Track, segment: Segment | undefined, base: number, parts: Record<string, number>, musicIndex: VectorIndex | undefined, segmentVectors: ReadonlyMap<number, Float32Array>): Scored {
    const embedding = musicIndex ? this.#trackEmbedding(track, musicIndex, segmentVectors) : undefined;
    return { track, ...(segment ? { segment } : {}), base, score: base, parts, ...(embedding ? { embedding } : {}), id: track.id, artist: track.artist };
  }

  /**
   * The negative text ("too cheesy", "no kazoo") as a CLAP text embedding, with the CLAP audio space to
   * compare it in; undefined without negative text or CLAP vectors. Negative text is never put into the
   * query (no encoder is asked to understand "not"): tracks close to it lose score instead.
   */
  async #negativeVector(state: RefinementState, tracks: readonly Track[], signal?: AbortSignal): Promise<Away | undefined> {
    const text = (state.negativeText ?? []).join(', ');
    const index = this.#catalog.index('clap-audio');
    if (!text || !index) return undefined;
    const vector = (await this.#clapText.encodeTexts([text], signal))[0];
    return vector ? { vector, index, segmentVectors: await this.#segmentVectors(tracks, index) } : undefined;
  }

  /** Soft preferences: tag weights, tempo / energy / mood nudges relative to the candidates, and the negative text. */
  #softAdjust(scored: readonly Scored[], state: RefinementState, away?: Away): Scored[] {
    const w = this.#options.softWeight;
    const strength = (field: 'tempo' | 'energy' | 'mood'): number => state.strength?.[field] ?? 1;
    const bpms = scored
      .map((s) => s.track.bpm)
      .filter((b): b is number => b !== undefined)
      .sort((a, b) => a - b);
    const medianBpm = bpms.length ? bpms[Math.floor(bpms.length / 2)]! : undefined;
    return scored.map((s) => {
      let adjust = 0;
      for (const [tag, weight] of Object.entries(state.weights)) adjust += w * weight * tagScore(s.track, tag);
      if (state.tempo && medianBpm !== undefined && s.track.bpm !== undefined) {
        adjust += w * strength('tempo') * (state.tempo === 'faster' ? 1 : -1) * clamp((s.track.bpm - medianBpm) / 40);
      }
      if (state.energy) adjust += w * strength('energy') * (state.energy === 'higher' ? 1 : -1) * energyLean(s.track);
      if (state.mood) adjust += w * strength('mood') * (state.mood === 'brighter' ? 1 : -1) * moodLean(s.track);
      const music = away ? this.#trackEmbedding(s.track, away.index, away.segmentVectors) : undefined;
      const negative = away && music ? -this.#options.negativeTextWeight * Math.max(0, dot(away.vector, music)) : 0;
      if (adjust === 0 && negative === 0) return s;
      const parts = { ...s.parts, ...(adjust !== 0 ? { preferences: adjust } : {}), ...(negative !== 0 ? { negative } : {}) };
      return { ...s, score: s.base + adjust + negative, parts };
    });
  }
}

/** How to take back the constraint that emptied the list, in words the parser understands. */
function stepBackHint(label: string): string {
  if (/bpm|tempo/i.test(label)) return "say 'undo' to step back, or 'any tempo is fine'";
  if (/vocal|sing|instrumental/i.test(label)) return "say 'undo' to step back, or 'vocals are fine now'";
  const negated = /^(?:no|not|without|nothing|anything but)\s+(.+)$/i.exec(label);
  return negated ? `say 'undo' to step back, or '${negated[1]} is fine now'` : "say 'undo' to step back";
}

function checkPrompt(text: string, max: number, what: string): void {
  if (text.length > max) {
    throw new InputError('PROMPT_TOO_LONG', `The ${what} is ${text.length} characters; the limit is ${max}`, { length: text.length, limit: max });
  }
}

function blend(a: Float32Array | undefined, b: Float32Array | undefined, weightB: number): Float32Array | undefined {
  if (!a) return b;
  if (!b) return a;
  const out = new Float32Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i]! + weightB * b[i]!;
  return normalize(out);
}

/**
 * MMR decides which tracks are shown; the list is shown best fit first (ties by track id), because
 * people read it as a ranking and "#n" refers to the n-th line they saw. Sorted on the rounded score
 * the picks carry, so the order agrees with the scores printed.
 */
export function rankByScore(picks: readonly Pick[]): Pick[] {
  return [...picks].sort((a, b) => b.score - a.score || a.trackId.localeCompare(b.trackId));
}

const clamp = (x: number): number => Math.max(-1, Math.min(1, x));
const round = (x: number): number => Math.round(x * 10_000) / 10_000;

/** Tracks with something to hear: a track whose every segment is silent is never recommended. */
function* audibleTracks(tracks: Iterable<Track>): Iterable<Track> {
  for (const track of tracks) if (!track.silent) yield track;
}
