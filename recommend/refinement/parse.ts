import type { RefinementState } from '../types.js';
import { ANALOGY_BY_PHRASE, type Analogy } from './analogies.js';
import {
  COMPLAINT_WORDS_ALONE,
  CONJUNCTIONS,
  ENERGY_WORDS,
  FEMALE_WORDS,
  INSTRUMENTAL_WORDS,
  INTENSITY,
  LIFT_CUE,
  MALE_WORDS,
  MOOD_WORDS,
  ORDINALS,
  RESET_PHRASES,
  STOPWORDS,
  TEMPO_WORDS,
  TRIGGERS,
  UNDO_PHRASES,
  VOCAL_WORDS,
  type Polarity,
  type ScaleWord,
} from './lexicon.js';
import { composeStates, EMPTY_STATE, MAX_WEIGHT, stripTerms, type Lift } from './state.js';
import { TypoCorrector } from './typos.js';
import type { TagVocabulary } from './vocabulary.js';
import { isDictionaryWord } from './words.js';

/** A "#n" reference to a pick shown earlier (1-based; -1 the last, -2 the one before; 'all' every one), resolved by the caller. */
export interface TrackRef {
  readonly kind: 'like' | 'exclude';
  readonly position: number | 'all';
  readonly phrase: string;
}

export interface ParsedRefinement {
  /** What this turn says, as a state to compose on top of the conversation (refs not yet resolved). */
  readonly delta: RefinementState;
  readonly refs: readonly TrackRef[];
  /** Words this turn negated; removed from earlier free text so no encoder sees them as wanted. */
  readonly negatedTerms: readonly string[];
  /** The turn asked to start over, or to take back the previous turn. */
  readonly action?: 'reset' | 'undo';
  /** Earlier exclusions this turn takes back ("drums are fine now"). */
  readonly lift?: Lift;
}

export interface ParseOptions {
  readonly vocabulary: TagVocabulary;
}

export const BPM_LIMITS = { min: 30, max: 300 } as const;
/** "around 120 BPM" accepts this fraction either side. */
export const BPM_TOLERANCE = 0.08;

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
type Effect = Partial<Mutable<RefinementState>>;

const NUM = String.raw`(\d{2,3}(?:\.\d+)?)`;
const UNIT = String.raw`\s*(?:bpm|b\.p\.m\.?|beats\s+(?:per|a)\s+min(?:ute)?)\b`;
type BpmKind = 'range' | 'min' | 'max' | 'around';
const BPM_PATTERNS: readonly (readonly [BpmKind, RegExp])[] = [
  ['range', String.raw`(?:(?:bpm|tempo)\s+(?:of\s+|between\s+|from\s+)?|between\s+|from\s+)?${NUM}\s*(?:-|to|and)\s*${NUM}${UNIT}`],
  ['range', String.raw`(?:bpm|tempo)\s+(?:of\s+|between\s+|from\s+)?${NUM}\s*(?:-|to|and)\s*${NUM}\b`],
  ['min', String.raw`(?:no|not)\s+(?:less|slower|lower)\s+than\s*${NUM}${UNIT}`],
  ['max', String.raw`(?:no|not)\s+(?:more|faster|higher|quicker)\s+than\s*${NUM}${UNIT}`],
  ['max', String.raw`${NUM}${UNIT}\s+(?:or\s+(?:less|slower|lower|under|below)|max(?:imum)?|tops|at\s+most)\b`],
  ['min', String.raw`${NUM}${UNIT}\s+(?:or\s+(?:more|faster|higher|above|over)|min(?:imum)?|and\s+up|at\s+least)\b`],
  ['min', String.raw`${NUM}\s*\+${UNIT}`],
  ['max', String.raw`(?:under|below|beneath|less\s+than|slower\s+than|lower\s+than|at\s+most|max(?:imum)?(?:\s+of)?|up\s+to|<=?|sub|tops)\s*${NUM}${UNIT}`],
  ['min', String.raw`(?:over|above|more\s+than|faster\s+than|higher\s+than|quicker\s+than|at\s+least|min(?:imum)?(?:\s+of)?|>=?|beyond)\s*${NUM}${UNIT}`],
  ['around', String.raw`(?:(?:around|about|approximately|approx\.?|roughly|near|close\s+to|circa|~|at)\s*)?${NUM}${UNIT}`],
  ['around', String.raw`(?:bpm|tempo)\s+(?:of\s+|around\s+|about\s+|near\s+)?${NUM}\b`],
].map(([kind, source]) => [kind as BpmKind, new RegExp(source!, 'g')] as const);

const ORDINAL_WORDS = 'first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|last|1st|2nd|3rd|[4-9]th|10th';
const REF_TARGET = String.raw`(?:#\s*(\d{1,2})\b|(?:number|nr\.?|track|pick|option|song|result)\s*#?\s*(\d{1,2})\b|(?:the\s+)?(${ORDINAL_WORDS})(?:\s+(?:one|pick|track|song|option|result))?\b|(\d{1,2})\b(?!\s*(?:bpm|beats|%|\.\d)))`;
const EXCLUDE_REF = String.raw`not|no|drop|remove|skip|hide|exclude|ditch|lose|scrap|toss|forget(?:\s+about)?|without|get\s+rid\s+of|never|nix|ban|less\s+like|nothing\s+like|not\s+like|dont\s+like|do\s+not\s+like|didnt\s+like|hate|hated|dislike|disliked|no\s+more|anything\s+but|everything\s+but|other\s+than|except(?:\s+for)?|apart\s+from|aside\s+from|unlike|different\s+from|instead\s+of|rather\s+than|not\s+a\s+fan\s+of|not\s+into`;
/** "#2 was the best", "the first one is wrong": a pick judged by what follows it. */
const GOOD_VERDICT = String.raw`(?:the\s+|my\s+)?(?:best|perfect|great|good|close|closest|closer|nice|right|it|spot\s+on|almost\s+there|ideal|favou?rite|the\s+one|lovely|awesome|excellent|nearly\s+there)`;
const BAD_VERDICT = String.raw`(?:all\s+)?(?:bad|wrong|awful|terrible|horrible|off|meh|boring|rubbish|no\s+good|not\s+(?:it|right|good|great)|the\s+worst|worse)`;
const VERDICT_VERB = String.raw`\s+(?:is|was|are|were|s|seems|sounds|sounded)\s+(?:really\s+|pretty\s+|so\s+|quite\s+|very\s+)?`;
const REF_PATTERNS: readonly (readonly ['like' | 'exclude', RegExp])[] = [
  ['exclude', new RegExp(String.raw`\b${REF_TARGET}${VERDICT_VERB}${BAD_VERDICT}\b`, 'g')],
  ['like', new RegExp(String.raw`\b${REF_TARGET}${VERDICT_VERB}${GOOD_VERDICT}\b`, 'g')],
  ['exclude', new RegExp(String.raw`\b(?:${EXCLUDE_REF})\s+(?:(?:anything|something|stuff)\s+(?:like|similar\s+to)\s+)?${REF_TARGET}`, 'g')],
  ['like', new RegExp(String.raw`\b(?:(?:(?:a\s+)?(?:bit|little|lot)\s+)?more\s+|something\s+|anything\s+|stuff\s+|i\s+|even\s+more\s+)?(?:like|similar\s+to|closer\s+to|in\s+the\s+style\s+of|same\s+vibe\s+as|along\s+the\s+lines\s+of|the\s+same\s+as|same\s+as|liked|loved|love|keep|go\s+with|based\s+on)\s+${REF_TARGET}`, 'g')],
  ['like', new RegExp(String.raw`#\s*(\d{1,2})\b()()()`, 'g')],
  ['like', new RegExp(String.raw`\b()(?:number|nr\.?|pick|option)\s*#?\s*(\d{1,2})\b()()`, 'g')],
  // "the 2nd one but darker": an ordinal naming a pick, with nothing negating it, means that one.
  ['like', new RegExp(String.raw`\b()()(?:the\s+)?(${ORDINAL_WORDS})\s+(?:one|pick|track|song|option|result)\b()`, 'g')],
];
const GROUP_COUNT: ReadonlyMap<string, number> = new Map([['two', 2], ['three', 3], ['four', 4], ['2', 2], ['3', 3], ['4', 4]]);
const PICK_GROUP = String.raw`(?:the\s+)?(first|top|last|bottom)\s+(two|three|four|2|3|4)(?:\s+(?:ones|picks|tracks|songs|options|results))?`;
/** "drop the first two", "the last three are wrong", "keep the top two": several picks named at once. */
const GROUP_PATTERNS: readonly (readonly ['like' | 'exclude', RegExp])[] = [
  ['exclude', new RegExp(String.raw`\b(?:${EXCLUDE_REF})\s+${PICK_GROUP}\b`, 'g')],
  ['exclude', new RegExp(String.raw`\b${PICK_GROUP}${VERDICT_VERB}${BAD_VERDICT}\b`, 'g')],
  ['like', new RegExp(String.raw`\b(?:(?:more\s+)?like|liked|loved|keep|go\s+with|closer\s+to|similar\s+to)\s+${PICK_GROUP}\b`, 'g')],
  ['like', new RegExp(String.raw`\b${PICK_GROUP}${VERDICT_VERB}${GOOD_VERDICT}\b`, 'g')],
];

/** "none of these", "all of those are wrong", "different ones": every pick shown is excluded. */
const EXCLUDE_ALL = /\b(?:none\s+of\s+(?:these|those|them|the\s+above|this\s+list|the\s+picks|the\s+songs|the\s+tracks)|not\s+any\s+of\s+(?:these|those|them)|(?:all\s+of\s+)?(?:these|those|them|they)\s+(?:are|were|all)\s+(?:all\s+)?(?:bad|wrong|terrible|awful|off|no\s+good|meh|boring)|(?:something|anything)\s+(?:completely\s+|totally\s+)?(?:else|different)\s+(?:than|from)\s+(?:these|those|them)|(?:show\s+me\s+)?(?:different|other|new)\s+(?:ones|picks|songs|tracks|options)|neither\s+of\s+(?:these|those))\b/g;

const APPROVAL =
  /\b(?:would|could|might|will|itd|thatd|thisd)\s+(?:be|sound|make\s+it)\s+(?:really\s+|so\s+|pretty\s+|very\s+|super\s+|kind\s+of\s+)?(?:fun|nice|cool|great|good|awesome|lovely|neat|perfect|ideal|interesting|better|amazing|sweet)\b/g;

const POSTFIX_NEGATIONS: ReadonlySet<string> = new Set(['no', 'not', 'none', 'nope']);
const POSTFIX_OFF: ReadonlySet<string> = new Set(['off', 'out']);
const namesSomething = (word: string, vocabulary: TagVocabulary): boolean => VOCAL_WORDS.has(word) || vocabulary.resolve(word).length > 0;
const POSTFIX_FILLERS: ReadonlySet<string> = new Set(['yes', 'please', 'pls', 'ok', 'yeah']);

const CLAUSE_SPLIT = /[,;.!?|()]+|\b(?:but|though|although|however|whereas|yet)\b/;

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

function normalize(text: string): string {
  return text
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[\u2018\u2019\u02bc`]/g, "'")
    .replace(/[\u2013\u2014]/g, '-')
    .replace(/(\w)'(\w)/g, '$1$2')
    .replace(/'/g, ' ');
}

function ordinalPosition(word: string): number | undefined {
  return ORDINALS.get(word);
}

interface Item {
  readonly kind: 'trigger' | 'conj' | 'intensity' | 'vocals' | 'tempo' | 'energy' | 'mood' | 'tag' | 'analogy';
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

/**
 * Parses one refinement turn ("no vocals, a bit faster, more like #2") into structured constraints.
 * Negated words ("no drums", "less piano", "too cheesy") become exclusions, down-weights or negative
 * text and are never kept as wanted text, so no encoder is asked to understand "no". Linear in the
 * input: a bounded number of regular-expression passes, then one left-to-right scan per clause with
 * hash look-ups (typos through a deletion index).
 */
export function parseRefinement(input: string, options: ParseOptions): ParsedRefinement {
  const { vocabulary } = options;
  const notes: string[] = [];
  const effects: Effect[] = [];
  const refs: TrackRef[] = [];
  const negatedTerms: string[] = [];
  const texts: string[] = [];
  const negativeTexts: string[] = [];
  const lifts: LiftSink = { tags: new Set(), vocals: false, tempo: false, energy: false, mood: false, terms: [], phrases: [] };
  const analogies = new Set<string>();
  const wanted = new Map<string, string>();
  let s = normalize(input);

  const bare = s.replace(/[^a-z ]+/g, ' ').replace(/\s+/g, ' ').trim();
  if (RESET_PHRASES.has(bare)) return { ...NOTHING, action: 'reset' };
  if (UNDO_PHRASES.has(bare)) return { ...NOTHING, action: 'undo' };

  for (const [kind, pattern] of /bpm|b\.p\.m|beats|tempo/.test(s) ? BPM_PATTERNS : []) {
    s = s.replace(pattern, (match: string, a: string, b?: string) => {
      const phrase = match.trim();
      const x = Number(a);
      const y = kind === 'range' ? Number(b) : undefined;
      const values = y === undefined ? [x] : [x, y];
      if (values.some((v) => v < BPM_LIMITS.min || v > BPM_LIMITS.max)) {
        notes.push(`ignored '${phrase}': a tempo must be between ${BPM_LIMITS.min} and ${BPM_LIMITS.max} BPM`);
        return ' ; ';
      }
      let bpm: { min?: number; max?: number };
      if (kind === 'range') bpm = { min: Math.min(x, y!), max: Math.max(x, y!) };
      else if (kind === 'min') bpm = { min: x };
      else if (kind === 'max') bpm = { max: x };
      else bpm = { min: Math.round(x * (1 - BPM_TOLERANCE)), max: Math.round(x * (1 + BPM_TOLERANCE)) };
      effects.push({ bpm, sources: { bpm: phrase } });
      return ' ; ';
    });
  }

  // "a banjo would be fun", "that'd be nice": approval of what was named, not a mood or a wish of its own.
  s = s.replace(APPROVAL, ' ');

  // "nothing but jazz" is "only jazz"; "anything but jazz" is "no jazz" (before "but" splits clauses).
  s = s
    .replace(/\bnothing\s+but\b/g, ' only ')
    .replace(/\b(?:anything|everything|something|whatever|all)\s+(?:else\s+)?(?:but|except(?:\s+for)?|other\s+than|apart\s+from|aside\s+from|save\s+for)\b/g, ' no ');

  s = s.replace(EXCLUDE_ALL, (match: string) => {
    refs.push({ kind: 'exclude', position: 'all', phrase: match.trim() });
    return ' ; ';
  });
  for (const [kind, pattern] of /first|top|last|bottom/.test(s) ? GROUP_PATTERNS : []) {
    s = s.replace(pattern, (match: string, end: string, count: string) => {
      const n = GROUP_COUNT.get(count)!;
      const fromEnd = end === 'last' || end === 'bottom';
      for (let k = 1; k <= n; k++) refs.push({ kind, position: fromEnd ? k - n - 1 : k, phrase: match.trim() });
      return ' ; ';
    });
  }
  for (const [kind, pattern] of /#|\d|first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|last/.test(s) ? REF_PATTERNS : []) {
    s = s.replace(pattern, (match: string, hash?: string, numbered?: string, ordinal?: string, digit?: string) => {
      const phrase = match.trim();
      const position = hash || numbered || digit ? Number(hash || numbered || digit) : ordinal === 'last' ? -1 : ordinalPosition(ordinal ?? '');
      if (position === undefined || position === 0) return match;
      refs.push({ kind, position, phrase });
      return ' ; ';
    });
  }

  const corrector = correctorFor(vocabulary);
  for (const clause of s.split(CLAUSE_SPLIT)) {
    const tokens = clause
      .replace(/(\p{L})-(\p{L})/gu, '$1 $2')
      .split(/[^\p{L}\p{N}&#/+]+/u)
      .filter(Boolean);
    cleanTokens(tokens, vocabulary, corrector, notes);
    if (tokens.length === 0) continue;
    const sink: Sink = { effects, notes, negatedTerms, texts, negativeTexts, analogies, wanted };
    if (LIFT_CUE.test(tokens.join(' '))) {
      liftClause(tokens, clause.trim(), vocabulary, lifts);
      continue;
    }
    // "bass no", "vocals none": a trailing negation applies to what came before it.
    if (tokens.length >= 2 && POSTFIX_NEGATIONS.has(tokens.at(-1)!)) tokens.unshift(tokens.pop()!);
    // "vocals off", "drums out": off/out after what it switches off.
    else if (tokens.length >= 2 && POSTFIX_OFF.has(tokens.at(-1)!) && namesSomething(tokens.at(-2)!, vocabulary)) {
      tokens.pop();
      tokens.unshift('no');
    }
    while (tokens.length > 1 && POSTFIX_FILLERS.has(tokens.at(-1)!)) tokens.pop();
    parseClause(tokens, vocabulary, sink);
  }

  // Effects fold in reading order, so within one turn a later phrase also wins ("fast, no, slow").
  const { delta: folded, conflicts } = foldEffects(effects);
  let delta = folded;
  // A word negated anywhere in the turn is never positive text, even where it appeared first ("calm, no calm").
  const negated = [...new Set(negatedTerms)];
  const text = stripTerms(texts.length ? [texts.join(', ')] : [], negated);
  const negativeText = [...new Set(negativeTexts)];
  delta = { ...delta, text, ...(negativeText.length ? { negativeText } : {}), notes: [...notes, ...conflicts] };
  const lift = lifts.phrases.length
    ? { tags: [...lifts.tags], vocals: lifts.vocals, tempo: lifts.tempo, energy: lifts.energy, mood: lifts.mood, terms: lifts.terms, phrase: lifts.phrases.join(', ') }
    : undefined;
  return { delta, refs, negatedTerms: negated, ...(lift ? { lift } : {}) };
}

/** Whether a turn is "undo" or "start over" (for callers that keep their own list of turns). */
export function refinementAction(input: string): 'undo' | 'reset' | undefined {
  const bare = normalize(input).replace(/[^a-z ]+/g, ' ').replace(/\s+/g, ' ').trim();
  return RESET_PHRASES.has(bare) ? 'reset' : UNDO_PHRASES.has(bare) ? 'undo' : undefined;
}

/**
 * Folds one turn's effects in reading order. An effect that touches nothing set before merges in place;
 * one that does goes through composeStates, so conflicts resolve (and are noted) as between turns.
 */
function foldEffects(effects: readonly Effect[]): { delta: RefinementState; conflicts: string[] } {
  const acc = {
    includeTags: [] as string[],
    excludeTags: [] as string[],
    weights: {} as Record<string, number>,
    sources: {} as Record<string, string>,
    strength: {} as Record<string, number>,
  };
  const fields: Partial<Record<'vocals' | 'tempo' | 'energy' | 'mood' | 'bpm', unknown>> = {};
  const touched = new Set<string>();
  const conflicts: string[] = [];
  const load = (state: RefinementState): void => {
    acc.includeTags = [...state.includeTags];
    acc.excludeTags = [...state.excludeTags];
    acc.weights = { ...state.weights };
    acc.sources = { ...state.sources };
    acc.strength = { ...state.strength };
    for (const f of ['vocals', 'tempo', 'energy', 'mood', 'bpm'] as const) {
      if (state[f] === undefined) delete fields[f];
      else fields[f] = state[f];
    }
    touched.clear();
    for (const k of keysOf({ ...state, includeTags: [...state.includeTags] } as Effect)) touched.add(k);
  };
  const keysOf = (e: Effect): string[] => [
    ...(['vocals', 'tempo', 'energy', 'mood', 'bpm'] as const).filter((f) => e[f] !== undefined),
    ...[...(e.includeTags ?? []), ...(e.excludeTags ?? []), ...Object.keys(e.weights ?? {})].map((t) => `tag:${t}`),
  ];
  for (const effect of effects) {
    const keys = keysOf(effect);
    if (keys.some((k) => touched.has(k))) {
      const composed = composeStates(current(), { ...EMPTY_STATE, ...effect } as RefinementState, { negatedTerms: [] });
      conflicts.push(...composed.notes);
      load(composed);
      continue;
    }
    for (const k of keys) touched.add(k);
    acc.includeTags.push(...(effect.includeTags ?? []));
    acc.excludeTags.push(...(effect.excludeTags ?? []));
    for (const [t, w] of Object.entries(effect.weights ?? {})) acc.weights[t] = Math.max(-MAX_WEIGHT, Math.min(MAX_WEIGHT, w));
    for (const f of ['vocals', 'tempo', 'energy', 'mood', 'bpm'] as const) if (effect[f] !== undefined) fields[f] = effect[f];
    for (const [f, v] of Object.entries(effect.strength ?? {})) if (v !== undefined && v !== 1) acc.strength[f] = v;
    Object.assign(acc.sources, effect.sources);
  }
  function current(): RefinementState {
    return {
      ...EMPTY_STATE,
      ...(fields as Partial<RefinementState>),
      includeTags: acc.includeTags,
      excludeTags: acc.excludeTags,
      weights: acc.weights,
      sources: acc.sources,
      ...(Object.keys(acc.strength).length ? { strength: acc.strength } : {}),
    };
  }
  return { delta: current(), conflicts };
}

const NOTHING: ParsedRefinement = { delta: EMPTY_STATE, refs: [], negatedTerms: [] };

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

/** Per clause, what matchAt found at each position (`null`: nothing): the scan looks ahead, so positions repeat. */
const matches = new WeakMap<readonly string[], (Item | null | undefined)[]>();

/** Longest phrase of the parser's own tables starting with each word (for the vocabulary, TagVocabulary.maxWords). */
const LEXICON_SPAN: ReadonlyMap<string, number> = (() => {
  const span = new Map<string, number>();
  const phrases = [...TRIGGERS.keys(), ...INTENSITY.keys(), ...TEMPO_WORDS.keys(), ...ENERGY_WORDS.keys(), ...MOOD_WORDS.keys(), ...ANALOGY_BY_PHRASE.keys(),
    ...VOCAL_WORDS, ...INSTRUMENTAL_WORDS, ...CONJUNCTIONS];
  for (const phrase of phrases) {
    const words = phrase.split(' ');
    span.set(words[0]!, Math.max(span.get(words[0]!) ?? 1, words.length));
  }
  for (const w of [...FEMALE_WORDS, ...MALE_WORDS]) span.set(w, Math.max(span.get(w) ?? 1, 2));
  return span;
})();

function matchAt(tokens: readonly string[], i: number, vocabulary: TagVocabulary): Item | undefined {
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
  }
  return undefined;
}

interface Sink {
  readonly effects: Effect[];
  readonly notes: string[];
  readonly negatedTerms: string[];
  readonly texts: string[];
  readonly negativeTexts: string[];
  /** Analogies applied in this turn ("a western saloon" names one scene twice). */
  readonly analogies: Set<string>;
  /** Tag -> the words that asked for it in this turn ("jazz"), so a narrower negation ("not smooth jazz") does not drop it. */
  readonly wanted: Map<string, string>;
}

interface LiftSink {
  readonly tags: Set<string>;
  vocals: boolean;
  tempo: boolean;
  energy: boolean;
  mood: boolean;
  readonly terms: string[];
  readonly phrases: string[];
}

/** "drums are fine now", "any tempo is fine", "I don't mind strings": what the clause names is lifted. */
function liftClause(tokens: readonly string[], phrase: string, vocabulary: TagVocabulary, lifts: LiftSink): void {
  lifts.phrases.push(phrase);
  for (let i = 0; i < tokens.length; ) {
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

const LIFT_WORDS: ReadonlySet<string> = new Set(['fine', 'okay', 'alright', 'allowed', 'acceptable', 'mind', 'back', 'allow', 'unban', 'longer', 'problem', 'issue', 'after']);

const isNegative = (p: Polarity): boolean => p === 'exclude' || p === 'less';

/** Copulas and fillers between a tag and a complaint about it ("the drums are way too busy"). */
const COMPLAINT_BRIDGE: ReadonlySet<string> = new Set(['is', 'are', 's', 're', 'sound', 'sounds', 'feel', 'feels', 'seem', 'seems', 'get', 'gets', 'getting', 'still', 'just', 'kind', 'of', 'kinda', 'really', 'very']);
const COMPLAINT_WORDS: ReadonlySet<string> = new Set(['too', 'overly', 'excessively']);

/** After a tag: "… are (a bit / way) too X" -> the index after X and the strength, or undefined. */
function complaintAfter(tokens: readonly string[], i: number, vocabulary: TagVocabulary): { end: number; strength: number } | undefined {
  let j = i;
  let strength = 1;
  while (j < tokens.length) {
    const word = tokens[j]!;
    if (COMPLAINT_BRIDGE.has(word)) {
      j += 1;
      continue;
    }
    const item = matchAt(tokens, j, vocabulary);
    if (item?.kind === 'intensity') {
      strength = item.strength!;
      j += item.n;
      continue;
    }
    break;
  }
  if (j === i) return undefined;
  // "the strings are corny": a word that is a complaint by itself.
  if (COMPLAINT_WORDS_ALONE.has(tokens[j] ?? '')) return { end: j + 1, strength };
  const at = matchAt(tokens, j, vocabulary);
  // "too much", "too many": the complaint is complete.
  if (at?.kind === 'trigger' && at.polarity === 'less' && at.surface.startsWith('too ')) return { end: j + at.n, strength };
  if (!COMPLAINT_WORDS.has(tokens[j] ?? '')) return undefined;
  const after = matchAt(tokens, j + 1, vocabulary);
  const end = j + 1 + (after && after.kind !== 'trigger' && after.kind !== 'conj' ? after.n : tokens[j + 1] && !CONJUNCTIONS.has(tokens[j + 1]!) ? 1 : 0);
  return { end, strength };
}

function parseClause(tokens: readonly string[], vocabulary: TagVocabulary, sink: Sink): void {
  let polarity: Polarity = 'neutral';
  let trigger = '';
  let carry: Polarity = 'neutral';
  let carryTrigger = '';
  let skipped: string[] = [];
  let strength = 1;
  let carryStrength = 1;
  const text: string[] = [];
  const kept: string[] = [];
  let analogyText = false;
  let meaningful = false;
  /** Effects of the latest item, so a trailing "a bit" / "a lot" can scale them. */
  let lastEffects: { from: number; to: number } | undefined;

  // Unknown words under a negation are what the user wants away from: negative text, never dropped silently.
  const flushSkipped = (): void => {
    const content = skipped.filter((w) => !STOPWORDS.has(w) && !CONJUNCTIONS.has(w));
    if (isNegative(polarity) && content.length > 0) {
      sink.negativeTexts.push(content.join(' '));
      sink.negatedTerms.push(...content);
      sink.notes.push(`'${[trigger, ...skipped].join(' ')}': '${content.join(' ')}' is not a tag this catalog knows; kept as text to steer away from`);
    }
    skipped = [];
  };

  for (let i = 0; i < tokens.length; ) {
    const item = matchAt(tokens, i, vocabulary);
    if (!item) {
      const word = tokens[i]!;
      if (isNegative(polarity)) skipped.push(word);
      else if (COMPLAINT_WORDS_ALONE.has(word) && !modifiesNext(tokens, i + 1, vocabulary)) {
        // "this is boring", "sounds cheap": what to steer away from. Before a noun it describes what is
        // wanted ("cheesy synths"), so it stays text.
        sink.negativeTexts.push(word);
        sink.negatedTerms.push(word);
      } else {
        text.push(word);
        if (!STOPWORDS.has(word)) meaningful = true;
      }
      carry = 'neutral';
      i += 1;
      continue;
    }
    i += item.n;
    if (item.kind === 'intensity') {
      // Trailing ("tone it down a bit", "pick up the pace a lot"): scales what came just before.
      const next = matchAt(tokens, i, vocabulary);
      const leads = next !== undefined && next.kind !== 'conj';
      if (!leads && lastEffects && polarity === 'neutral') {
        scaleEffects(sink.effects, lastEffects, item.strength!);
        lastEffects = undefined;
      } else strength = item.strength!;
      continue;
    }
    if (item.kind === 'trigger') {
      flushSkipped();
      polarity = item.polarity!;
      trigger = item.surface;
      carry = 'neutral';
      continue;
    }
    if (item.kind === 'conj') {
      const next = matchAt(tokens, i, vocabulary);
      // "too gloomy and murky", "no kazoo or whistles": a negation carries over to an unknown word as well.
      const unknownNext = next === undefined && i < tokens.length && !STOPWORDS.has(tokens[i]!);
      const continues =
        carry !== 'neutral' &&
        ((next !== undefined && (item.surface !== 'and' || next.kind === 'tag' || next.kind === 'vocals')) || (isNegative(carry) && unknownNext));
      if (continues) {
        polarity = carry;
        trigger = carryTrigger;
        strength = carryStrength;
      } else if (!isNegative(polarity)) text.push(item.surface);
      else flushSkipped();
      carry = 'neutral';
      continue;
    }
    // Under a negation an adjective before a tag modifies it ("no heavy drums"): skip it, keep the negation.
    if (isNegative(polarity) && (item.kind === 'energy' || item.kind === 'mood') && !item.scale!.comparative) {
      const next = matchAt(tokens, i, vocabulary);
      if (next && (next.kind === 'tag' || next.kind === 'vocals')) {
        skipped.push(item.surface);
        continue;
      }
    }
    let itemPolarity: Polarity = polarity;
    let itemStrength = strength;
    // "the drums are too busy": a complaint about the tag before it.
    if (polarity === 'neutral' && (item.kind === 'tag' || item.kind === 'vocals')) {
      const complaint = complaintAfter(tokens, i, vocabulary);
      if (complaint) {
        itemPolarity = 'less';
        itemStrength = complaint.strength;
        i = complaint.end;
      }
    }
    const phrase = [itemPolarity !== 'neutral' ? trigger : '', ...skipped, item.surface].filter(Boolean).join(' ');
    const from = sink.effects.length;
    const keepAsText = applyItem(item, itemPolarity, itemStrength, phrase, vocabulary, sink);
    lastEffects = { from, to: sink.effects.length };
    if (keepAsText) {
      text.push(item.surface);
      kept.push(item.surface);
      meaningful = true;
      if (item.kind === 'analogy') analogyText = true;
    }
    skipped = [];
    carry = itemPolarity;
    carryTrigger = trigger;
    carryStrength = itemStrength;
    polarity = 'neutral';
    trigger = '';
    strength = 1;
  }
  flushSkipped();
  // An analogy carries the clause's meaning: the encoders get "coffee shop", not "something you'd hear in a".
  if (analogyText) sink.texts.push(kept.join(' '));
  else if (meaningful) sink.texts.push(text.join(' '));
}

/** Whether the word at `j` is something an adjective before it would describe (a tag, vocals, a scene, a noun). */
function modifiesNext(tokens: readonly string[], j: number, vocabulary: TagVocabulary): boolean {
  if (j >= tokens.length) return false;
  const next = matchAt(tokens, j, vocabulary);
  if (next) return next.kind === 'tag' || next.kind === 'vocals' || next.kind === 'analogy';
  return !STOPWORDS.has(tokens[j]!) && !CONJUNCTIONS.has(tokens[j]!) && !COMPLAINT_WORDS_ALONE.has(tokens[j]!);
}

const flip = (d: ScaleWord['direction']): ScaleWord['direction'] => (d === 'up' ? 'down' : d === 'down' ? 'up' : 'neutral');

function scaleEffects(effects: Effect[], range: { from: number; to: number }, factor: number): void {
  for (let k = range.from; k < range.to; k++) {
    const e = effects[k]!;
    if (e.weights) e.weights = Object.fromEntries(Object.entries(e.weights).map(([t, w]) => [t, w * factor]));
    for (const field of ['tempo', 'energy', 'mood'] as const) {
      if (e[field] !== undefined) e.strength = { ...e.strength, [field]: (e.strength?.[field] ?? 1) * factor };
    }
  }
}

function tagWeights(tags: readonly string[], w: number, phrase: string): Effect {
  return {
    weights: Object.fromEntries(tags.map((t) => [t, w])),
    sources: Object.fromEntries(tags.map((t) => [`tag:${t}`, phrase])),
  };
}

function direction(field: 'tempo' | 'energy' | 'mood', d: 'up' | 'down', strength: number, phrase: string): Effect {
  const value =
    field === 'tempo' ? (d === 'up' ? 'faster' : 'slower') : field === 'energy' ? (d === 'up' ? 'higher' : 'lower') : d === 'up' ? 'brighter' : 'darker';
  return { [field]: value, sources: { [field]: phrase }, ...(strength !== 1 ? { strength: { [field]: strength } } : {}) } as Effect;
}

/** Records the item's effect; returns whether its words belong in the positive free text. */
function applyItem(item: Item, polarity: Polarity, strength: number, phrase: string, vocabulary: TagVocabulary, sink: Sink): boolean {
  const { effects } = sink;
  const negative = isNegative(polarity);
  if (negative) sink.negatedTerms.push(item.surface);

  switch (item.kind) {
    case 'analogy': {
      const analogy = item.analogy!;
      if (negative) {
        sink.negativeTexts.push(item.surface);
        return false;
      }
      if (sink.analogies.has(analogy.name)) return true;
      sink.analogies.add(analogy.name);
      const known = Object.entries(analogy.weights).filter(([tag]) => vocabulary.groupOf(tag) !== undefined);
      if (known.length) effects.push({ weights: Object.fromEntries(known), sources: Object.fromEntries(known.map(([t]) => [`tag:${t}`, phrase])) });
      if (analogy.tempo) effects.push(direction('tempo', analogy.tempo[0] === 'faster' ? 'up' : 'down', analogy.tempo[1], phrase));
      if (analogy.energy) effects.push(direction('energy', analogy.energy[0] === 'higher' ? 'up' : 'down', analogy.energy[1], phrase));
      if (analogy.mood) effects.push(direction('mood', analogy.mood[0] === 'brighter' ? 'up' : 'down', analogy.mood[1], phrase));
      sink.notes.push(`read '${item.surface}' as ${describeAnalogy(analogy, known)}`);
      return true;
    }
    case 'vocals': {
      if (item.instrumental) {
        effects.push({ vocals: negative ? 'on' : 'off', sources: { vocals: phrase } });
        return false;
      }
      const singingTags = vocabulary.tagsInGroup('vocals').filter((t) => !/instrumental|no vo/.test(t));
      if (item.gender) {
        const genderTags = singingTags.filter((t) => (item.gender === 'female' ? /female|wom[ae]n/ : /(^|[^e])male|\bm[ae]n\b/).test(t));
        if (!negative) {
          effects.push({ vocals: item.gender, sources: { vocals: phrase } });
          return false;
        }
        if (genderTags.length === 0) {
          sink.notes.push(`ignored '${phrase}': this catalog has no ${item.gender}-vocals tag to filter on`);
          return false;
        }
        effects.push(polarity === 'exclude' ? { excludeTags: genderTags, sources: Object.fromEntries(genderTags.map((t) => [`tag:${t}`, phrase])) } : tagWeights(genderTags, -strength, phrase));
        return false;
      }
      if (polarity === 'exclude') effects.push({ vocals: 'off', sources: { vocals: phrase } });
      else if (polarity === 'less') {
        if (singingTags.length === 0) sink.notes.push(`ignored '${phrase}': this catalog has no vocals tags to weigh`);
        else effects.push(tagWeights(singingTags, -strength, phrase));
      } else effects.push({ vocals: 'on', sources: { vocals: phrase } });
      return false;
    }
    case 'tempo': {
      const scale = item.scale!;
      let d = negative ? flip(scale.direction) : scale.direction;
      if (scale.direction === 'neutral') d = polarity === 'more' || polarity === 'only' ? 'up' : negative ? 'down' : 'neutral';
      if (d !== 'neutral') effects.push(direction('tempo', d, strength, phrase));
      return false;
    }
    case 'energy':
    case 'mood': {
      const scale = item.scale!;
      const tags = item.tags ?? [];
      const field = item.kind;
      if (polarity === 'exclude' && tags.length > 0 && !scale.comparative) {
        effects.push({ excludeTags: [...tags], sources: Object.fromEntries(tags.map((t) => [`tag:${t}`, phrase])) });
        return false;
      }
      if (scale.comparative || negative || polarity === 'more') {
        let d = negative ? flip(scale.direction) : scale.direction;
        if (scale.direction === 'neutral') d = polarity === 'more' ? 'up' : negative ? 'down' : 'neutral';
        if (d !== 'neutral') effects.push(direction(field, d, strength, phrase));
        if (!scale.comparative && tags.length > 0) effects.push(tagWeights(tags, negative ? -strength : strength, phrase));
        return false;
      }
      if (tags.length > 0) {
        effects.push(polarity === 'only' ? { includeTags: [...tags], sources: Object.fromEntries(tags.map((t) => [`tag:${t}`, phrase])) } : tagWeights(tags, strength, phrase));
      }
      return true;
    }
    case 'tag': {
      const tags = item.tags ?? [];
      const sources = Object.fromEntries(tags.map((t) => [`tag:${t}`, phrase]));
      const broader = negative ? narrowerThanWanted(item.surface, tags, sink.wanted) : undefined;
      if (broader !== undefined) {
        // "jazz but not smooth jazz": the catalog's one tag covers both, so the narrower phrase steers as text.
        sink.negativeTexts.push(item.surface);
        sink.notes.push(`'${phrase}': the tag '${tags.join(', ')}' also covers '${broader}', which was asked for; '${item.surface}' is kept as text to steer away from`);
        return false;
      }
      if (!negative) for (const t of tags) sink.wanted.set(t, item.surface);
      if (polarity === 'exclude') {
        effects.push({ excludeTags: [...tags], sources });
        sink.negatedTerms.push(...tags);
        return false;
      }
      if (polarity === 'less') {
        effects.push(tagWeights(tags, -strength, phrase));
        sink.negatedTerms.push(...tags);
        return false;
      }
      if (polarity === 'only') effects.push({ includeTags: [...tags], sources });
      else effects.push(tagWeights(tags, strength, phrase));
      return true;
    }
    default:
      return false;
  }
}

/** The wanted phrase a negated phrase narrows ("jazz" for "smooth jazz"), when it names only tags asked for in this turn. */
function narrowerThanWanted(surface: string, tags: readonly string[], wanted: ReadonlyMap<string, string>): string | undefined {
  const asked = tags.map((t) => wanted.get(t));
  const first = asked[0];
  if (first === undefined || asked.some((a) => a !== first) || first === surface) return undefined;
  const words = new Set(surface.split(' '));
  return first.split(' ').every((w) => words.has(w)) ? first : undefined;
}

function describeAnalogy(analogy: Analogy, known: readonly (readonly [string, number])[]): string {
  const parts = known.map(([t, w]) => `${t} ${w > 0 ? '+' : ''}${w}`);
  if (analogy.tempo) parts.push(`tempo ${analogy.tempo[0]}`);
  if (analogy.energy) parts.push(`energy ${analogy.energy[0]}`);
  if (analogy.mood) parts.push(`mood ${analogy.mood[0]}`);
  return parts.length ? parts.join(', ') : 'text only';
}
