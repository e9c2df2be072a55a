/**
 * The phrasebook: refinement phrasings written for issue #17, each with the state a person would
 * expect. `held-out.ts` was written and committed before any tuning and is never tuned against;
 * `tuning.ts` is the part the rule parser was developed with.
 */

export const CATEGORIES = ['vocals', 'instruments', 'tempo', 'energy', 'mood', 'genre', 'references', 'negation', 'lifting', 'complaints', 'analogies', 'typos', 'clauses', 'nonsense'] as const;
export type Category = (typeof CATEGORIES)[number];

/**
 * What a refinement should leave in the state, compared field by field with the actual state; an
 * absent field means "nothing there". Directions carry a strength as `faster*0.5` (default 1).
 * `text` / `neg` are the content words of the positive / negative free text (stopwords ignored),
 * space separated, compared as sets. `like` / `notLike` are positions in the five picks shown.
 * `corrected` lists the typo corrections the notes must report (`pinao>piano`); none otherwise.
 */
export interface Reading {
  readonly include?: readonly string[];
  readonly exclude?: readonly string[];
  readonly weights?: Readonly<Record<string, number>>;
  readonly vocals?: 'on' | 'off' | 'female' | 'male';
  readonly bpm?: { readonly min?: number; readonly max?: number };
  readonly tempo?: string;
  readonly energy?: string;
  readonly mood?: string;
  readonly like?: readonly number[];
  readonly notLike?: readonly number[];
  readonly text?: string;
  readonly neg?: string;
  readonly corrected?: readonly string[];
}

export interface Phrasing {
  readonly category: Category;
  /** Earlier turns, applied first (for lifting and conversations). */
  readonly before?: readonly string[];
  readonly say: string;
  readonly expect: Reading;
}

export const DRUMS = ['drums', 'electronic drums', 'percussion'] as const;
export const GUITARS = ['acoustic guitar', 'electric guitar'] as const;
export const SINGING = ['female vocals', 'male vocals'] as const;

export const weights = (tags: readonly string[], w: number): Record<string, number> => Object.fromEntries(tags.map((t) => [t, w]));
