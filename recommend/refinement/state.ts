import { z } from 'zod';
import { InputError } from '../../core/errors.js';
import type { RefinementState } from '../types.js';

export const EMPTY_STATE: RefinementState = Object.freeze({
  includeTags: [],
  excludeTags: [],
  weights: {},
  likeTrackIds: [],
  excludeTrackIds: [],
  text: [],
  notes: [],
  sources: {},
});

/** Largest magnitude a soft weight reaches however often it is repeated. */
export const MAX_WEIGHT = 3;

/**
 * The state stays bounded however long a conversation runs (a stream producer may refine thousands of
 * times): free text keeps the latest entries, deduplicated, within a character budget; picks liked or
 * excluded keep the latest; "undo" reaches back a few turns.
 */
export const STATE_LIMITS = { textEntries: 8, textChars: 1000, likedTracks: 10, excludedTracks: 100, undoTurns: 5 } as const;

const strengthSchema = z.number().finite().positive().max(MAX_WEIGHT);
const baseStateSchema = z.object({
  includeTags: z.array(z.string()),
  excludeTags: z.array(z.string()),
  weights: z.record(z.string(), z.number().finite()),
  vocals: z.enum(['on', 'off', 'female', 'male']).optional(),
  bpm: z.object({ min: z.number().positive().optional(), max: z.number().positive().optional() }).optional(),
  tempo: z.enum(['faster', 'slower']).optional(),
  energy: z.enum(['higher', 'lower']).optional(),
  mood: z.enum(['brighter', 'darker']).optional(),
  likeTrackIds: z.array(z.string()),
  excludeTrackIds: z.array(z.string()),
  text: z.array(z.string()),
  negativeText: z.array(z.string()).optional(),
  strength: z.object({ tempo: strengthSchema.optional(), energy: strengthSchema.optional(), mood: strengthSchema.optional() }).optional(),
  notes: z.array(z.string()),
  sources: z.record(z.string(), z.string()).optional(),
});
const stateSchema = baseStateSchema.extend({ previous: z.array(baseStateSchema).max(STATE_LIMITS.undoTurns).optional() });

/** Checks stored JSON (a bot's SQLite row, a session snapshot) and returns it as a state. */
export function restoreState(json: unknown): RefinementState {
  const parsed = stateSchema.safeParse(typeof json === 'string' ? safeJson(json) : json);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new InputError('INPUT_INVALID', `Stored refinement state is invalid: ${issues.join('; ')}`, { issues });
  }
  const { previous, ...rest } = parsed.data;
  const state = stripUndefined(rest) as RefinementState;
  return previous?.length ? { ...state, previous: previous.map((p) => stripUndefined(p) as RefinementState) } : state;
}

/** Latest entries first kept, case-insensitively deduplicated (a repeat moves to the end), within the limits. */
export function boundTexts(texts: readonly string[]): string[] {
  const seen = new Set<string>();
  const kept: string[] = [];
  let chars = 0;
  for (let i = texts.length - 1; i >= 0 && kept.length < STATE_LIMITS.textEntries; i--) {
    const t = texts[i]!.trim();
    const key = t.toLowerCase();
    if (!t || seen.has(key)) continue;
    if (chars + t.length > STATE_LIMITS.textChars) break;
    seen.add(key);
    kept.unshift(t);
    chars += t.length;
  }
  return kept;
}

/** The state within STATE_LIMITS, with sources only for constraints still present. */
export function boundState(state: RefinementState): RefinementState {
  const likeTrackIds = state.likeTrackIds.slice(-STATE_LIMITS.likedTracks);
  const excludeTrackIds = state.excludeTrackIds.slice(-STATE_LIMITS.excludedTracks);
  const live = new Set<string>([
    'vocals', 'bpm', 'tempo', 'energy', 'mood',
    ...[...state.includeTags, ...state.excludeTags, ...Object.keys(state.weights)].map((t) => `tag:${t}`),
    ...[...likeTrackIds, ...excludeTrackIds].map((id) => `track:${id}`),
  ]);
  const sources = Object.fromEntries(Object.entries(state.sources ?? {}).filter(([key]) => live.has(key)));
  const negativeText = boundTexts(state.negativeText ?? []);
  const { negativeText: _n, previous, ...rest } = state;
  return {
    ...rest,
    likeTrackIds,
    excludeTrackIds,
    text: boundTexts(state.text),
    ...(negativeText.length ? { negativeText } : {}),
    sources,
    ...(previous?.length ? { previous: previous.slice(-STATE_LIMITS.undoTurns) } : {}),
  };
}

/** The state without its undo history (what a snapshot in `previous` holds). */
export function withoutHistory(state: RefinementState): RefinementState {
  const { previous: _p, ...rest } = state;
  return rest;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function stripUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

const source = (state: RefinementState, key: string, fallback: string): string => state.sources?.[key] ?? fallback;

function sameBpm(a: RefinementState['bpm'], b: RefinementState['bpm']): boolean {
  return a?.min === b?.min && a?.max === b?.max;
}

export function describeBpm(bpm: NonNullable<RefinementState['bpm']>): string {
  if (bpm.min !== undefined && bpm.max !== undefined) return `${bpm.min}-${bpm.max} BPM`;
  if (bpm.min !== undefined) return `at least ${bpm.min} BPM`;
  return `at most ${bpm.max ?? '?'} BPM`;
}

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Removes whole-word mentions of `terms` from earlier free text, dropping entries left empty. */
export function stripTerms(texts: readonly string[], terms: readonly string[]): string[] {
  if (terms.length === 0) return [...texts];
  const pattern = new RegExp(`\\b(?:${terms.map(escapeRegex).join('|')})\\b`, 'gi');
  return texts
    .map((t) => t.replace(pattern, ' ').replace(/\s+/g, ' ').replace(/^[\s,]+|[\s,]+$/g, '').trim())
    .filter((t) => /[a-z0-9]/i.test(t));
}

const FUNCTION_WORDS = new Set(['a', 'an', 'the', 'and', 'or', 'of', 'to', 'in', 'on', 'it', 'is', 'for', 'with', 'some', 'more', 'less', 'music', 'song', 'sound']);

/** The words of free-text entries that carry meaning (for moving a word between wanted and unwanted). */
function contentWords(texts: readonly string[]): string[] {
  return [...new Set(texts.flatMap((t) => t.toLowerCase().split(/[^a-z0-9&]+/)).filter((w) => w.length > 1 && !FUNCTION_WORDS.has(w)))];
}

/** What a "lifting" turn takes back ("drums are fine now", "any tempo is fine"): never a preference of its own. */
export interface Lift {
  readonly tags: readonly string[];
  readonly vocals: boolean;
  readonly tempo: boolean;
  readonly energy: boolean;
  readonly mood: boolean;
  /** Words to drop from the negative text. */
  readonly terms: readonly string[];
  /** The user's words, for the notes. */
  readonly phrase: string;
}

/** Removes the exclusions and down-weights a lift names from a state; notes say what was lifted or that nothing was. */
export function liftConstraints(state: RefinementState, lift: Lift): { state: RefinementState; notes: string[] } {
  const tags = new Set(lift.tags);
  const lifted: string[] = [];
  const excludeTags = state.excludeTags.filter((t) => !tags.has(t) || (lifted.push(`no ${t}`), false));
  const weights = Object.fromEntries(Object.entries(state.weights).filter(([t, w]) => !(tags.has(t) && w < 0) || (lifted.push(`less ${t}`), false)));
  const next: { -readonly [K in keyof RefinementState]: RefinementState[K] } = { ...state, excludeTags, weights };
  // Lifting singing lifts "no vocals" and the down-weights of the singing tags; a named gender lifts its exclusion only.
  if (lift.vocals && state.vocals !== undefined) {
    delete next.vocals;
    lifted.push(state.sources?.vocals ?? (state.vocals === 'off' ? 'no vocals' : `${state.vocals} vocals`));
  }
  const dropDirection = (field: 'tempo' | 'energy' | 'mood'): void => {
    if (state[field] === undefined) return;
    lifted.push(state.sources?.[field] ?? `${field} ${state[field]}`);
    delete next[field];
    if (next.strength) {
      const { [field]: _gone, ...strength } = next.strength;
      if (Object.keys(strength).length) next.strength = strength;
      else delete next.strength;
    }
  };
  if (lift.tempo) {
    dropDirection('tempo');
    if (state.bpm) {
      lifted.push(state.sources?.bpm ?? describeBpm(state.bpm));
      delete next.bpm;
    }
  }
  // A direction goes too when the lifted words set it ("not so dark" then "dark is fine").
  const named = (field: 'tempo' | 'energy' | 'mood'): boolean => lift.terms.some((t) => new RegExp(`\\b${escapeRegex(t)}\\b`).test(state.sources?.[field] ?? ''));
  if (lift.energy || named('energy')) dropDirection('energy');
  if (lift.mood || named('mood')) dropDirection('mood');
  if (lift.terms.length && state.negativeText?.length) {
    const kept = stripTerms(state.negativeText, lift.terms);
    if (kept.length !== state.negativeText.length || kept.some((t, i) => t !== state.negativeText![i])) lifted.push(`away from '${lift.terms.join(' ')}'`);
    if (kept.length) next.negativeText = kept;
    else delete next.negativeText;
  }
  const notes = lifted.length
    ? [`'${lift.phrase}' lifted ${lifted.map((l) => `'${l}'`).join(', ')}`]
    : [`'${lift.phrase}': nothing earlier excluded that, so nothing changed`];
  return { state: next, notes };
}

export interface ComposeOptions {
  /** Words to remove from earlier free text because the later turn negated them (defaults to tag names). */
  readonly negatedTerms?: readonly string[];
}

/**
 * Applies a later turn on top of an earlier state. The later turn wins every conflict and each
 * resolution is reported in `notes` ("'slow' replaced the earlier 'fast'"); `notes` holds only the
 * later turn's notes, so they do not pile up across a conversation.
 */
export function composeStates(earlier: RefinementState, later: RefinementState, options: ComposeOptions = {}): RefinementState {
  const notes = [...later.notes];
  const sources: Record<string, string> = { ...earlier.sources };
  const replaced = (key: string, laterFallback: string, earlierFallback: string): void => {
    const now = source(later, key, laterFallback);
    const before = source(earlier, key, earlierFallback);
    notes.push(`'${now}' replaced the earlier '${before}'`);
  };

  const result: {
    -readonly [K in keyof RefinementState]: RefinementState[K];
  } = { ...EMPTY_STATE };

  for (const field of ['vocals', 'tempo', 'energy', 'mood'] as const) {
    const before = earlier[field];
    const now = later[field];
    if (now === undefined) {
      if (before !== undefined) (result as Record<string, unknown>)[field] = before;
      continue;
    }
    // "a singer" then "a woman" narrows, it does not contradict.
    const narrows = field === 'vocals' && (before === 'on' || now === 'on') && before !== 'off' && now !== 'off';
    if (before !== undefined && before !== now && !narrows) replaced(field, `${field} ${now}`, `${field} ${before}`);
    if (narrows && now === 'on' && before !== undefined) {
      (result as Record<string, unknown>)[field] = before;
      continue;
    }
    (result as Record<string, unknown>)[field] = now;
    if (later.sources?.[field]) sources[field] = later.sources[field];
  }
  const strength: Record<string, number> = {};
  for (const field of ['tempo', 'energy', 'mood'] as const) {
    const value = later[field] !== undefined ? later.strength?.[field] : earlier.strength?.[field];
    if (result[field] !== undefined && value !== undefined && value !== 1) strength[field] = value;
  }

  if (later.bpm) {
    const bothSet = later.bpm.min !== undefined && later.bpm.max !== undefined;
    const combined = bothSet ? later.bpm : { ...earlier.bpm, ...later.bpm };
    const contradicts = combined.min !== undefined && combined.max !== undefined && combined.min > combined.max;
    const bpm = contradicts ? later.bpm : combined;
    if (earlier.bpm && (contradicts || (bothSet && !sameBpm(earlier.bpm, later.bpm)))) {
      replaced('bpm', describeBpm(later.bpm), describeBpm(earlier.bpm));
    }
    result.bpm = { ...(bpm.min !== undefined ? { min: bpm.min } : {}), ...(bpm.max !== undefined ? { max: bpm.max } : {}) };
    sources.bpm = bpm === combined && earlier.bpm && !bothSet ? describeBpm(result.bpm) : source(later, 'bpm', describeBpm(later.bpm));
  } else if (earlier.bpm) {
    result.bpm = earlier.bpm;
  }

  const include = new Set(earlier.includeTags);
  const exclude = new Set(earlier.excludeTags);
  const weights = new Map(Object.entries(earlier.weights));
  const tagKey = (tag: string): string => `tag:${tag}`;
  const takeSource = (tag: string): void => {
    const s = later.sources?.[tagKey(tag)];
    if (s) sources[tagKey(tag)] = s;
  };

  for (const tag of later.excludeTags) {
    if (include.has(tag) || (weights.get(tag) ?? 0) > 0) {
      replaced(tagKey(tag), `no ${tag}`, include.has(tag) ? `only ${tag}` : `more ${tag}`);
      include.delete(tag);
      weights.delete(tag);
    }
    exclude.add(tag);
    takeSource(tag);
  }
  for (const tag of later.includeTags) {
    if (exclude.has(tag) || (weights.get(tag) ?? 0) < 0) {
      replaced(tagKey(tag), `only ${tag}`, exclude.has(tag) ? `no ${tag}` : `less ${tag}`);
      exclude.delete(tag);
      weights.delete(tag);
    }
    include.add(tag);
    takeSource(tag);
  }
  for (const [tag, w] of Object.entries(later.weights)) {
    const before = weights.get(tag) ?? 0;
    if (w > 0 && exclude.has(tag)) {
      replaced(tagKey(tag), `more ${tag}`, `no ${tag}`);
      exclude.delete(tag);
    }
    if (w < 0 && include.has(tag)) {
      replaced(tagKey(tag), `less ${tag}`, `only ${tag}`);
      include.delete(tag);
    }
    if (before !== 0 && Math.sign(before) !== Math.sign(w)) {
      replaced(tagKey(tag), `${w > 0 ? 'more' : 'less'} ${tag}`, `${before > 0 ? 'more' : 'less'} ${tag}`);
      weights.set(tag, w);
    } else {
      weights.set(tag, Math.max(-MAX_WEIGHT, Math.min(MAX_WEIGHT, before + w)));
    }
    takeSource(tag);
  }
  result.includeTags = [...include];
  result.excludeTags = [...exclude];
  result.weights = Object.fromEntries([...weights].filter(([, w]) => w !== 0));

  const likes = [...earlier.likeTrackIds];
  const excludedIds = [...earlier.excludeTrackIds];
  for (const id of later.likeTrackIds) {
    const at = excludedIds.indexOf(id);
    if (at >= 0) {
      excludedIds.splice(at, 1);
      replaced(`track:${id}`, `like ${id}`, `not ${id}`);
    }
    if (!likes.includes(id)) likes.push(id);
    const s = later.sources?.[`track:${id}`];
    if (s) sources[`track:${id}`] = s;
  }
  for (const id of later.excludeTrackIds) {
    const at = likes.indexOf(id);
    if (at >= 0) {
      likes.splice(at, 1);
      replaced(`track:${id}`, `not ${id}`, `like ${id}`);
    }
    if (!excludedIds.includes(id)) excludedIds.push(id);
    const s = later.sources?.[`track:${id}`];
    if (s) sources[`track:${id}`] = s;
  }
  result.likeTrackIds = likes;
  result.excludeTrackIds = excludedIds;

  const negated = options.negatedTerms ?? [...later.excludeTags, ...Object.entries(later.weights).filter(([, w]) => w < 0).map(([t]) => t)];
  // A word the later turn wants is no longer something to move away from, and the other way round; within
  // the later turn the parser has already decided ("jazz but not smooth jazz" wants jazz and avoids smooth jazz).
  const avoided = contentWords(later.negativeText ?? []);
  result.text = boundTexts([...stripTerms(stripTerms(earlier.text, negated), avoided), ...later.text]);
  const wanted = contentWords(later.text);
  const negativeText = boundTexts([...stripTerms(earlier.negativeText ?? [], wanted), ...(later.negativeText ?? [])]);
  if (negativeText.length) result.negativeText = negativeText;
  if (Object.keys(strength).length) result.strength = strength;
  result.notes = notes;
  result.sources = sources;
  return result;
}
