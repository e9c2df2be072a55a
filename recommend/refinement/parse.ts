import type { RefinementState } from '../types.js';
import { editDistance, typoBudget } from './edit-distance.js';
import {
  CONJUNCTIONS,
  ENERGY_WORDS,
  FEMALE_WORDS,
  INSTRUMENTAL_WORDS,
  MALE_WORDS,
  MOOD_WORDS,
  ORDINALS,
  RESET_PHRASES,
  STOPWORDS,
  TEMPO_WORDS,
  TRIGGERS,
  VOCAL_WORDS,
  type Polarity,
  type ScaleWord,
} from './lexicon.js';
import { composeStates, EMPTY_STATE, stripTerms } from './state.js';
import type { TagVocabulary } from './vocabulary.js';

/** A "#n" reference to a pick shown earlier (1-based), resolved against the shown list by the caller. */
export interface TrackRef {
  readonly kind: 'like' | 'exclude';
  readonly position: number;
  readonly phrase: string;
}

export interface ParsedRefinement {
  /** What this turn says, as a state to compose on top of the conversation (refs not yet resolved). */
  readonly delta: RefinementState;
  readonly refs: readonly TrackRef[];
  /** Words this turn negated; removed from earlier free text so no encoder sees them as wanted. */
  readonly negatedTerms: readonly string[];
  /** The turn asked to start over. */
  readonly reset: boolean;
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
const REF_PATTERNS: readonly (readonly ['like' | 'exclude', RegExp])[] = [
  ['exclude', new RegExp(String.raw`\b(?:not|no|drop|remove|skip|hide|exclude|ditch|lose|without|get\s+rid\s+of|never|nix|ban|less\s+like|nothing\s+like|not\s+like|dont\s+like|do\s+not\s+like|hate|hated|dislike|disliked|no\s+more)\s+(?:(?:anything|something|stuff)\s+like\s+)?${REF_TARGET}`, 'g')],
  ['like', new RegExp(String.raw`\b(?:(?:(?:a\s+)?(?:bit|little|lot)\s+)?more\s+|something\s+|anything\s+|stuff\s+|i\s+|even\s+more\s+)?(?:like|similar\s+to|closer\s+to|in\s+the\s+style\s+of|same\s+vibe\s+as|along\s+the\s+lines\s+of|the\s+same\s+as|same\s+as|liked|loved|love|keep)\s+${REF_TARGET}`, 'g')],
  ['like', new RegExp(String.raw`#\s*(\d{1,2})\b()()()`, 'g')],
  // "the 2nd one but darker": an ordinal naming a pick, with nothing negating it, means that one.
  ['like', new RegExp(String.raw`\b()()(?:the\s+)?(${ORDINAL_WORDS})\s+(?:one|pick|track|song|option|result)\b()`, 'g')],
];

const POSTFIX_NEGATIONS: ReadonlySet<string> = new Set(['no', 'not', 'none', 'nope']);
const POSTFIX_FILLERS: ReadonlySet<string> = new Set(['yes', 'please', 'pls', 'ok', 'yeah']);

const CLAUSE_SPLIT = /[,;.!?|()]+|\b(?:but|though|although|however|whereas|yet|except|instead)\b/;

/** Words the parser itself understands, for typo correction besides the vocabulary's words. */
const CONTROL_WORDS: ReadonlySet<string> = new Set(
  [...TRIGGERS.keys(), ...VOCAL_WORDS, ...FEMALE_WORDS, ...MALE_WORDS, ...INSTRUMENTAL_WORDS, ...TEMPO_WORDS.keys(), ...ENERGY_WORDS.keys(), ...MOOD_WORDS.keys()]
    .flatMap((p) => p.split(' '))
    .filter((w) => w.length >= 3 && !STOPWORDS.has(w)),
);

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
  readonly kind: 'trigger' | 'conj' | 'vocals' | 'tempo' | 'energy' | 'mood' | 'tag';
  readonly n: number;
  readonly surface: string;
  readonly polarity?: Polarity;
  readonly scale?: ScaleWord;
  readonly tags?: readonly string[];
  readonly gender?: 'female' | 'male';
  readonly instrumental?: boolean;
}

const MAX_PHRASE = 5;

/**
 * Parses one refinement turn ("no vocals, a bit faster, more like #2") into structured constraints.
 * Negated words ("no drums", "less piano", "not so sad") become exclusions or down-weights and are
 * never kept as free text, so no encoder is asked to understand "no".
 */
export function parseRefinement(input: string, options: ParseOptions): ParsedRefinement {
  const { vocabulary } = options;
  const notes: string[] = [];
  const effects: Effect[] = [];
  const refs: TrackRef[] = [];
  const negatedTerms: string[] = [];
  const texts: string[] = [];
  let s = normalize(input);

  const bare = s.replace(/[^a-z ]+/g, ' ').replace(/\s+/g, ' ').trim();
  if (RESET_PHRASES.has(bare)) return { delta: EMPTY_STATE, refs: [], negatedTerms: [], reset: true };

  for (const [kind, pattern] of BPM_PATTERNS) {
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

  for (const [kind, pattern] of REF_PATTERNS) {
    s = s.replace(pattern, (match: string, hash?: string, numbered?: string, ordinal?: string, digit?: string) => {
      const phrase = match.trim();
      const position = hash || numbered || digit ? Number(hash || numbered || digit) : ordinal === 'last' ? -1 : ordinalPosition(ordinal ?? '');
      if (position === undefined || position === 0) return match;
      refs.push({ kind, position, phrase });
      return ' ; ';
    });
  }

  for (const clause of s.split(CLAUSE_SPLIT)) {
    const tokens = clause
      .replace(/(\p{L})-(\p{L})/gu, '$1 $2')
      .split(/[^\p{L}\p{N}&#/+]+/u)
      .filter(Boolean);
    correctTypos(tokens, vocabulary, notes);
    // "bass no", "vocals none": a trailing negation applies to what came before it.
    if (tokens.length >= 2 && POSTFIX_NEGATIONS.has(tokens.at(-1)!)) tokens.unshift(tokens.pop()!);
    while (tokens.length > 1 && POSTFIX_FILLERS.has(tokens.at(-1)!)) tokens.pop();
    parseClause(tokens, vocabulary, { effects, notes, negatedTerms, texts });
  }

  // Effects fold in reading order, so within one turn a later phrase also wins ("fast, no, slow").
  let delta: RefinementState = EMPTY_STATE;
  const conflicts: string[] = [];
  for (const effect of effects) {
    delta = composeStates(delta, { ...EMPTY_STATE, ...effect } as RefinementState, { negatedTerms: [] });
    conflicts.push(...delta.notes);
  }
  // A word negated anywhere in the turn is never positive text, even where it appeared first ("calm, no calm").
  const text = stripTerms(texts.length ? [texts.join(', ')] : [], [...new Set(negatedTerms)]);
  delta = { ...delta, text, notes: [...notes, ...conflicts] };
  return { delta, refs, negatedTerms: [...new Set(negatedTerms)], reset: false };
}

const stem = (w: string): string => (w.length > 3 && w.endsWith('s') ? w.slice(0, -1) : w);

function correctTypos(tokens: string[], vocabulary: TagVocabulary, notes: string[]): void {
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    if (token.length < 4 || /[^a-z]/.test(token) || STOPWORDS.has(token) || CONTROL_WORDS.has(token) || vocabulary.words.has(token)) continue;
    if (vocabulary.resolve(token).length > 0) continue;
    const budget = typoBudget(token.length);
    let best: string | undefined;
    let bestDistance = budget + 1;
    let tied = false;
    for (const word of [...CONTROL_WORDS, ...vocabulary.words]) {
      if (word.length < 3 || STOPWORDS.has(word)) continue;
      const d = editDistance(token, word, budget);
      if (d < bestDistance) {
        best = word;
        bestDistance = d;
        tied = false;
      } else if (d === bestDistance && best !== undefined && stem(word) !== stem(best)) {
        tied = true;
      }
    }
    if (best && bestDistance <= budget && !tied) {
      tokens[i] = best;
      notes.push(`read '${token}' as '${best}'`);
    }
  }
}

function matchAt(tokens: readonly string[], i: number, vocabulary: TagVocabulary): Item | undefined {
  for (let n = Math.min(MAX_PHRASE, tokens.length - i); n >= 1; n--) {
    const words = tokens.slice(i, i + n);
    const phrase = words.join(' ');
    if (n === 2 && (FEMALE_WORDS.has(words[0]!) || MALE_WORDS.has(words[0]!)) && VOCAL_WORDS.has(words[1]!)) {
      return { kind: 'vocals', n, surface: phrase, gender: FEMALE_WORDS.has(words[0]!) ? 'female' : 'male' };
    }
    if (INSTRUMENTAL_WORDS.has(phrase)) return { kind: 'vocals', n, surface: phrase, instrumental: true };
    if (VOCAL_WORDS.has(phrase)) return { kind: 'vocals', n, surface: phrase };
    if (n === 1 && (phrase === 'female' || phrase === 'male')) return { kind: 'vocals', n, surface: phrase, gender: phrase };
    const tempo = TEMPO_WORDS.get(phrase);
    if (tempo) return { kind: 'tempo', n, surface: phrase, scale: tempo };
    const energy = ENERGY_WORDS.get(phrase);
    if (energy) return { kind: 'energy', n, surface: phrase, scale: energy, tags: vocabulary.resolve(phrase) };
    const mood = MOOD_WORDS.get(phrase);
    if (mood) return { kind: 'mood', n, surface: phrase, scale: mood, tags: vocabulary.resolve(phrase) };
    const polarity = TRIGGERS.get(phrase);
    if (polarity) return { kind: 'trigger', n, surface: phrase, polarity };
    if (CONJUNCTIONS.has(phrase)) return { kind: 'conj', n, surface: phrase };
    if (n === 1 && STOPWORDS.has(phrase)) return undefined;
    const tags = vocabulary.resolve(phrase);
    if (tags.length > 0) return { kind: 'tag', n, surface: phrase, tags };
  }
  return undefined;
}

interface Sink {
  readonly effects: Effect[];
  readonly notes: string[];
  readonly negatedTerms: string[];
  readonly texts: string[];
}

const isNegative = (p: Polarity): boolean => p === 'exclude' || p === 'less';

function parseClause(tokens: readonly string[], vocabulary: TagVocabulary, sink: Sink): void {
  let polarity: Polarity = 'neutral';
  let trigger = '';
  let carry: Polarity = 'neutral';
  let carryTrigger = '';
  let skipped: string[] = [];
  const text: string[] = [];
  let meaningful = false;

  for (let i = 0; i < tokens.length; ) {
    const item = matchAt(tokens, i, vocabulary);
    if (!item) {
      const word = tokens[i]!;
      if (isNegative(polarity)) skipped.push(word);
      else {
        text.push(word);
        if (!STOPWORDS.has(word)) meaningful = true;
      }
      carry = 'neutral';
      i += 1;
      continue;
    }
    i += item.n;
    if (item.kind === 'trigger') {
      polarity = item.polarity!;
      trigger = item.surface;
      skipped = [];
      carry = 'neutral';
      if (polarity === 'more') text.push(item.surface);
      continue;
    }
    if (item.kind === 'conj') {
      const next = matchAt(tokens, i, vocabulary);
      const continues = carry !== 'neutral' && next !== undefined && (item.surface !== 'and' || next.kind === 'tag' || next.kind === 'vocals');
      if (continues) {
        polarity = carry;
        trigger = carryTrigger;
      } else if (!isNegative(polarity)) text.push(item.surface);
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
    const phrase = [polarity !== 'neutral' ? trigger : '', ...skipped, item.surface].filter(Boolean).join(' ');
    const keepAsText = applyItem(item, polarity, phrase, vocabulary, sink);
    if (keepAsText) {
      text.push(item.surface);
      meaningful = true;
    } else if (polarity === 'more' || polarity === 'only') {
      // "more" before a comparative ("a bit more upbeat") carries no meaning of its own as text.
      if (text.at(-1) === trigger) text.pop();
    }
    carry = polarity;
    carryTrigger = trigger;
    polarity = 'neutral';
    trigger = '';
    skipped = [];
  }
  if (isNegative(polarity) && skipped.length > 0) {
    const phrase = [trigger, ...skipped].join(' ');
    sink.notes.push(`ignored '${phrase}': '${skipped.join(' ')}' is not a tag this catalog knows`);
  }
  if (meaningful) sink.texts.push(text.join(' '));
}

const flip = (d: ScaleWord['direction']): ScaleWord['direction'] => (d === 'up' ? 'down' : d === 'down' ? 'up' : 'neutral');

function tagWeights(tags: readonly string[], w: number, phrase: string): Effect {
  return {
    weights: Object.fromEntries(tags.map((t) => [t, w])),
    sources: Object.fromEntries(tags.map((t) => [`tag:${t}`, phrase])),
  };
}

/** Records the item's effect; returns whether its words belong in the positive free text. */
function applyItem(item: Item, polarity: Polarity, phrase: string, vocabulary: TagVocabulary, sink: Sink): boolean {
  const { effects } = sink;
  const negative = isNegative(polarity);
  if (negative) sink.negatedTerms.push(item.surface);

  switch (item.kind) {
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
        effects.push(polarity === 'exclude' ? { excludeTags: genderTags, sources: Object.fromEntries(genderTags.map((t) => [`tag:${t}`, phrase])) } : tagWeights(genderTags, -1, phrase));
        return false;
      }
      if (polarity === 'exclude') effects.push({ vocals: 'off', sources: { vocals: phrase } });
      else if (polarity === 'less') {
        if (singingTags.length === 0) sink.notes.push(`ignored '${phrase}': this catalog has no vocals tags to weigh`);
        else effects.push(tagWeights(singingTags, -1, phrase));
      } else effects.push({ vocals: 'on', sources: { vocals: phrase } });
      return false;
    }
    case 'tempo': {
      const scale = item.scale!;
      let direction = negative ? flip(scale.direction) : scale.direction;
      if (scale.direction === 'neutral') direction = polarity === 'more' || polarity === 'only' ? 'up' : negative ? 'down' : 'neutral';
      if (direction !== 'neutral') effects.push({ tempo: direction === 'up' ? 'faster' : 'slower', sources: { tempo: phrase } });
      return false;
    }
    case 'energy':
    case 'mood': {
      const scale = item.scale!;
      const tags = item.tags ?? [];
      const field = item.kind;
      const value = (d: 'up' | 'down'): Effect =>
        field === 'energy'
          ? { energy: d === 'up' ? 'higher' : 'lower', sources: { energy: phrase } }
          : { mood: d === 'up' ? 'brighter' : 'darker', sources: { mood: phrase } };
      if (polarity === 'exclude' && tags.length > 0 && !scale.comparative) {
        effects.push({ excludeTags: [...tags], sources: Object.fromEntries(tags.map((t) => [`tag:${t}`, phrase])) });
        return false;
      }
      if (scale.comparative || negative || polarity === 'more') {
        let direction = negative ? flip(scale.direction) : scale.direction;
        if (scale.direction === 'neutral') direction = polarity === 'more' ? 'up' : negative ? 'down' : 'neutral';
        if (direction !== 'neutral') effects.push(value(direction));
        if (!scale.comparative && tags.length > 0) effects.push(tagWeights(tags, negative ? -1 : 1, phrase));
        return false;
      }
      if (tags.length > 0) {
        effects.push(polarity === 'only' ? { includeTags: [...tags], sources: Object.fromEntries(tags.map((t) => [`tag:${t}`, phrase])) } : tagWeights(tags, 1, phrase));
      }
      return true;
    }
    case 'tag': {
      const tags = item.tags ?? [];
      const sources = Object.fromEntries(tags.map((t) => [`tag:${t}`, phrase]));
      if (polarity === 'exclude') {
        effects.push({ excludeTags: [...tags], sources });
        sink.negatedTerms.push(...tags);
        return false;
      }
      if (polarity === 'less') {
        effects.push(tagWeights(tags, -1, phrase));
        sink.negatedTerms.push(...tags);
        return false;
      }
      if (polarity === 'only') effects.push({ includeTags: [...tags], sources });
      else effects.push(tagWeights(tags, 1, phrase));
      return true;
    }
    default:
      return false;
  }
}
