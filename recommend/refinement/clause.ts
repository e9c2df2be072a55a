import { applyItem, scaleEffects } from './item-effects.js';
import { matchAt, type Item } from './items.js';
import { COMPLAINT_WORDS_ALONE, CONJUNCTIONS, isNegative, STOPWORDS, type Polarity } from './lexicon.js';
import type { TurnReading } from './reading.js';
import type { TagVocabulary } from './vocabulary.js';

/** Reads one clause's tokens into the turn: its effects, notes and free text. */
export function readClause(tokens: readonly string[], vocabulary: TagVocabulary, reading: TurnReading): void {
  new ClauseReader(tokens, vocabulary, reading).read();
}

/**
 * One left-to-right scan of a clause. A trigger ("no", "more") sets the polarity of the next item; a
 * conjunction carries it on ("no drums or bass"); an intensity ("a bit") scales the next item, or the
 * one before when nothing follows; unknown words are free text, or under a negation text to steer away from.
 */
class ClauseReader {
  readonly #tokens: readonly string[];
  readonly #vocabulary: TagVocabulary;
  readonly #reading: TurnReading;
  #i = 0;
  #polarity: Polarity = 'neutral';
  #trigger = '';
  #strength = 1;
  /** The polarity, trigger and strength of the item before, which a conjunction carries on. */
  #carry: Polarity = 'neutral';
  #carryTrigger = '';
  #carryStrength = 1;
  /** Words between a negation and what it negates ("no *heavy* drums", "no kazoo"). */
  #skipped: string[] = [];
  readonly #text: string[] = [];
  /** The words of the items kept as text (an analogy's clause is only those). */
  readonly #kept: string[] = [];
  #analogyText = false;
  #meaningful = false;
  /** Effects of the latest item, so a trailing "a bit" / "a lot" can scale them. */
  #lastEffects: { from: number; to: number } | undefined;

  constructor(tokens: readonly string[], vocabulary: TagVocabulary, reading: TurnReading) {
    this.#tokens = tokens;
    this.#vocabulary = vocabulary;
    this.#reading = reading;
  }

  read(): void {
    while (this.#i < this.#tokens.length) {
      const item = matchAt(this.#tokens, this.#i, this.#vocabulary);
      if (!item) {
        this.#unknownWord(this.#tokens[this.#i]!);
        this.#i += 1;
        continue;
      }
      this.#i += item.n;
      if (item.kind === 'intensity') this.#intensity(item.strength!);
      else if (item.kind === 'trigger') this.#triggerWord(item);
      else if (item.kind === 'conj') this.#conjunction(item.surface);
      else this.#meaningItem(item);
    }
    this.#flushSkipped();
    // An analogy carries the clause's meaning: the encoders get "coffee shop", not "something you'd hear in a".
    if (this.#analogyText) this.#reading.texts.push(this.#kept.join(' '));
    else if (this.#meaningful) this.#reading.texts.push(this.#text.join(' '));
  }

  #next(): Item | undefined {
    return matchAt(this.#tokens, this.#i, this.#vocabulary);
  }

  #unknownWord(word: string): void {
    if (isNegative(this.#polarity)) this.#skipped.push(word);
    else if (COMPLAINT_WORDS_ALONE.has(word) && !modifiesNext(this.#tokens, this.#i + 1, this.#vocabulary)) {
      // "this is boring", "sounds cheap": what to steer away from. Before a noun it describes what is
      // wanted ("cheesy synths"), so it stays text.
      this.#reading.negativeTexts.push(word);
      this.#reading.negatedTerms.push(word);
    } else {
      this.#text.push(word);
      if (!STOPWORDS.has(word)) this.#meaningful = true;
    }
    this.#carry = 'neutral';
  }

  #intensity(strength: number): void {
    // Trailing ("tone it down a bit", "pick up the pace a lot"): scales what came just before.
    const next = this.#next();
    const leads = next !== undefined && next.kind !== 'conj';
    if (!leads && this.#lastEffects && this.#polarity === 'neutral') {
      scaleEffects(this.#reading.effects, this.#lastEffects, strength);
      this.#lastEffects = undefined;
    } else this.#strength = strength;
  }

  #triggerWord(item: Item): void {
    this.#flushSkipped();
    this.#polarity = item.polarity!;
    this.#trigger = item.surface;
    this.#carry = 'neutral';
  }

  #conjunction(surface: string): void {
    const next = this.#next();
    // "too gloomy and murky", "no kazoo or whistles": a negation carries over to an unknown word as well.
    const unknownNext = next === undefined && this.#i < this.#tokens.length && !STOPWORDS.has(this.#tokens[this.#i]!);
    const continues = this.#carry !== 'neutral' && ((next !== undefined && (surface !== 'and' || next.kind === 'tag' || next.kind === 'vocals')) || (isNegative(this.#carry) && unknownNext));
    if (continues) {
      this.#polarity = this.#carry;
      this.#trigger = this.#carryTrigger;
      this.#strength = this.#carryStrength;
    } else if (!isNegative(this.#polarity)) this.#text.push(surface);
    else this.#flushSkipped();
    this.#carry = 'neutral';
  }

  /** A tag, vocals, a direction or an analogy: applied under the current polarity, which it then uses up. */
  #meaningItem(item: Item): void {
    if (this.#describesNegatedTag(item)) {
      this.#skipped.push(item.surface);
      return;
    }
    let polarity = this.#polarity;
    let strength = this.#strength;
    // "the drums are too busy": a complaint about the tag before it.
    if (polarity === 'neutral' && (item.kind === 'tag' || item.kind === 'vocals')) {
      const complaint = complaintAfter(this.#tokens, this.#i, this.#vocabulary);
      if (complaint) {
        polarity = 'less';
        strength = complaint.strength;
        this.#i = complaint.end;
      }
    }
    const phrase = [polarity !== 'neutral' ? this.#trigger : '', ...this.#skipped, item.surface].filter(Boolean).join(' ');
    const from = this.#reading.effects.length;
    const keepAsText = applyItem({ item, polarity, strength, phrase }, this.#vocabulary, this.#reading);
    this.#lastEffects = { from, to: this.#reading.effects.length };
    if (keepAsText) {
      this.#text.push(item.surface);
      this.#kept.push(item.surface);
      this.#meaningful = true;
      if (item.kind === 'analogy') this.#analogyText = true;
    }
    this.#skipped = [];
    this.#carry = polarity;
    this.#carryTrigger = this.#trigger;
    this.#carryStrength = strength;
    this.#polarity = 'neutral';
    this.#trigger = '';
    this.#strength = 1;
  }

  /** Under a negation an adjective before a tag modifies it ("no heavy drums"): skipped, the negation kept. */
  #describesNegatedTag(item: Item): boolean {
    if (!isNegative(this.#polarity) || (item.kind !== 'energy' && item.kind !== 'mood') || item.scale!.comparative) return false;
    const next = this.#next();
    return next !== undefined && (next.kind === 'tag' || next.kind === 'vocals');
  }

  /** Unknown words under a negation are what the user wants away from: negative text, never dropped silently. */
  #flushSkipped(): void {
    const content = this.#skipped.filter((w) => !STOPWORDS.has(w) && !CONJUNCTIONS.has(w));
    if (isNegative(this.#polarity) && content.length > 0) {
      this.#reading.negativeTexts.push(content.join(' '));
      this.#reading.negatedTerms.push(...content);
      this.#reading.notes.push(`'${[this.#trigger, ...this.#skipped].join(' ')}': '${content.join(' ')}' is not a tag this catalog knows; kept as text to steer away from`);
    }
    this.#skipped = [];
  }
}

/** Whether the word at `j` is something an adjective before it would describe (a tag, vocals, a scene, a noun). */
function modifiesNext(tokens: readonly string[], j: number, vocabulary: TagVocabulary): boolean {
  if (j >= tokens.length) return false;
  const next = matchAt(tokens, j, vocabulary);
  if (next) return next.kind === 'tag' || next.kind === 'vocals' || next.kind === 'analogy';
  return !STOPWORDS.has(tokens[j]!) && !CONJUNCTIONS.has(tokens[j]!) && !COMPLAINT_WORDS_ALONE.has(tokens[j]!);
}

/** Copulas and fillers between a tag and a complaint about it ("the drums are way too busy"). */
const COMPLAINT_BRIDGE: ReadonlySet<string> = new Set([
  'is',
  'are',
  's',
  're',
  'sound',
  'sounds',
  'feel',
  'feels',
  'seem',
  'seems',
  'get',
  'gets',
  'getting',
  'still',
  'just',
  'kind',
  'of',
  'kinda',
  'really',
  'very',
]);
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
