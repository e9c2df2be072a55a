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

const stateSchema = z.object({
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
  notes: z.array(z.string()),
  sources: z.record(z.string(), z.string()).optional(),
});

/** Checks stored JSON (a bot's SQLite row, a session snapshot) and returns it as a state. */
export function restoreState(json: unknown): RefinementState {
  const parsed = stateSchema.safeParse(typeof json === 'string' ? safeJson(json) : json);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new InputError('INPUT_INVALID', `Stored refinement state is invalid: ${issues.join('; ')}`, { issues });
  }
  return stripUndefined(parsed.data) as RefinementState;
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
    if (before !== undefined && before !== now) replaced(field, `${field} ${now}`, `${field} ${before}`);
    (result as Record<string, unknown>)[field] = now;
    if (later.sources?.[field]) sources[field] = later.sources[field];
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
  result.text = [...stripTerms(earlier.text, negated), ...later.text];
  result.notes = notes;
  result.sources = sources;
  return result;
}
