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

const strengthSchema = z.number().positive().max(MAX_WEIGHT);
const baseStateSchema = z.object({
  includeTags: z.array(z.string()),
  excludeTags: z.array(z.string()),
  weights: z.record(z.string(), z.number()),
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
    'vocals',
    'bpm',
    'tempo',
    'energy',
    'mood',
    ...[...state.includeTags, ...state.excludeTags, ...Object.keys(state.weights)].map((t) => `tag:${t}`),
    ...[...likeTrackIds, ...excludeTrackIds].map((id) => `track:${id}`),
  ]);
  const sources = Object.fromEntries(Object.entries(state.sources ?? {}).filter(([key]) => live.has(key)));
  const negativeText = boundTexts(state.negativeText ?? []);
  const previous = state.previous;
  return {
    ...without(without(state, 'negativeText'), 'previous'),
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
  return without(state, 'previous');
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** The object without one key (the others in their order). */
function without<T extends object>(value: T, key: keyof T): T {
  return Object.fromEntries(Object.entries(value).filter(([k]) => k !== key)) as T;
}

function stripUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
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
    .map((t) =>
      t
        .replace(pattern, ' ')
        .replace(/\s+/g, ' ')
        .replace(/^[\s,]+|[\s,]+$/g, '')
        .trim(),
    )
    .filter((t) => /[a-z0-9]/i.test(t));
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
  let next: { -readonly [K in keyof RefinementState]: RefinementState[K] } = { ...state, excludeTags, weights };
  // Lifting singing lifts "no vocals" and the down-weights of the singing tags; a named gender lifts its exclusion only.
  if (lift.vocals && state.vocals !== undefined) {
    delete next.vocals;
    lifted.push(state.sources?.vocals ?? (state.vocals === 'off' ? 'no vocals' : `${state.vocals} vocals`));
  }
  const dropDirection = (field: 'tempo' | 'energy' | 'mood'): void => {
    if (state[field] === undefined) return;
    lifted.push(state.sources?.[field] ?? `${field} ${state[field]}`);
    next = without(next, field);
    if (next.strength) {
      const strength = without(next.strength, field);
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
  const notes = lifted.length ? [`'${lift.phrase}' lifted ${lifted.map((l) => `'${l}'`).join(', ')}`] : [`'${lift.phrase}': nothing earlier excluded that, so nothing changed`];
  return { state: next, notes };
}
