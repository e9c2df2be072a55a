import type { Analogy } from './analogies.js';
import type { Item } from './items.js';
import { isNegative, type Polarity, type ScaleWord } from './lexicon.js';
import type { Effect, TurnReading } from './reading.js';
import type { TagVocabulary } from './vocabulary.js';

/** An item as the clause said it: under which polarity and strength, in which words. */
export interface SaidItem {
  readonly item: Item;
  readonly polarity: Polarity;
  readonly strength: number;
  /** The user's words for it, trigger included ("no heavy drums"), for sources and notes. */
  readonly phrase: string;
}

/** Records the item's effect; returns whether its words belong in the positive free text. */
export function applyItem(said: SaidItem, vocabulary: TagVocabulary, reading: TurnReading): boolean {
  if (isNegative(said.polarity)) reading.negatedTerms.push(said.item.surface);
  switch (said.item.kind) {
    case 'analogy':
      return applyAnalogy(said, said.item.analogy!, vocabulary, reading);
    case 'vocals':
      return applyVocals(said, vocabulary, reading);
    case 'tempo':
      return applyTempo(said, reading.effects);
    case 'energy':
    case 'mood':
      return applyScaleWord(said, said.item.kind, reading.effects);
    case 'tag':
      return applyTag(said, reading);
    default:
      return false;
  }
}

/** "like a coffee shop": the scene's tags, directions and text; negated, text to steer away from. */
function applyAnalogy({ item, polarity, phrase }: SaidItem, analogy: Analogy, vocabulary: TagVocabulary, reading: TurnReading): boolean {
  const { effects } = reading;
  if (isNegative(polarity)) {
    reading.negativeTexts.push(item.surface);
    return false;
  }
  if (reading.analogies.has(analogy.name)) return true;
  reading.analogies.add(analogy.name);
  const known = Object.entries(analogy.weights).filter(([tag]) => vocabulary.groupOf(tag) !== undefined);
  if (known.length) effects.push({ weights: Object.fromEntries(known), sources: Object.fromEntries(known.map(([t]) => [`tag:${t}`, phrase])) });
  if (analogy.tempo) effects.push(direction('tempo', analogy.tempo[0] === 'faster' ? 'up' : 'down', analogy.tempo[1], phrase));
  if (analogy.energy) effects.push(direction('energy', analogy.energy[0] === 'higher' ? 'up' : 'down', analogy.energy[1], phrase));
  if (analogy.mood) effects.push(direction('mood', analogy.mood[0] === 'brighter' ? 'up' : 'down', analogy.mood[1], phrase));
  reading.notes.push(`read '${item.surface}' as ${describeAnalogy(analogy, known)}`);
  return true;
}

/** "instrumental", "female vocals", "less singing": the vocals filter, or weights on the singing tags. */
function applyVocals(said: SaidItem, vocabulary: TagVocabulary, reading: TurnReading): boolean {
  const { item, polarity, strength, phrase } = said;
  const { effects } = reading;
  if (item.instrumental) {
    effects.push({ vocals: isNegative(polarity) ? 'on' : 'off', sources: { vocals: phrase } });
    return false;
  }
  const singingTags = vocabulary.tagsInGroup('vocals').filter((t) => !/instrumental|no vo/.test(t));
  if (item.gender) return applySingerGender(said, item.gender, singingTags, reading);
  if (polarity === 'exclude') effects.push({ vocals: 'off', sources: { vocals: phrase } });
  else if (polarity === 'less') {
    if (singingTags.length === 0) reading.notes.push(`ignored '${phrase}': this catalog has no vocals tags to weigh`);
    else effects.push(tagWeights(singingTags, -strength, phrase));
  } else effects.push({ vocals: 'on', sources: { vocals: phrase } });
  return false;
}

/** "a woman singing" sets the vocals filter; "no male vocals" excludes (or, "less", down-weights) the catalog's tags for it. */
function applySingerGender({ polarity, strength, phrase }: SaidItem, gender: 'female' | 'male', singingTags: readonly string[], reading: TurnReading): boolean {
  const genderTags = singingTags.filter((t) => (gender === 'female' ? /female|wom[ae]n/ : /(^|[^e])male|\bm[ae]n\b/).test(t));
  if (!isNegative(polarity)) {
    reading.effects.push({ vocals: gender, sources: { vocals: phrase } });
    return false;
  }
  if (genderTags.length === 0) {
    reading.notes.push(`ignored '${phrase}': this catalog has no ${gender}-vocals tag to filter on`);
    return false;
  }
  reading.effects.push(polarity === 'exclude' ? { excludeTags: genderTags, sources: tagSources(genderTags, phrase) } : tagWeights(genderTags, -strength, phrase));
  return false;
}

/** "faster", "not so slow", "more tempo": a tempo direction (a negation turns it round). */
function applyTempo({ item, polarity, strength, phrase }: SaidItem, effects: Effect[]): boolean {
  const scale = item.scale!;
  const negative = isNegative(polarity);
  let d = negative ? flip(scale.direction) : scale.direction;
  if (scale.direction === 'neutral') d = polarity === 'more' || polarity === 'only' ? 'up' : negative ? 'down' : 'neutral';
  if (d !== 'neutral') effects.push(direction('tempo', d, strength, phrase));
  return false;
}

/**
 * An energy or mood word: "no chill" excludes its tags, "calmer" / "not so dark" / "more energy" set a
 * direction (and weigh its tags), "chill" alone weighs its tags and stays text.
 */
function applyScaleWord({ item, polarity, strength, phrase }: SaidItem, field: 'energy' | 'mood', effects: Effect[]): boolean {
  const scale = item.scale!;
  const tags = item.tags ?? [];
  const negative = isNegative(polarity);
  if (polarity === 'exclude' && tags.length > 0 && !scale.comparative) {
    effects.push({ excludeTags: [...tags], sources: tagSources(tags, phrase) });
    return false;
  }
  if (scale.comparative || negative || polarity === 'more') {
    let d = negative ? flip(scale.direction) : scale.direction;
    if (scale.direction === 'neutral') d = polarity === 'more' ? 'up' : negative ? 'down' : 'neutral';
    if (d !== 'neutral') effects.push(direction(field, d, strength, phrase));
    if (!scale.comparative && tags.length > 0) effects.push(tagWeights(tags, negative ? -strength : strength, phrase));
    return false;
  }
  if (tags.length > 0) effects.push(polarity === 'only' ? { includeTags: [...tags], sources: tagSources(tags, phrase) } : tagWeights(tags, strength, phrase));
  return true;
}

/** A tag: excluded, down-weighted, required or weighted by the polarity; wanted tags stay text. */
function applyTag({ item, polarity, strength, phrase }: SaidItem, reading: TurnReading): boolean {
  const { effects } = reading;
  const tags = item.tags ?? [];
  const negative = isNegative(polarity);
  const broader = negative ? narrowerThanWanted(item.surface, tags, reading.wanted) : undefined;
  if (broader !== undefined) {
    // "jazz but not smooth jazz": the catalog's one tag covers both, so the narrower phrase steers as text.
    reading.negativeTexts.push(item.surface);
    reading.notes.push(`'${phrase}': the tag '${tags.join(', ')}' also covers '${broader}', which was asked for; '${item.surface}' is kept as text to steer away from`);
    return false;
  }
  if (!negative) for (const t of tags) reading.wanted.set(t, item.surface);
  if (polarity === 'exclude' || polarity === 'less') {
    effects.push(polarity === 'exclude' ? { excludeTags: [...tags], sources: tagSources(tags, phrase) } : tagWeights(tags, -strength, phrase));
    reading.negatedTerms.push(...tags);
    return false;
  }
  effects.push(polarity === 'only' ? { includeTags: [...tags], sources: tagSources(tags, phrase) } : tagWeights(tags, strength, phrase));
  return true;
}

/** The wanted phrase a negated phrase narrows ("jazz" for "smooth jazz"), when it names only tags asked for in this turn. */
function narrowerThanWanted(surface: string, tags: readonly string[], wanted: ReadonlyMap<string, string>): string | undefined {
  const asked = tags.map((t) => wanted.get(t));
  const first = asked[0];
  if (first === undefined || asked.some((a) => a !== first) || first === surface) return undefined;
  const words = new Set(surface.split(' '));
  return first.split(' ').every((w) => words.has(w)) ? first : undefined;
}

/** Multiplies the weights and direction strengths of effects[from, to) ("tone it down a bit"). */
export function scaleEffects(effects: Effect[], range: { from: number; to: number }, factor: number): void {
  for (let k = range.from; k < range.to; k++) {
    const e = effects[k]!;
    if (e.weights) e.weights = Object.fromEntries(Object.entries(e.weights).map(([t, w]) => [t, w * factor]));
    for (const field of ['tempo', 'energy', 'mood'] as const) {
      if (e[field] !== undefined) e.strength = { ...e.strength, [field]: (e.strength?.[field] ?? 1) * factor };
    }
  }
}

const flip = (d: ScaleWord['direction']): ScaleWord['direction'] => (d === 'up' ? 'down' : d === 'down' ? 'up' : 'neutral');

const tagSources = (tags: readonly string[], phrase: string): Record<string, string> => Object.fromEntries(tags.map((t) => [`tag:${t}`, phrase]));

function tagWeights(tags: readonly string[], w: number, phrase: string): Effect {
  return { weights: Object.fromEntries(tags.map((t) => [t, w])), sources: tagSources(tags, phrase) };
}

function direction(field: 'tempo' | 'energy' | 'mood', d: 'up' | 'down', strength: number, phrase: string): Effect {
  const value = field === 'tempo' ? (d === 'up' ? 'faster' : 'slower') : field === 'energy' ? (d === 'up' ? 'higher' : 'lower') : d === 'up' ? 'brighter' : 'darker';
  return { [field]: value, sources: { [field]: phrase }, ...(strength !== 1 ? { strength: { [field]: strength } } : {}) };
}

function describeAnalogy(analogy: Analogy, known: readonly (readonly [string, number])[]): string {
  const parts = known.map(([t, w]) => `${t} ${w > 0 ? '+' : ''}${w}`);
  if (analogy.tempo) parts.push(`tempo ${analogy.tempo[0]}`);
  if (analogy.energy) parts.push(`energy ${analogy.energy[0]}`);
  if (analogy.mood) parts.push(`mood ${analogy.mood[0]}`);
  return parts.length ? parts.join(', ') : 'text only';
}
