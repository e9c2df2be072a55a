/**
 * Words the refinement parser recognises besides tag names. Multi-word entries are written with single
 * spaces and matched against the normalised token stream, longest first.
 */

/** How a trigger word changes the item that follows it. */
export type Polarity = 'neutral' | 'exclude' | 'less' | 'more' | 'only';

/** Whether the polarity turns what follows away ("no X", "less X"). */
export const isNegative = (p: Polarity): boolean => p === 'exclude' || p === 'less';

export const TRIGGERS: ReadonlyMap<string, Polarity> = new Map<string, Polarity>([
  // hard exclusions
  ...[
    'no',
    'not',
    'without',
    'w/o',
    'avoid',
    'never',
    'nothing',
    'none',
    'zero',
    'minus',
    'skip',
    'drop',
    'remove',
    'lose',
    'ditch',
    'hate',
    'dont want',
    'do not want',
    'dont like',
    'do not like',
    'dont use',
    'get rid of',
    'cut',
    'cut out',
    'free of',
    'no more',
    'nothing with',
    'exclude',
    'excluding',
    'leave out',
    'stop the',
    'kill the',
    'ban',
    'dont',
    'do not',
    'doesnt',
    'does not',
    'shouldnt',
    'should not',
    'shouldnt have',
    'cant stand',
    'can not stand',
    'not into',
    'im not into',
    'lose the',
    'take out',
    'take away',
    'strip out',
    'mute',
    'silence',
    'hold the',
    'spare me',
    'anything but',
    'everything but',
    'other than',
    'rather than',
    'instead of',
    'except',
    'except for',
    'apart from',
    'aside from',
    'save for',
    'not any',
    'no need for',
    'dont need',
    'dont add',
    'scrap',
    'toss',
    'forget',
    'forget about',
  ].map((w) => [w, 'exclude'] as const),
  // soft down-weights
  ...[
    'less',
    'fewer',
    'not so',
    'not too',
    'not as',
    'not that',
    'not very',
    'not overly',
    'reduce',
    'lower',
    'tone down',
    'less of',
    'down on',
    'dial back',
    'dial down',
    'turn down',
    'lighter on',
    'light on',
    'go light on',
    'easy on',
    'go easy on',
    'ease off',
    'ease off the',
    'not much',
    'less of the',
    'too much',
    'too many',
    'too much of',
    'too',
    'overly',
    'excessively',
    'not so much',
    'not a fan of',
    'not a big fan of',
    'not keen on',
    'not crazy about',
    'not loving',
    'not feeling',
    'tired of',
    'sick of',
    'enough',
  ].map((w) => [w, 'less'] as const),
  // soft boosts
  ...[
    'more',
    'extra',
    'add',
    'add some',
    'add a',
    'add in',
    'lots of',
    'a lot of',
    'plenty of',
    'increase',
    'boost',
    'higher',
    'heavier on',
    'heavy on',
    'with',
    'with some',
    'more of',
    'crank up',
    'turn up',
    'up the',
    'featuring',
    'focus on',
    'emphasis on',
    'emphasize',
    'bring in',
    'throw in',
    'put in',
    'include',
    'layer in',
    'some more',
    'more of the',
    'load up on',
  ].map((w) => [w, 'more'] as const),
  // hard inclusions
  ...[
    'only',
    'just',
    'must have',
    'must be',
    'has to be',
    'have to be',
    'has to have',
    'needs',
    'needs to be',
    'need',
    'require',
    'requires',
    'strictly',
    'purely',
    'exclusively',
    'nothing but',
    'must include',
    'it must have',
  ].map((w) => [w, 'only'] as const),
]);

export const VOCAL_WORDS: ReadonlySet<string> = new Set([
  'vocals',
  'vocal',
  'voice',
  'voices',
  'singing',
  'singer',
  'singers',
  'lyrics',
  'vocalist',
  'vocalists',
  'sung',
  'vox',
  'words',
  'acapella',
  'a cappella',
  'rapping',
  'rapper',
]);
export const FEMALE_WORDS: ReadonlySet<string> = new Set(['female', 'woman', 'women', 'girl', 'girls', 'feminine', 'woman s', 'womens']);
export const MALE_WORDS: ReadonlySet<string> = new Set(['male', 'man', 'men', 'guy', 'guys', 'masculine', 'mens']);
export const INSTRUMENTAL_WORDS: ReadonlySet<string> = new Set(['instrumental', 'instrumentals', 'instrumental only', 'no singing']);

export type Direction = 'up' | 'down' | 'neutral';

export interface ScaleWord {
  /** `up` = faster / more energy / brighter; `down` = slower / calmer / darker. */
  readonly direction: Direction;
  /** A comparative ("faster", "calmer") says which way to move, so it is never text for an encoder. */
  readonly comparative: boolean;
}

function scale(up: readonly string[], down: readonly string[], comparativeUp: readonly string[], comparativeDown: readonly string[], neutral: readonly string[] = []): ReadonlyMap<string, ScaleWord> {
  return new Map<string, ScaleWord>([
    ...up.map((w) => [w, { direction: 'up', comparative: false }] as const),
    ...down.map((w) => [w, { direction: 'down', comparative: false }] as const),
    ...comparativeUp.map((w) => [w, { direction: 'up', comparative: true }] as const),
    ...comparativeDown.map((w) => [w, { direction: 'down', comparative: true }] as const),
    ...neutral.map((w) => [w, { direction: 'neutral', comparative: true }] as const),
  ]);
}

export const TEMPO_WORDS = scale(
  ['fast', 'quick', 'speedy', 'uptempo', 'up tempo', 'fast paced', 'high tempo', 'rapid', 'brisk', 'fast tempo'],
  ['slow', 'downtempo', 'down tempo', 'slow paced', 'low tempo', 'leisurely', 'slow tempo'],
  ['faster', 'quicker', 'speedier', 'faster paced', 'higher tempo', 'speed up', 'speed it up', 'pick up the pace', 'step up the pace', 'rapider'],
  ['slower', 'slower paced', 'lower tempo', 'slow down', 'slow it down', 'slow things down', 'take it slower'],
  ['tempo', 'pace', 'bpm', 'speed'],
);

export const ENERGY_WORDS = scale(
  ['energetic', 'intense', 'upbeat', 'powerful', 'punchy', 'hype', 'hyped', 'driving', 'aggressive', 'lively', 'exciting', 'hard', 'heavy', 'loud', 'bouncy', 'high energy', 'pumping', 'wild'],
  [
    'calm',
    'chill',
    'chilled',
    'mellow',
    'relaxed',
    'relaxing',
    'soft',
    'gentle',
    'quiet',
    'laid back',
    'laidback',
    'peaceful',
    'soothing',
    'subtle',
    'low key',
    'lowkey',
    'sleepy',
    'low energy',
    'tranquil',
    'serene',
  ],
  [
    'livelier',
    'punchier',
    'harder',
    'heavier',
    'louder',
    'intenser',
    'pump it up',
    'amp it up',
    'turn it up',
    'crank it up',
    'higher energy',
    'wilder',
    'hype it up',
    'kick it up a notch',
    'liven it up',
    'liven up',
  ],
  ['calmer', 'chiller', 'mellower', 'softer', 'gentler', 'quieter', 'tone it down', 'chill out', 'lower energy', 'calm it down', 'calm down', 'bring it down'],
  ['energy', 'intensity', 'power'],
);

export const MOOD_WORDS = scale(
  ['bright', 'happy', 'cheerful', 'uplifting', 'joyful', 'sunny', 'optimistic', 'hopeful', 'fun', 'playful', 'positive', 'feel good', 'joyous'],
  ['dark', 'sad', 'melancholic', 'melancholy', 'gloomy', 'moody', 'somber', 'sombre', 'ominous', 'sinister', 'tense', 'eerie', 'spooky', 'bleak', 'depressing', 'grim', 'creepy', 'scary'],
  ['brighter', 'happier', 'cheerier', 'lighter', 'sunnier', 'cheer up', 'cheer it up', 'brighten it up', 'brighten up', 'lighten it up', 'lighten up'],
  ['darker', 'sadder', 'gloomier', 'moodier', 'grimmer', 'bleaker', 'spookier', 'creepier', 'scarier'],
  ['mood'],
);

export const CONJUNCTIONS: ReadonlySet<string> = new Set(['and', 'or', 'nor', '&', 'plus', 'also', 'and also', 'as well as']);

export const RESET_PHRASES: ReadonlySet<string> = new Set([
  'reset',
  'start over',
  'start again',
  'clear',
  'clear all',
  'forget everything',
  'from scratch',
  'reset everything',
  'start from scratch',
  'lets start over',
  'start over please',
  'begin again',
  'clear everything',
  'reset please',
  'start fresh',
  'restart',
  'new search',
]);

/** A turn that takes back the previous turn (the state before it returns, with its picks). */
export const UNDO_PHRASES: ReadonlySet<string> = new Set([
  'undo',
  'undo that',
  'undo please',
  'undo the last one',
  'undo last',
  'undo the last change',
  'go back',
  'go back one',
  'step back',
  'back',
  'take that back',
  'revert',
  'revert that',
  'previous',
  'never mind',
  'nevermind',
  'scratch that',
  'forget that',
  'forget it',
  'go back to the previous ones',
  'go back to the last picks',
  'back to the previous picks',
  'undo the last refinement',
]);

/**
 * How strongly a change applies: "a bit faster" (0.5), "faster" (1), "way faster" (2). Before a trigger or
 * a comparative, or trailing after one ("tone it down a bit").
 */
export const INTENSITY: ReadonlyMap<string, number> = new Map([
  ...[
    'a bit',
    'a little',
    'a little bit',
    'a tiny bit',
    'little bit',
    'bit',
    'little',
    'slightly',
    'somewhat',
    'a touch',
    'a tad',
    'tad',
    'a smidge',
    'a hair',
    'a wee bit',
    'mildly',
    'marginally',
    'just a bit',
    'just a little',
  ].map((w) => [w, 0.5] as const),
  ...[
    'much',
    'way',
    'a lot',
    'lots',
    'far',
    'a whole lot',
    'loads',
    'a ton',
    'tons',
    'significantly',
    'considerably',
    'massively',
    'so much',
    'a great deal',
    'drastically',
    'heaps',
    'even',
    'way way',
  ].map((w) => [w, 2] as const),
]);

/**
 * Clauses that take back an earlier exclusion ("drums are fine now", "I don't mind strings", "bring the
 * guitar back"): what they name is lifted, never added as a preference.
 */
export const LIFT_CUE =
  /\b(?:(?:is|are|s|re|was|were|be|seem|seems|sound|sounds)\s+(?:now\s+|actually\s+|totally\s+|perfectly\s+|also\s+|still\s+)?(?:fine|ok|okay|alright|all right|allowed|acceptable)\b|(?:dont|do not|wouldnt|would not)\s+mind\b|\bbring\s+back\b|\bbring\b.*\bback\b|\bput\b.*\bback\b|\bback\s+in\b|\ballow\b|\bunban\b|\bno\s+longer\s+(?:a\s+problem|an\s+issue)|\b(?:can|could|may)\s+(?:use|have|add|include|keep)\b.*\b(?:again|back|after\s+all)\b|\b(?:any|whatever)\s+(?:tempo|bpm|speed|energy|mood|pace)\b)/;

/** Common words that carry no constraint; never "corrected" into a tag or a control word. */
export const STOPWORDS: ReadonlySet<string> = new Set(
  `a an the it its this that these those some any something anything stuff thing things song songs music track tracks tune
  tunes one ones please pls plz make made makes making give me my i im id ive we us you your want wanted would like likes
  liked of for to in on at by from as is are was be been being bit little lot lots kind sort type vibe vibes feel feeling
  way really very quite so too much many than then there here what which who how also again maybe perhaps can could
  should will shall do does did dont have has had get got go going let lets try keep still now bit abit kinda sorta
  even same other another over under into out up down off about around while when where why all both each few such
  own right sound sounds sounding style piece pieces background clip video scene for thanks thank okay ok yes yeah
  hmm um well actually instead rather though but either whatever cool nice good great better best awesome please put
  use used using play playing played choose pick picks picked option options show need youd itd thatd id hear heard listen
  listening somewhere somehow whatever anyway anyways honestly basically just please maybe bring now again ones any song's
  prefer think guess wish hope mean feel felt overall kinda sorta totally completely absolutely definitely know care love loved loving enjoy enjoyed adore
  fine version versions`
    .split(/\s+/)
    .filter(Boolean),
);

export const ORDINALS: ReadonlyMap<string, number> = new Map([
  ['first', 1],
  ['second', 2],
  ['third', 3],
  ['fourth', 4],
  ['fifth', 5],
  ['sixth', 6],
  ['seventh', 7],
  ['eighth', 8],
  ['ninth', 9],
  ['tenth', 10],
  ['1st', 1],
  ['2nd', 2],
  ['3rd', 3],
  ['4th', 4],
  ['5th', 5],
  ['6th', 6],
  ['7th', 7],
  ['8th', 8],
  ['9th', 9],
  ['10th', 10],
  ['one', 1],
  ['two', 2],
  ['three', 3],
  ['four', 4],
  ['five', 5],
]);

/**
 * Words that are complaints on their own ("this is boring", "sounds cheap"): kept as negative text,
 * never as wanted text, and after a tag ("the strings are corny") they lower it like "too …" does.
 * Only words that are not tags; a tag ("harsh" is aggressive) is read as the tag.
 */
export const COMPLAINT_WORDS_ALONE: ReadonlySet<string> = new Set(
  `boring bored dull bland generic cheesy corny cheap annoying irritating grating repetitive monotonous samey tacky lame
  cringe cringey cringy tedious predictable forgettable muddy tinny shrill cluttered messy overproduced overdone cliche
  cliched uninspired lifeless soulless awful terrible horrible`
    .split(/\s+/)
    .filter(Boolean),
);
