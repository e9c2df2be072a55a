import type { RefinementState } from '../types.js';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** One phrase's contribution to the turn ("faster" sets the tempo), folded in reading order at the end. */
export type Effect = Partial<Mutable<RefinementState>>;

/** What the parser has read of one turn so far; each step adds to it. */
export interface TurnReading {
  readonly effects: Effect[];
  readonly notes: string[];
  /** Words negated anywhere in the turn: never kept as wanted text. */
  readonly negatedTerms: string[];
  readonly texts: string[];
  readonly negativeTexts: string[];
  /** Analogies applied in this turn ("a western saloon" names one scene twice). */
  readonly analogies: Set<string>;
  /** Tag -> the words that asked for it in this turn ("jazz"), so a narrower negation ("not smooth jazz") does not drop it. */
  readonly wanted: Map<string, string>;
}

export function emptyReading(): TurnReading {
  return { effects: [], notes: [], negatedTerms: [], texts: [], negativeTexts: [], analogies: new Set(), wanted: new Map() };
}
