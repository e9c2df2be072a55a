import type { RefinementState } from '../types.js';
import { boundTexts, describeBpm, EMPTY_STATE, MAX_WEIGHT, stripTerms } from './state.js';

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
  const turns: Turns = { earlier, later, notes: [...later.notes], sources: { ...earlier.sources } };
  // In this order, so the notes read as the fields do.
  const directions = composeDirections(turns);
  const strength = composeStrengths(turns, directions);
  const bpm = composeBpm(turns);
  const tags = composeTags(turns);
  const tracks = composeTrackRefs(turns);
  const { text, negativeText } = composeTexts(earlier, later, options);
  return {
    ...EMPTY_STATE,
    ...directions,
    ...(bpm ? { bpm } : {}),
    ...tags,
    ...tracks,
    text,
    ...(negativeText.length ? { negativeText } : {}),
    ...(Object.keys(strength).length ? { strength } : {}),
    notes: turns.notes,
    sources: turns.sources,
  };
}

/** The two turns being composed, and the notes and sources the composition builds up. */
interface Turns {
  readonly earlier: RefinementState;
  readonly later: RefinementState;
  readonly notes: string[];
  readonly sources: Record<string, string>;
}

const source = (state: RefinementState, key: string, fallback: string): string => state.sources?.[key] ?? fallback;

/** Notes that the later turn's words for `key` replaced the earlier turn's. */
function noteReplaced({ earlier, later, notes }: Turns, key: string, laterFallback: string, earlierFallback: string): void {
  notes.push(`'${source(later, key, laterFallback)}' replaced the earlier '${source(earlier, key, earlierFallback)}'`);
}

type Directions = Pick<RefinementState, 'vocals' | 'tempo' | 'energy' | 'mood'>;

/** Vocals, tempo, energy and mood: the later turn's where it set one ("a singer" then "a woman" narrows instead). */
function composeDirections(turns: Turns): Directions {
  const { earlier, later } = turns;
  const result: Record<string, unknown> = {};
  for (const field of ['vocals', 'tempo', 'energy', 'mood'] as const) {
    const before = earlier[field];
    const now = later[field];
    if (now === undefined) {
      if (before !== undefined) result[field] = before;
      continue;
    }
    // "a singer" then "a woman" narrows, it does not contradict.
    const narrows = field === 'vocals' && (before === 'on' || now === 'on') && before !== 'off' && now !== 'off';
    if (before !== undefined && before !== now && !narrows) noteReplaced(turns, field, `${field} ${now}`, `${field} ${before}`);
    if (narrows && now === 'on' && before !== undefined) {
      result[field] = before;
      continue;
    }
    result[field] = now;
    if (later.sources?.[field]) turns.sources[field] = later.sources[field];
  }
  return result;
}

/** The strength of each direction kept: from the turn whose direction won. */
function composeStrengths({ earlier, later }: Turns, directions: Directions): Record<string, number> {
  const strength: Record<string, number> = {};
  for (const field of ['tempo', 'energy', 'mood'] as const) {
    const value = later[field] !== undefined ? later.strength?.[field] : earlier.strength?.[field];
    if (directions[field] !== undefined && value !== undefined && value !== 1) strength[field] = value;
  }
  return strength;
}

/** A later bound narrows the earlier range ("over 100" then "under 120"); a full range or a contradiction replaces it. */
function composeBpm(turns: Turns): RefinementState['bpm'] {
  const { earlier, later } = turns;
  if (!later.bpm) return earlier.bpm;
  const bothSet = later.bpm.min !== undefined && later.bpm.max !== undefined;
  const combined = bothSet ? later.bpm : { ...earlier.bpm, ...later.bpm };
  const contradicts = combined.min !== undefined && combined.max !== undefined && combined.min > combined.max;
  const bpm = contradicts ? later.bpm : combined;
  if (earlier.bpm && (contradicts || (bothSet && !sameBpm(earlier.bpm, later.bpm)))) {
    noteReplaced(turns, 'bpm', describeBpm(later.bpm), describeBpm(earlier.bpm));
  }
  const result = { ...(bpm.min !== undefined ? { min: bpm.min } : {}), ...(bpm.max !== undefined ? { max: bpm.max } : {}) };
  turns.sources.bpm = bpm === combined && earlier.bpm && !bothSet ? describeBpm(result) : source(later, 'bpm', describeBpm(later.bpm));
  return result;
}

function sameBpm(a: RefinementState['bpm'], b: RefinementState['bpm']): boolean {
  return a?.min === b?.min && a?.max === b?.max;
}

/** The earlier turn's tag constraints, as the later turn's are applied to them. */
interface TagSets {
  readonly include: Set<string>;
  readonly exclude: Set<string>;
  readonly weights: Map<string, number>;
}

const tagKey = (tag: string): string => `tag:${tag}`;

/** Included, excluded and weighted tags: a later constraint on a tag replaces an opposite earlier one; weights add up. */
function composeTags(turns: Turns): Pick<RefinementState, 'includeTags' | 'excludeTags' | 'weights'> {
  const { earlier, later } = turns;
  const sets: TagSets = { include: new Set(earlier.includeTags), exclude: new Set(earlier.excludeTags), weights: new Map(Object.entries(earlier.weights)) };
  const takeSource = (tag: string): void => {
    const s = later.sources?.[tagKey(tag)];
    if (s) turns.sources[tagKey(tag)] = s;
  };
  for (const tag of later.excludeTags) {
    excludeTag(turns, sets, tag);
    takeSource(tag);
  }
  for (const tag of later.includeTags) {
    includeTag(turns, sets, tag);
    takeSource(tag);
  }
  for (const [tag, w] of Object.entries(later.weights)) {
    weighTag(turns, sets, tag, w);
    takeSource(tag);
  }
  return { includeTags: [...sets.include], excludeTags: [...sets.exclude], weights: Object.fromEntries([...sets.weights].filter(([, w]) => w !== 0)) };
}

function excludeTag(turns: Turns, { include, exclude, weights }: TagSets, tag: string): void {
  if (include.has(tag) || (weights.get(tag) ?? 0) > 0) {
    noteReplaced(turns, tagKey(tag), `no ${tag}`, include.has(tag) ? `only ${tag}` : `more ${tag}`);
    include.delete(tag);
    weights.delete(tag);
  }
  exclude.add(tag);
}

function includeTag(turns: Turns, { include, exclude, weights }: TagSets, tag: string): void {
  if (exclude.has(tag) || (weights.get(tag) ?? 0) < 0) {
    noteReplaced(turns, tagKey(tag), `only ${tag}`, exclude.has(tag) ? `no ${tag}` : `less ${tag}`);
    exclude.delete(tag);
    weights.delete(tag);
  }
  include.add(tag);
}

/** A weight of the opposite sign replaces the earlier one (and an opposite hard filter); the same sign adds up, within MAX_WEIGHT. */
function weighTag(turns: Turns, { include, exclude, weights }: TagSets, tag: string, w: number): void {
  const before = weights.get(tag) ?? 0;
  if (w > 0 && exclude.has(tag)) {
    noteReplaced(turns, tagKey(tag), `more ${tag}`, `no ${tag}`);
    exclude.delete(tag);
  }
  if (w < 0 && include.has(tag)) {
    noteReplaced(turns, tagKey(tag), `less ${tag}`, `only ${tag}`);
    include.delete(tag);
  }
  if (before !== 0 && Math.sign(before) !== Math.sign(w)) {
    noteReplaced(turns, tagKey(tag), `${w > 0 ? 'more' : 'less'} ${tag}`, `${before > 0 ? 'more' : 'less'} ${tag}`);
    weights.set(tag, w);
  } else {
    weights.set(tag, Math.max(-MAX_WEIGHT, Math.min(MAX_WEIGHT, before + w)));
  }
}

/** Picks liked and excluded: liking a pick takes back its exclusion, and the other way round. */
function composeTrackRefs(turns: Turns): Pick<RefinementState, 'likeTrackIds' | 'excludeTrackIds'> {
  const { earlier, later } = turns;
  const likes = [...earlier.likeTrackIds];
  const excluded = [...earlier.excludeTrackIds];
  for (const id of later.likeTrackIds) addTrackRef(turns, id, { to: likes, from: excluded, now: 'like', before: 'not' });
  for (const id of later.excludeTrackIds) addTrackRef(turns, id, { to: excluded, from: likes, now: 'not', before: 'like' });
  return { likeTrackIds: likes, excludeTrackIds: excluded };
}

function addTrackRef(turns: Turns, id: string, lists: { to: string[]; from: string[]; now: string; before: string }): void {
  const at = lists.from.indexOf(id);
  if (at >= 0) {
    lists.from.splice(at, 1);
    noteReplaced(turns, `track:${id}`, `${lists.now} ${id}`, `${lists.before} ${id}`);
  }
  if (!lists.to.includes(id)) lists.to.push(id);
  const s = turns.later.sources?.[`track:${id}`];
  if (s) turns.sources[`track:${id}`] = s;
}

/**
 * Free text: earlier words the later turn negated leave the wanted text. A word the later turn wants is
 * no longer something to move away from, and the other way round; within the later turn the parser has
 * already decided ("jazz but not smooth jazz" wants jazz and avoids smooth jazz).
 */
function composeTexts(earlier: RefinementState, later: RefinementState, options: ComposeOptions): { text: string[]; negativeText: string[] } {
  const negated = options.negatedTerms ?? [
    ...later.excludeTags,
    ...Object.entries(later.weights)
      .filter(([, w]) => w < 0)
      .map(([t]) => t),
  ];
  const avoided = contentWords(later.negativeText ?? []);
  const text = boundTexts([...stripTerms(stripTerms(earlier.text, negated), avoided), ...later.text]);
  const wanted = contentWords(later.text);
  const negativeText = boundTexts([...stripTerms(earlier.negativeText ?? [], wanted), ...(later.negativeText ?? [])]);
  return { text, negativeText };
}

const FUNCTION_WORDS = new Set(['a', 'an', 'the', 'and', 'or', 'of', 'to', 'in', 'on', 'it', 'is', 'for', 'with', 'some', 'more', 'less', 'music', 'song', 'sound']);

/** The words of free-text entries that carry meaning (for moving a word between wanted and unwanted). */
function contentWords(texts: readonly string[]): string[] {
  return [...new Set(texts.flatMap((t) => t.toLowerCase().split(/[^a-z0-9&]+/)).filter((w) => w.length > 1 && !FUNCTION_WORDS.has(w)))];
}
