import { matchAt } from './items.js';
import { STOPWORDS } from './lexicon.js';
import type { Lift } from './state.js';
import type { TagVocabulary } from './vocabulary.js';

/** What the lifting clauses of one turn name, gathered clause by clause. */
export interface LiftReading {
  readonly tags: Set<string>;
  vocals: boolean;
  tempo: boolean;
  energy: boolean;
  mood: boolean;
  readonly terms: string[];
  readonly phrases: string[];
}

export function emptyLiftReading(): LiftReading {
  return { tags: new Set(), vocals: false, tempo: false, energy: false, mood: false, terms: [], phrases: [] };
}

/** The turn's lift, when any clause lifted something. */
export function liftOf(lifts: LiftReading): Lift | undefined {
  if (lifts.phrases.length === 0) return undefined;
  return { tags: [...lifts.tags], vocals: lifts.vocals, tempo: lifts.tempo, energy: lifts.energy, mood: lifts.mood, terms: lifts.terms, phrase: lifts.phrases.join(', ') };
}

const LIFT_WORDS: ReadonlySet<string> = new Set(['fine', 'okay', 'alright', 'allowed', 'acceptable', 'mind', 'back', 'allow', 'unban', 'longer', 'problem', 'issue', 'after']);

/** "drums are fine now", "any tempo is fine", "I don't mind strings": what the clause names is lifted. */
export function liftClause(tokens: readonly string[], phrase: string, vocabulary: TagVocabulary, lifts: LiftReading): void {
  lifts.phrases.push(phrase);
  for (let i = 0; i < tokens.length;) {
    const item = matchAt(tokens, i, vocabulary);
    if (!item) {
      const word = tokens[i]!;
      if (!STOPWORDS.has(word) && !LIFT_WORDS.has(word)) lifts.terms.push(word);
      i += 1;
      continue;
    }
    i += item.n;
    if (item.kind === 'vocals') {
      if (item.gender) {
        for (const t of vocabulary.tagsInGroup('vocals')) if (item.gender === 'female' ? /female/.test(t) : /(^|[^e])male/.test(t)) lifts.tags.add(t);
      } else lifts.vocals = true;
      for (const t of vocabulary.tagsInGroup('vocals')) if (!/instrumental/.test(t)) lifts.tags.add(t);
    } else if (item.kind === 'tempo') lifts.tempo = true;
    else if (item.kind === 'energy' || item.kind === 'mood') {
      for (const t of item.tags ?? []) lifts.tags.add(t);
      lifts.terms.push(item.surface);
      if (item.scale!.direction === 'neutral' || (item.tags ?? []).length === 0) lifts[item.kind] = true;
    } else if (item.kind === 'tag') for (const t of item.tags ?? []) lifts.tags.add(t);
    else if (item.kind === 'analogy') lifts.terms.push(item.surface);
  }
}
