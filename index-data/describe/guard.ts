import type { ScoredTag, TagGroup } from '../types.js';
import { aliasPattern } from '../vocabulary/match.js';
import type { TagVocabulary } from '../vocabulary/vocabulary.js';

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
  /** One line per contradiction, e.g. `names "saxophone" (instrument) but the tags do not`. */
  readonly violations: readonly string[];
}

function mentions(text: string, phrase: string): number[] {
  const global = new RegExp(aliasPattern(phrase).source, 'giu');
  return [...text.matchAll(global)].map((m) => m.index ?? 0);
}

function asserted(text: string, phrase: string): boolean {
  return mentions(text, phrase).some((at) => !NEGATION.test(text.slice(Math.max(0, at - 40), at)));
}

/**
 * Rejects a description that names a genre, instrument or vocal kind the selected tags do not have,
 * or claims vocals on an instrumental track. Negated mentions ("no drums") are fine.
 */
export function guardDescription(text: string, selected: readonly ScoredTag[], vocabulary: TagVocabulary): GuardVerdict {
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
  return { ok: violations.length === 0, violations: [...new Set(violations)] };
}
