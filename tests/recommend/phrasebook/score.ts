import { shippedVocabulary as shipped } from '../../../recommend/catalog-vocabulary.js';
import { applyRefinement } from '../../../recommend/refinement/apply.js';
import { CONJUNCTIONS, INTENSITY, STOPWORDS, TRIGGERS } from '../../../recommend/refinement/lexicon.js';
import { EMPTY_STATE } from '../../../recommend/refinement/state.js';
import type { TagVocabulary } from '../../../recommend/refinement/vocabulary.js';
import type { RefinementState } from '../../../recommend/types.js';
import { CATEGORIES, type Category, type Phrasing, type Reading } from './types.js';

/** The five picks "shown" before every phrasing, so "#2" and "the last one" resolve. */
export const SHOWN = ['p1', 'p2', 'p3', 'p4', 'p5'] as const;

const IGNORED = new Set<string>([...STOPWORDS, ...CONJUNCTIONS, ...[...TRIGGERS.keys(), ...INTENSITY.keys()].flatMap((p) => p.split(' '))]);

const contentWords = (texts: readonly string[] | undefined): string =>
  [...new Set((texts ?? []).flatMap((t) => t.toLowerCase().split(/[^\p{L}\p{N}&]+/u)).filter((w) => w && !IGNORED.has(w)))].sort().join(' ');

const direction = (value: string | undefined, strength: number | undefined): string | undefined =>
  value === undefined ? undefined : strength === undefined || strength === 1 ? value : `${value}*${strength}`;

/** The state, reduced to the fields a Reading names, in the same notation. */
export function reading(state: RefinementState): Required<Pick<Reading, 'text' | 'neg'>> & Reading {
  const position = (id: string): number => SHOWN.indexOf(id as (typeof SHOWN)[number]) + 1;
  const corrected = state.notes.flatMap((n) => [...n.matchAll(/read '([^']+)' as '([^']+)'/g)].map((m) => `${m[1]}>${m[2]}`)).filter((c) => !c.includes(' '));
  return {
    ...(state.includeTags.length ? { include: [...state.includeTags].sort() } : {}),
    ...(state.excludeTags.length ? { exclude: [...state.excludeTags].sort() } : {}),
    ...(Object.keys(state.weights).length ? { weights: { ...state.weights } } : {}),
    ...(state.vocals ? { vocals: state.vocals } : {}),
    ...(state.bpm ? { bpm: { ...state.bpm } } : {}),
    ...(state.tempo ? { tempo: direction(state.tempo, state.strength?.tempo)! } : {}),
    ...(state.energy ? { energy: direction(state.energy, state.strength?.energy)! } : {}),
    ...(state.mood ? { mood: direction(state.mood, state.strength?.mood)! } : {}),
    ...(state.likeTrackIds.length ? { like: state.likeTrackIds.map(position) } : {}),
    ...(state.excludeTrackIds.length ? { notLike: state.excludeTrackIds.map(position) } : {}),
    text: contentWords(state.text),
    neg: contentWords(state.negativeText),
    ...(corrected.length ? { corrected } : {}),
  };
}

function normalizeExpected(expect: Reading): Record<string, unknown> {
  const out: Record<string, unknown> = { ...expect, text: contentWords(expect.text ? [expect.text] : []), neg: contentWords(expect.neg ? [expect.neg] : []) };
  if (expect.include) out.include = [...expect.include].sort();
  if (expect.exclude) out.exclude = [...expect.exclude].sort();
  return out;
}

export interface Outcome {
  readonly phrasing: Phrasing;
  readonly ok: boolean;
  readonly got: Record<string, unknown>;
  readonly want: Record<string, unknown>;
}

export type Apply = (state: RefinementState, text: string, shown: readonly string[]) => RefinementState;

export const ruleApply =
  (vocabulary: TagVocabulary): Apply =>
  (state, text, shown) =>
    applyRefinement(state, text, { vocabulary, shown });

export function score(phrasings: readonly Phrasing[], apply: Apply): Outcome[] {
  return phrasings.map((phrasing) => {
    let state = EMPTY_STATE;
    for (const earlier of phrasing.before ?? []) state = apply(state, earlier, SHOWN);
    state = apply(state, phrasing.say, SHOWN);
    const got = reading(state) as unknown as Record<string, unknown>;
    const want = normalizeExpected(phrasing.expect);
    return { phrasing, ok: JSON.stringify(sortKeys(got)) === JSON.stringify(sortKeys(want)), got, want };
  });
}

function sortKeys(value: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(value)
      .filter(([, v]) => v !== undefined && v !== '')
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([k, v]) => [k, v && typeof v === 'object' && !Array.isArray(v) ? sortKeys(v as Record<string, unknown>) : v]),
  );
}

export interface CategoryAccuracy {
  readonly category: Category;
  readonly passed: number;
  readonly total: number;
}

export function accuracyByCategory(outcomes: readonly Outcome[]): CategoryAccuracy[] {
  return CATEGORIES.map((category) => {
    const mine = outcomes.filter((o) => o.phrasing.category === category);
    return { category, passed: mine.filter((o) => o.ok).length, total: mine.length };
  });
}

export const shippedVocabulary = (): TagVocabulary => shipped();
