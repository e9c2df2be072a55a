import { ANALOGY_BY_PHRASE } from './analogies.js';
import { ENERGY_WORDS, FEMALE_WORDS, INSTRUMENTAL_WORDS, MALE_WORDS, MOOD_WORDS, STOPWORDS, TEMPO_WORDS, TRIGGERS, VOCAL_WORDS } from './lexicon.js';
import { TypoCorrector } from './typos.js';
import type { TagVocabulary } from './vocabulary.js';
import { isDictionaryWord } from './words.js';

/** Lower case, plain quotes and dashes, apostrophes inside words dropped ("don't" -> "dont"). */
export function normalize(text: string): string {
  return text
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[\u2018\u2019\u02bc`]/g, "'")
    .replace(/[\u2013\u2014]/g, '-')
    .replace(/(\w)'(\w)/g, '$1$2')
    .replace(/'/g, ' ');
}

/** Words the parser itself understands, for typo correction besides the vocabulary's words. */
const CONTROL_WORDS: ReadonlySet<string> = new Set(
  [...TRIGGERS.keys(), ...VOCAL_WORDS, ...FEMALE_WORDS, ...MALE_WORDS, ...INSTRUMENTAL_WORDS, ...TEMPO_WORDS.keys(), ...ENERGY_WORDS.keys(), ...MOOD_WORDS.keys(), ...ANALOGY_BY_PHRASE.keys()]
    .flatMap((p) => p.split(' '))
    .filter((w) => w.length >= 3 && !STOPWORDS.has(w)),
);

const correctors = new WeakMap<TagVocabulary, TypoCorrector>();
function correctorFor(vocabulary: TagVocabulary): TypoCorrector {
  let corrector = correctors.get(vocabulary);
  if (!corrector) {
    const sameTags = (a: string, b: string): boolean => {
      const ta = vocabulary.resolve(a).join('|');
      return ta !== '' && ta === vocabulary.resolve(b).join('|');
    };
    corrector = new TypoCorrector([...CONTROL_WORDS, ...vocabulary.words], sameTags);
    correctors.set(vocabulary, corrector);
  }
  return corrector;
}

/** A clause's words, typos corrected and unknown tokens dropped (each with a note). */
export function clauseTokens(clause: string, vocabulary: TagVocabulary, notes: string[]): string[] {
  const tokens = clause
    .replace(/(\p{L})-(\p{L})/gu, '$1 $2')
    .split(/[^\p{L}\p{N}&#/+]+/u)
    .filter(Boolean);
  cleanTokens(tokens, vocabulary, correctorFor(vocabulary), notes);
  return tokens;
}

/** A non-English, non-music token: corrected when one word is clearly meant, else dropped with a note. */
function cleanTokens(tokens: string[], vocabulary: TagVocabulary, corrector: TypoCorrector, notes: string[]): void {
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    if (/^\d+$/.test(token)) {
      notes.push(`ignored '${token}': a number needs a unit (BPM) or a '#' for a pick`);
      tokens.splice(i--, 1);
      continue;
    }
    if (!/^\p{L}+$/u.test(token) || isKnownToken(token, vocabulary, corrector)) continue;
    const fixed = /^[a-z]+$/.test(token) ? corrector.correct(token) : undefined;
    if (fixed) {
      tokens[i] = fixed;
      notes.push(`read '${token}' as '${fixed}'`);
      continue;
    }
    notes.push(`ignored '${token}': not a word I know`);
    tokens.splice(i--, 1);
  }
}

function isKnownToken(token: string, vocabulary: TagVocabulary, corrector: TypoCorrector): boolean {
  if (token.length < 2 || STOPWORDS.has(token) || corrector.has(token) || vocabulary.words.has(token) || isDictionaryWord(token)) return true;
  if (token.length > 3 && token.endsWith('s') && isDictionaryWord(token.slice(0, -1))) return true;
  return vocabulary.resolve(token).length > 0;
}

const POSTFIX_NEGATIONS: ReadonlySet<string> = new Set(['no', 'not', 'none', 'nope']);
const POSTFIX_OFF: ReadonlySet<string> = new Set(['off', 'out']);
const POSTFIX_FILLERS: ReadonlySet<string> = new Set(['yes', 'please', 'pls', 'ok', 'yeah']);
const namesSomething = (word: string, vocabulary: TagVocabulary): boolean => VOCAL_WORDS.has(word) || vocabulary.resolve(word).length > 0;

/** Puts a trailing negation first ("bass no" -> "no bass", "vocals off" -> "no vocals") and drops trailing fillers ("please"). */
export function frontPostfixNegation(tokens: string[], vocabulary: TagVocabulary): void {
  // "bass no", "vocals none": a trailing negation applies to what came before it.
  if (tokens.length >= 2 && POSTFIX_NEGATIONS.has(tokens.at(-1)!)) tokens.unshift(tokens.pop()!);
  // "vocals off", "drums out": off/out after what it switches off.
  else if (tokens.length >= 2 && POSTFIX_OFF.has(tokens.at(-1)!) && namesSomething(tokens.at(-2)!, vocabulary)) {
    tokens.pop();
    tokens.unshift('no');
  }
  while (tokens.length > 1 && POSTFIX_FILLERS.has(tokens.at(-1)!)) tokens.pop();
}
