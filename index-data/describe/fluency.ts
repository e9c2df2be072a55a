import { wordsOf } from '../vocabulary/words.js';

/**
 * Checks that a generated description reads like one, whatever it says: not gibberish (mostly
 * non-words, control characters), not a loop ("the the the"), not the prompt coming back ("Tags: ..."),
 * not cut off mid-word or mid-sentence, and of a sensible length. What it claims is the contradiction
 * check's job (guard.ts).
 */
export type FluencyReason = 'non-words' | 'repetition' | 'prompt-echo' | 'truncated' | 'too-short' | 'too-long';

export interface Finding<R extends string = string> {
  readonly reason: R;
  /** Human-readable evidence, e.g. `31 of 40 words (78%) are not English words`. */
  readonly detail: string;
}

export const MIN_WORDS = 4;
export const MAX_CHARS = 800;
/** Above this share of words missing from the lexicon, a text is gibberish. */
export const MAX_UNKNOWN_SHARE = 0.4;
/** A word or phrase repeated back to back this many times is a generation loop. */
const MAX_BACK_TO_BACK = 3;
/** A longer text using fewer distinct words than this share of its words goes round in circles. */
const MIN_DISTINCT_SHARE = 0.3;
const DISTINCT_CHECK_FROM_WORDS = 30;

/** Words a sentence does not end on. */
const DANGLING = new Set([
  'a',
  'an',
  'the',
  'and',
  'or',
  'but',
  'nor',
  'with',
  'of',
  'to',
  'by',
  'in',
  'on',
  'at',
  'for',
  'from',
  'into',
  'as',
  'that',
  'which',
  'while',
  'its',
  'their',
  'his',
  'her',
  'is',
  'are',
  'was',
  'were',
  'this',
  'these',
  'very',
  'such',
]);
/** Labels and phrases of the analogy prompt (analogy.ts) that a description never contains. */
const PROMPT_LABEL = /(?<![\p{L}])(tags?|description|descriptions)\s*:/iu;
const PROMPT_PHRASES = [
  'short descriptions of music tracks',
  'follow the pattern of the examples',
  'turn the tags into',
  'name only genres',
  'do not invent others',
  'answer with the description only',
  'do not mention recording quality',
];
// Control characters other than tab and newlines, and U+FFFD, the mark of undecodable token bytes.
// eslint-disable-next-line no-control-regex
const NOT_TEXT = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\ufffd]/u;

function percent(part: number, whole: number): string {
  return `${Math.round((100 * part) / whole)}%`;
}

function nonWords(text: string, words: readonly string[], lexicon: ReadonlySet<string>): Finding<FluencyReason> | undefined {
  const bad = text.match(new RegExp(NOT_TEXT.source, 'gu'));
  if (bad) return { reason: 'non-words', detail: `contains ${bad.length} control or undecodable character${bad.length === 1 ? '' : 's'}` };
  if (words.length === 0) return { reason: 'non-words', detail: 'contains no words' };
  const unknown = words.filter((w) => !lexicon.has(w));
  if (unknown.length / words.length > MAX_UNKNOWN_SHARE) {
    return { reason: 'non-words', detail: `${unknown.length} of ${words.length} words (${percent(unknown.length, words.length)}) are not English words, e.g. "${unknown.slice(0, 3).join('", "')}"` };
  }
  return undefined;
}

function repetition(words: readonly string[]): Finding<FluencyReason> | undefined {
  for (let n = 1; n <= 6; n++) {
    for (let i = 0; i + n * MAX_BACK_TO_BACK <= words.length; i++) {
      const phrase = words.slice(i, i + n).join(' ');
      let times = 1;
      while (times < MAX_BACK_TO_BACK && words.slice(i + times * n, i + (times + 1) * n).join(' ') === phrase) times++;
      if (times >= MAX_BACK_TO_BACK) return { reason: 'repetition', detail: `repeats "${phrase}" ${MAX_BACK_TO_BACK} or more times in a row` };
    }
  }
  if (words.length >= DISTINCT_CHECK_FROM_WORDS) {
    const distinct = new Set(words).size;
    if (distinct / words.length < MIN_DISTINCT_SHARE) return { reason: 'repetition', detail: `only ${distinct} distinct words in ${words.length}` };
  }
  return undefined;
}

function promptEcho(text: string, tagNames: readonly string[]): Finding<FluencyReason> | undefined {
  const label = PROMPT_LABEL.exec(text);
  if (label) return { reason: 'prompt-echo', detail: `contains the prompt label "${label[0]}"` };
  const lower = text.toLowerCase();
  const phrase = PROMPT_PHRASES.find((p) => lower.includes(p));
  if (phrase) return { reason: 'prompt-echo', detail: `repeats the instructions ("${phrase}")` };
  // The tag list itself: three or more leading comma-separated items that are exactly tag names.
  const tags = new Set(tagNames.map((t) => t.toLowerCase()));
  const items = lower.split(',').map((s) => s.trim().replace(/[.!?]+$/, ''));
  let listed = 0;
  while (listed < items.length && tags.has(items[listed]!)) listed++;
  if (listed >= 3) return { reason: 'prompt-echo', detail: `starts by listing the tags (${items.slice(0, listed).join(', ')})` };
  return undefined;
}

function truncated(text: string, words: readonly string[], lexicon: ReadonlySet<string>): Finding<FluencyReason> | undefined {
  const trimmed = text.trimEnd();
  if (/[.!?…]["'”’)\]]*$/u.test(trimmed)) return undefined;
  if (/[:\-–—(/&]$/u.test(trimmed)) return { reason: 'truncated', detail: `stops at "${trimmed.slice(-12)}"` };
  // People do end a caption on a comma or semicolon; only the word before it tells a cut-off apart.
  const last = words.at(-1);
  if (last === undefined || !/\p{L}[,;]?$/u.test(trimmed)) return undefined;
  if (!lexicon.has(last)) return { reason: 'truncated', detail: `stops mid-word ("${last}")` };
  if (DANGLING.has(last)) return { reason: 'truncated', detail: `stops mid-sentence ("... ${words.slice(-3).join(' ')}")` };
  return undefined;
}

function length(text: string, words: readonly string[]): Finding<FluencyReason> | undefined {
  if (words.length < MIN_WORDS) return { reason: 'too-short', detail: `${words.length} word${words.length === 1 ? '' : 's'} (at least ${MIN_WORDS} wanted)` };
  if (text.length > MAX_CHARS) return { reason: 'too-long', detail: `${text.length} characters (at most ${MAX_CHARS})` };
  return undefined;
}

/** Every way `text` fails to read as a description; empty when it reads fine. `lexicon` holds lower-cased English words. */
export function fluencyFindings(text: string, tagNames: readonly string[], lexicon: ReadonlySet<string>): Finding<FluencyReason>[] {
  const words = wordsOf(text);
  return [nonWords(text, words, lexicon), repetition(words), promptEcho(text, tagNames), truncated(text, words, lexicon), length(text, words)].filter(
    (f): f is Finding<FluencyReason> => f !== undefined,
  );
}
