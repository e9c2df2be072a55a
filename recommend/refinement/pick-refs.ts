import { ORDINALS } from './lexicon.js';

/** A "#n" reference to a pick shown earlier (1-based; -1 the last, -2 the one before; 'all' every one), resolved by the caller. */
export interface TrackRef {
  readonly kind: 'like' | 'exclude';
  readonly position: number | 'all';
  readonly phrase: string;
}

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
  [
    'like',
    new RegExp(
      String.raw`\b(?:(?:(?:a\s+)?(?:bit|little|lot)\s+)?more\s+|something\s+|anything\s+|stuff\s+|i\s+|even\s+more\s+)?(?:like|similar\s+to|closer\s+to|in\s+the\s+style\s+of|same\s+vibe\s+as|along\s+the\s+lines\s+of|the\s+same\s+as|same\s+as|liked|loved|love|keep|go\s+with|based\s+on)\s+${REF_TARGET}`,
      'g',
    ),
  ],
  ['like', new RegExp(String.raw`#\s*(\d{1,2})\b()()()`, 'g')],
  ['like', new RegExp(String.raw`\b()(?:number|nr\.?|pick|option)\s*#?\s*(\d{1,2})\b()()`, 'g')],
  // "the 2nd one but darker": an ordinal naming a pick, with nothing negating it, means that one.
  ['like', new RegExp(String.raw`\b()()(?:the\s+)?(${ORDINAL_WORDS})\s+(?:one|pick|track|song|option|result)\b()`, 'g')],
];
const GROUP_COUNT: ReadonlyMap<string, number> = new Map([
  ['two', 2],
  ['three', 3],
  ['four', 4],
  ['2', 2],
  ['3', 3],
  ['4', 4],
]);
const PICK_GROUP = String.raw`(?:the\s+)?(first|top|last|bottom)\s+(two|three|four|2|3|4)(?:\s+(?:ones|picks|tracks|songs|options|results))?`;
/** "drop the first two", "the last three are wrong", "keep the top two": several picks named at once. */
const GROUP_PATTERNS: readonly (readonly ['like' | 'exclude', RegExp])[] = [
  ['exclude', new RegExp(String.raw`\b(?:${EXCLUDE_REF})\s+${PICK_GROUP}\b`, 'g')],
  ['exclude', new RegExp(String.raw`\b${PICK_GROUP}${VERDICT_VERB}${BAD_VERDICT}\b`, 'g')],
  ['like', new RegExp(String.raw`\b(?:(?:more\s+)?like|liked|loved|keep|go\s+with|closer\s+to|similar\s+to)\s+${PICK_GROUP}\b`, 'g')],
  ['like', new RegExp(String.raw`\b${PICK_GROUP}${VERDICT_VERB}${GOOD_VERDICT}\b`, 'g')],
];

/** "none of these", "all of those are wrong", "different ones": every pick shown is excluded. */
const EXCLUDE_ALL =
  /\b(?:none\s+of\s+(?:these|those|them|the\s+above|this\s+list|the\s+picks|the\s+songs|the\s+tracks)|not\s+any\s+of\s+(?:these|those|them)|(?:all\s+of\s+)?(?:these|those|them|they)\s+(?:are|were|all)\s+(?:all\s+)?(?:bad|wrong|terrible|awful|off|no\s+good|meh|boring)|(?:something|anything)\s+(?:completely\s+|totally\s+)?(?:else|different)\s+(?:than|from)\s+(?:these|those|them)|(?:show\s+me\s+)?(?:different|other|new)\s+(?:ones|picks|songs|tracks|options)|neither\s+of\s+(?:these|those))\b/g;

/**
 * Reads the picks a turn names ("none of these", "drop the first two", "more like #2", "the third one
 * is wrong") into `refs`, in that order; returns the text with each phrase replaced by a clause break.
 */
export function readPickRefs(text: string, refs: TrackRef[]): string {
  let s = text.replace(EXCLUDE_ALL, (match: string) => {
    refs.push({ kind: 'exclude', position: 'all', phrase: match.trim() });
    return ' ; ';
  });
  s = readPickGroups(s, refs);
  return readSinglePicks(s, refs);
}

function readPickGroups(text: string, refs: TrackRef[]): string {
  let s = text;
  for (const [kind, pattern] of /first|top|last|bottom/.test(s) ? GROUP_PATTERNS : []) {
    s = s.replace(pattern, (match: string, end: string, count: string) => {
      const n = GROUP_COUNT.get(count)!;
      const fromEnd = end === 'last' || end === 'bottom';
      for (let k = 1; k <= n; k++) refs.push({ kind, position: fromEnd ? k - n - 1 : k, phrase: match.trim() });
      return ' ; ';
    });
  }
  return s;
}

function readSinglePicks(text: string, refs: TrackRef[]): string {
  let s = text;
  for (const [kind, pattern] of /#|\d|first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|last/.test(s) ? REF_PATTERNS : []) {
    s = s.replace(pattern, (match: string, hash?: string, numbered?: string, ordinal?: string, digit?: string) => {
      const phrase = match.trim();
      const position = hash || numbered || digit ? Number(hash || numbered || digit) : ordinal === 'last' ? -1 : ORDINALS.get(ordinal ?? '');
      if (position === undefined || position === 0) return match;
      refs.push({ kind, position, phrase });
      return ' ; ';
    });
  }
  return s;
}
