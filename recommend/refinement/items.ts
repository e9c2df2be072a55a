import { ANALOGY_BY_PHRASE, type Analogy } from './analogies.js';
import {
  CONJUNCTIONS,
  ENERGY_WORDS,
  FEMALE_WORDS,
  INSTRUMENTAL_WORDS,
  INTENSITY,
  MALE_WORDS,
  MOOD_WORDS,
  STOPWORDS,
  TEMPO_WORDS,
  TRIGGERS,
  VOCAL_WORDS,
  type Polarity,
  type ScaleWord,
} from './lexicon.js';
import type { TagVocabulary } from './vocabulary.js';

/** A phrase of one or more tokens the parser recognises, with what it means. */
export interface Item {
  readonly kind: 'trigger' | 'conj' | 'intensity' | 'vocals' | 'tempo' | 'energy' | 'mood' | 'tag' | 'analogy';
  /** How many tokens the phrase spans. */
  readonly n: number;
  readonly surface: string;
  readonly polarity?: Polarity;
  readonly strength?: number;
  readonly scale?: ScaleWord;
  readonly tags?: readonly string[];
  readonly gender?: 'female' | 'male';
  readonly instrumental?: boolean;
  readonly analogy?: Analogy;
}

const MAX_PHRASE = 5;

/** Alone, these name a singer ("has to be a woman"); "man" and "guy" alone are too often something else. */
const SINGLE_GENDER_WORDS: ReadonlySet<string> = new Set(['female', 'male', 'woman', 'women', 'girl', 'girls']);

/** Per clause, what matchAt found at each position (`null`: nothing): the scan looks ahead, so positions repeat. */
const matches = new WeakMap<readonly string[], (Item | null | undefined)[]>();

/** Longest phrase of the parser's own tables starting with each word (for the vocabulary, TagVocabulary.maxWords). */
const LEXICON_SPAN: ReadonlyMap<string, number> = (() => {
  const span = new Map<string, number>();
  const phrases = [
    ...TRIGGERS.keys(),
    ...INTENSITY.keys(),
    ...TEMPO_WORDS.keys(),
    ...ENERGY_WORDS.keys(),
    ...MOOD_WORDS.keys(),
    ...ANALOGY_BY_PHRASE.keys(),
    ...VOCAL_WORDS,
    ...INSTRUMENTAL_WORDS,
    ...CONJUNCTIONS,
  ];
  for (const phrase of phrases) {
    const words = phrase.split(' ');
    span.set(words[0]!, Math.max(span.get(words[0]!) ?? 1, words.length));
  }
  for (const w of [...FEMALE_WORDS, ...MALE_WORDS]) span.set(w, Math.max(span.get(w) ?? 1, 2));
  return span;
})();

/** The longest phrase the parser knows starting at token `i` (memoised per token array), or undefined. */
export function matchAt(tokens: readonly string[], i: number, vocabulary: TagVocabulary): Item | undefined {
  if (i >= tokens.length) return undefined;
  let memo = matches.get(tokens);
  if (!memo) matches.set(tokens, (memo = []));
  const known = memo[i];
  if (known !== undefined) return known ?? undefined;
  const found = matchUncached(tokens, i, vocabulary);
  memo[i] = found ?? null;
  return found;
}

function matchUncached(tokens: readonly string[], i: number, vocabulary: TagVocabulary): Item | undefined {
  const first = tokens[i]!;
  const span = Math.max(LEXICON_SPAN.get(first) ?? 1, vocabulary.maxWords(first));
  for (let n = Math.min(MAX_PHRASE, span, tokens.length - i); n >= 1; n--) {
    const words = tokens.slice(i, i + n);
    const phrase = words.join(' ');
    if (n === 2 && (FEMALE_WORDS.has(words[0]!) || MALE_WORDS.has(words[0]!)) && VOCAL_WORDS.has(words[1]!)) {
      return { kind: 'vocals', n, surface: phrase, gender: FEMALE_WORDS.has(words[0]!) ? 'female' : 'male' };
    }
    const item = lexiconItem(phrase, n, vocabulary);
    if (item) return item;
  }
  return undefined;
}

/** The phrase as an item of the parser's tables or the vocabulary (a lone stopword is none: n = 1 ends the search). */
function lexiconItem(phrase: string, n: number, vocabulary: TagVocabulary): Item | undefined {
  if (INSTRUMENTAL_WORDS.has(phrase)) return { kind: 'vocals', n, surface: phrase, instrumental: true };
  if (VOCAL_WORDS.has(phrase)) return { kind: 'vocals', n, surface: phrase };
  if (n === 1 && SINGLE_GENDER_WORDS.has(phrase)) return { kind: 'vocals', n, surface: phrase, gender: FEMALE_WORDS.has(phrase) ? 'female' : 'male' };
  const analogy = ANALOGY_BY_PHRASE.get(phrase);
  if (analogy) return { kind: 'analogy', n, surface: phrase, analogy };
  const tempo = TEMPO_WORDS.get(phrase);
  if (tempo) return { kind: 'tempo', n, surface: phrase, scale: tempo };
  const energy = ENERGY_WORDS.get(phrase);
  if (energy) return { kind: 'energy', n, surface: phrase, scale: energy, tags: vocabulary.resolve(phrase) };
  const mood = MOOD_WORDS.get(phrase);
  if (mood) return { kind: 'mood', n, surface: phrase, scale: mood, tags: vocabulary.resolve(phrase) };
  const polarity = TRIGGERS.get(phrase);
  if (polarity) return { kind: 'trigger', n, surface: phrase, polarity };
  const strength = INTENSITY.get(phrase);
  if (strength !== undefined) return { kind: 'intensity', n, surface: phrase, strength };
  if (CONJUNCTIONS.has(phrase)) return { kind: 'conj', n, surface: phrase };
  if (n === 1 && STOPWORDS.has(phrase)) return undefined;
  const tags = vocabulary.resolve(phrase);
  if (tags.length > 0) return { kind: 'tag', n, surface: phrase, tags };
  // "jazzy", "bluesy", "folkish": a tag with an adjective ending.
  const base = n === 1 ? /^([a-z&]{3,}?)(?:y|ish|sy)$/.exec(phrase)?.[1] : undefined;
  const derived = base ? vocabulary.resolve(base) : [];
  if (derived.length > 0) return { kind: 'tag', n, surface: phrase, tags: derived };
  return undefined;
}
