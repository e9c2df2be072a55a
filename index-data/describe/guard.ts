import type { ScoredTag, TagGroup } from '../types.js';
import { aliasPattern } from '../vocabulary/match.js';
import { descriptionLexicon, type TagVocabulary } from '../vocabulary/vocabulary.js';
import { fluencyFindings, type Finding, type FluencyReason } from './fluency.js';

/** Bump when the guard gets stricter: descriptions accepted by an older guard are then checked again. */
export const GUARD_VERSION = 2;

/**
 * Why a description was rejected: it names what the tags contradict, names nothing of the vocabulary
 * at all, or does not read as a description (fluency.ts).
 */
export type GuardReason = 'contradiction' | 'off-topic' | FluencyReason;

/** Groups whose mentions must agree with the tags (moods and tempo are a matter of taste). */
const CHECKED_GROUPS: readonly TagGroup[] = ['genre', 'instrument', 'vocals'];

/** Tags close enough that naming one when the other was tagged is not a contradiction. */
const RELATED: readonly (readonly string[])[] = [
  ['drums', 'electronic drums', 'percussion'],
  ['strings', 'violin', 'cello'],
  ['brass', 'trumpet'],
  ['electronic', 'dance'],
  ['pop', 'dance'],
  ['hip hop', 'lo-fi'],
];

/** Words that claim a voice, contradicting an instrumental track unless negated. */
const VOICE_WORDS = ['vocal', 'vocals', 'vocalist', 'singer', 'singers', 'singing', 'sings', 'sung', 'voice', 'voices', 'rapper', 'rapping', 'lyrics', 'choir'];
const NEGATION = /\b(no|without|not|never|lacks?|lacking|free of|absence of|devoid of|zero)\b[\w\s,-]{0,24}$/i;

export interface GuardVerdict {
  readonly ok: boolean;
  /** Each rejection reason once, in the order found. */
  readonly reasons: readonly GuardReason[];
  /** One line per finding, e.g. `contradiction: names "saxophone" (instrument) but the tags do not`. */
  readonly violations: readonly string[];
}

function mentions(text: string, phrase: string): number[] {
  const global = new RegExp(aliasPattern(phrase).source, 'giu');
  return [...text.matchAll(global)].map((m) => m.index);
}

function asserted(text: string, phrase: string): boolean {
  return mentions(text, phrase).some((at) => !NEGATION.test(text.slice(Math.max(0, at - 40), at)));
}

function contradictions(text: string, selected: readonly ScoredTag[], vocabulary: TagVocabulary): string[] {
  const have = new Set(selected.map((t) => t.tag));
  const allowed = new Set(have);
  for (const group of RELATED) if (group.some((t) => have.has(t))) group.forEach((t) => allowed.add(t));
  const violations: string[] = [];
  for (const group of CHECKED_GROUPS) {
    for (const entry of vocabulary.groups[group]) {
      if (allowed.has(entry.tag)) continue;
      const alias = entry.aliases.find((a) => !a.startsWith('=') && asserted(text, a));
      if (alias) violations.push(`names "${alias}" (${group}: ${entry.tag}) but the tags do not`);
    }
  }
  if (have.has('instrumental')) {
    const word = VOICE_WORDS.find((w) => asserted(text, w));
    if (word) violations.push(`claims vocals ("${word}") but the track is tagged instrumental`);
  }
  const sexes: readonly [string, string, readonly string[]][] = [
    ['female vocals', 'male vocals', ['male vocal', 'male voice', 'male singer', 'male vocalist', 'man singing', 'his voice']],
    ['male vocals', 'female vocals', ['female vocal', 'female voice', 'female singer', 'female vocalist', 'woman singing', 'her voice']],
  ];
  for (const [tagged, other, words] of sexes) {
    if (!have.has(tagged) || have.has(other)) continue;
    const word = words.find((w) => asserted(text, w));
    if (word) violations.push(`names "${word}" but the track is tagged ${tagged}`);
  }
  return [...new Set(violations)];
}

/** Words that show a text is about music even when it names no tag (an unusual instrument, a style the vocabulary lacks). */
const MUSIC_WORDS = [
  'music',
  'musical',
  'song',
  'songs',
  'melody',
  'melodies',
  'melodic',
  'tune',
  'tunes',
  'track',
  'piece',
  'beat',
  'beats',
  'rhythm',
  'rhythms',
  'rhythmic',
  'harmony',
  'harmonies',
  'chord',
  'chords',
  'instrument',
  'instruments',
  'instrumental',
  'vocal',
  'vocals',
  'voice',
  'voices',
  'singing',
  'singer',
  'sings',
  'guitar',
  'guitars',
  'bass',
  'drum',
  'drums',
  'percussion',
  'tempo',
  'groove',
  'riff',
  'riffs',
  'solo',
  'orchestra',
  'ensemble',
  'band',
  'jingle',
  'lyrics',
  'vocalist',
  'vocalists',
  'instrumentalist',
  'notes',
];

const namesCache = new WeakMap<TagVocabulary, RegExp[]>();

/** Does the text name anything the vocabulary knows (a tag or any alias of one, in any group) or at least talk about music? */
function namesVocabulary(text: string, selected: readonly ScoredTag[], vocabulary: TagVocabulary): boolean {
  let patterns = namesCache.get(vocabulary);
  if (!patterns) {
    const phrases = new Set([...MUSIC_WORDS, ...Object.values(vocabulary.groups).flatMap((entries) => entries.flatMap((e) => [e.tag, ...e.aliases.map((a) => a.replace(/^=/, ''))]))]);
    patterns = [...phrases].map(aliasPattern);
    namesCache.set(vocabulary, patterns);
  }
  return selected.some((t) => aliasPattern(t.tag).test(text)) || patterns.some((p) => p.test(text));
}

/**
 * Judges a generated description against the track's selected tags. Rejects one that names a genre,
 * instrument or vocal kind the tags do not have, or claims vocals on an instrumental track (negated
 * mentions such as "no drums" are fine); that names nothing of the tag vocabulary nor any music word (off-topic); or
 * that does not read as a description: mostly non-words, a loop, the prompt echoed, cut off, far too
 * short or too long (fluency.ts). `lexicon` defaults to the MusicCaps caption words.
 */
export function guardDescription(text: string, selected: readonly ScoredTag[], vocabulary: TagVocabulary, lexicon: ReadonlySet<string> = descriptionLexicon()): GuardVerdict {
  const findings: Finding<GuardReason>[] = [
    ...fluencyFindings(
      text,
      selected.map((t) => t.tag),
      lexicon,
    ),
    ...contradictions(text, selected, vocabulary).map((detail) => ({ reason: 'contradiction' as const, detail })),
  ];
  if (!namesVocabulary(text, selected, vocabulary)) findings.push({ reason: 'off-topic', detail: 'names none of the tags, no genre, mood, instrument, vocals or tempo, and no other music word' });
  return {
    ok: findings.length === 0,
    reasons: [...new Set(findings.map((f) => f.reason))],
    violations: findings.map((f) => `${f.reason}: ${f.detail}`),
  };
}
