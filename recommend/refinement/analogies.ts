/**
 * Scene and genre analogies people use instead of tags ("something you'd hear in a coffee shop",
 * "like a 90s video game"). Each maps to soft tag weights and directions; the phrase itself still
 * reaches the text encoders, which may know more about a trailer than these few tags say. Tags the
 * catalog's vocabulary does not know are skipped. Documented in docs/recommend.md (*Analogies*).
 */
export interface Analogy {
  /** Canonical name, used in notes and sources. */
  readonly name: string;
  /** Ways of saying it, lower case, single spaces, apostrophes removed (matched as whole words). */
  readonly phrases: readonly string[];
  readonly weights: Readonly<Record<string, number>>;
  readonly tempo?: readonly ['faster' | 'slower', number];
  readonly energy?: readonly ['higher' | 'lower', number];
  readonly mood?: readonly ['brighter' | 'darker', number];
}

export const ANALOGIES: readonly Analogy[] = [
  {
    name: 'coffee shop',
    phrases: ['coffee shop', 'coffeeshop', 'coffee house', 'coffeehouse', 'cafe', 'café'],
    weights: { calm: 1, 'acoustic guitar': 0.5, jazz: 0.5 },
    energy: ['lower', 0.5],
  },
  {
    name: '90s video game',
    phrases: ['90s video game', '90s game', 'video game', 'videogame', 'retro game', 'arcade', '8 bit', '8bit', 'chiptune', 'retro gaming', 'game soundtrack', 'nintendo'],
    weights: { electronic: 1, synthesizer: 1, playful: 0.5 },
    energy: ['higher', 0.5],
  },
  {
    name: 'trailer',
    phrases: ['movie trailer', 'film trailer', 'trailer', 'epic trailer', 'blockbuster'],
    weights: { cinematic: 1, epic: 1, strings: 0.5 },
    energy: ['higher', 1],
  },
  {
    name: 'lullaby',
    phrases: ['lullaby', 'lullabies', 'bedtime', 'nursery rhyme', 'falling asleep', 'bedtime story'],
    weights: { calm: 1, dreamy: 0.5, piano: 0.5 },
    energy: ['lower', 1],
    tempo: ['slower', 1],
  },
  {
    name: 'workout',
    phrases: ['workout', 'work out', 'gym', 'working out', 'cardio', 'training montage', 'exercise'],
    weights: { energetic: 1, electronic: 0.5 },
    energy: ['higher', 1],
    tempo: ['faster', 1],
  },
  {
    name: 'rainy day',
    phrases: ['rainy day', 'rainy afternoon', 'rainy night', 'rainy', 'rain'],
    weights: { sad: 0.5, calm: 0.5, piano: 0.5 },
    mood: ['darker', 0.5],
  },
  {
    name: 'beach',
    phrases: ['beach', 'beach party', 'summer day', 'pool party', 'tropical', 'summer vibes'],
    weights: { happy: 1, uplifting: 0.5 },
    mood: ['brighter', 1],
  },
  {
    name: 'horror movie',
    phrases: ['horror movie', 'horror film', 'horror', 'haunted house', 'halloween', 'slasher'],
    weights: { dark: 1, mysterious: 1 },
    mood: ['darker', 1],
  },
  {
    name: 'wedding',
    phrases: ['wedding', 'wedding video', 'first dance'],
    weights: { romantic: 1, strings: 0.5, piano: 0.5 },
    mood: ['brighter', 0.5],
  },
  {
    name: 'road trip',
    phrases: ['road trip', 'roadtrip', 'highway drive', 'open road'],
    weights: { rock: 0.5, uplifting: 0.5 },
    energy: ['higher', 0.5],
  },
  {
    name: 'meditation',
    phrases: ['meditation', 'meditating', 'yoga', 'spa', 'massage'],
    weights: { ambient: 1, calm: 1 },
    energy: ['lower', 1],
    tempo: ['slower', 1],
  },
  {
    name: 'club',
    phrases: ['club', 'nightclub', 'rave', 'dance floor', 'dancefloor', 'party'],
    weights: { dance: 1, electronic: 1, energetic: 0.5 },
    energy: ['higher', 1],
    tempo: ['faster', 1],
  },
  {
    name: 'western',
    phrases: ['western', 'cowboy', 'saloon', 'wild west'],
    weights: { country: 1, banjo: 0.5, harmonica: 0.5 },
  },
  {
    name: 'film noir',
    phrases: ['film noir', 'noir', 'detective', 'speakeasy', 'smoky bar'],
    weights: { jazz: 1, saxophone: 0.5, mysterious: 0.5 },
    mood: ['darker', 0.5],
  },
  {
    name: 'studying',
    phrases: ['studying', 'study session', 'homework', 'focus music', 'concentration'],
    weights: { calm: 1, piano: 0.5 },
    energy: ['lower', 0.5],
  },
  {
    name: 'sports highlights',
    phrases: ['sports highlights', 'sports montage', 'highlight reel', 'sports'],
    weights: { energetic: 1, epic: 0.5, rock: 0.5 },
    energy: ['higher', 1],
  },
  {
    name: 'romantic dinner',
    phrases: ['romantic dinner', 'candlelight dinner', 'candlelit dinner', 'date night'],
    weights: { romantic: 1, jazz: 0.5, piano: 0.5 },
    energy: ['lower', 0.5],
  },
  {
    name: 'church',
    phrases: ['church', 'cathedral', 'church service'],
    weights: { gospel: 0.5, choir: 0.5, organ: 0.5 },
  },
  {
    name: 'christmas',
    phrases: ['christmas', 'xmas', 'holiday season'],
    weights: { bells: 1, happy: 0.5 },
  },
  {
    name: 'funeral',
    phrases: ['funeral', 'memorial', 'mourning'],
    weights: { sad: 1, strings: 0.5 },
    mood: ['darker', 1],
  },
  {
    name: 'spy movie',
    phrases: ['spy movie', 'spy film', 'heist', 'heist movie', 'secret agent', 'james bond'],
    weights: { mysterious: 1, brass: 0.5 },
  },
  {
    name: 'medieval tavern',
    phrases: ['medieval', 'tavern', 'renaissance fair', 'fantasy tavern'],
    weights: { folk: 1, flute: 0.5 },
  },
  {
    name: 'outer space',
    phrases: ['outer space', 'space music', 'space movie', 'sci fi', 'scifi', 'science fiction'],
    weights: { synthesizer: 1, ambient: 0.5, dreamy: 0.5 },
  },
  {
    name: 'elevator music',
    phrases: ['elevator music', 'elevator', 'lobby music', 'waiting room'],
    weights: { calm: 1, jazz: 0.5 },
    energy: ['lower', 0.5],
  },
  {
    name: 'cartoon',
    phrases: ['cartoon', 'cartoons', 'kids show', 'childrens show'],
    weights: { playful: 1, happy: 0.5 },
    mood: ['brighter', 0.5],
  },
];

/** Phrase -> analogy, for the parser's longest-match lookup. */
export const ANALOGY_BY_PHRASE: ReadonlyMap<string, Analogy> = new Map(ANALOGIES.flatMap((a) => a.phrases.map((p) => [p, a] as const)));
