import { TAG_GROUPS, type TagGroup, type Track } from '../../index-data/types.js';

/** One tag the parser can recognise: its canonical name, its group and other ways people write it. */
export interface VocabularyEntry {
  readonly group: TagGroup;
  readonly tag: string;
  readonly aliases?: readonly string[];
}

/** Lower-case letters and digits only: "Lo-Fi", "lo fi" and "lofi" share the key "lofi". */
export function phraseKey(phrase: string): string {
  return phrase.toLowerCase().replace(/[^a-z0-9&]/g, '');
}

function singularKey(key: string): string {
  return key.length > 3 && key.endsWith('s') && !key.endsWith('ss') ? key.slice(0, -1) : key;
}

// Ways of naming a tag that a catalog's vocabulary may not list as aliases. A phrase in a group
// resolves to every member the vocabulary knows, so "no drums" also excludes "percussion". Members
// marked `>` are narrower: the group's words reach them, but naming one ("acoustic guitar") does not
// widen to the rest of the group.
const SYNONYM_GROUPS: readonly (readonly string[])[] = [
  ['drums', 'percussion', 'drumming', 'drum kit', '>acoustic drums', '>electronic drums'],
  ['synthesizer', 'synth', 'synths', 'synthesiser', 'synthesizers'],
  ['calm', 'chill', 'chilled', 'relaxed', 'relaxing', 'mellow', 'laid back', 'soothing', 'peaceful'],
  ['energetic', 'upbeat', 'high energy', 'hype', 'lively'],
  ['happy', 'cheerful', 'joyful', 'feel good'],
  ['sad', 'melancholic', 'melancholy', 'sorrowful', 'depressing'],
  ['dark', 'ominous', 'sinister', 'gloomy', 'eerie', 'spooky'],
  ['electronic', 'electronica', 'electro'],
  ['hip hop', 'rap', 'trap'],
  ['lo-fi', 'lofi', 'chillhop'],
  ['guitar', 'guitars', '>acoustic guitar', '>electric guitar'],
  ['bass', 'bassline', 'bass line', '>bass guitar'],
  ['saxophone', 'sax'],
  ['piano', 'keys', 'keyboard'],
  ['strings', 'string section', 'orchestral strings'],
  ['classical', 'orchestral', 'orchestra'],
  ['epic', 'cinematic', 'dramatic'],
  ['choir', 'chorus', 'choral'],
  ['r&b', 'rnb', 'soul'],
];

const memberPhrase = (member: string): string => member.replace(/^>/, '');

/**
 * The tags a refinement may name. Built from the catalog's tag vocabulary (index-data) or, failing that,
 * from the tags its tracks carry; the parser is parametrised by one of these so it never guesses tags
 * the catalog cannot filter on.
 */
export class TagVocabulary {
  readonly entries: readonly VocabularyEntry[];
  /** key -> canonical tags it names */
  readonly #byKey = new Map<string, Set<string>>();
  readonly #groupOf = new Map<string, TagGroup>();
  /** singular key of a widening synonym -> every tag its group reaches (precomputed: resolve is two look-ups). */
  readonly #groupTags = new Map<string, Set<string>>();
  /** Every single word that appears in a tag name or alias, for typo correction. */
  readonly words: ReadonlySet<string>;
  /** Most words of any name, alias or synonym starting with a word (the parser tries no longer phrases). */
  readonly #span = new Map<string, number>();

  constructor(entries: readonly VocabularyEntry[]) {
    this.entries = entries;
    const words = new Set<string>();
    const add = (phrase: string, tag: string): void => {
      const clean = phrase.replace(/^=/, '').toLowerCase();
      // Aliases such as "no vocals" describe a tag by negation; the parser handles negation itself.
      if (/^(no|not|without)\s/.test(clean)) return;
      const key = phraseKey(clean);
      if (!key) return;
      for (const k of new Set([key, singularKey(key)])) {
        const set = this.#byKey.get(k) ?? new Set<string>();
        set.add(tag);
        this.#byKey.set(k, set);
      }
      const parts = clean.split(/[^a-z0-9&]+/).filter(Boolean);
      for (const w of parts) words.add(w);
      if (parts[0]) this.#span.set(parts[0], Math.max(this.#span.get(parts[0]) ?? 1, parts.length));
      words.add(key);
    };
    for (const entry of entries) {
      this.#groupOf.set(entry.tag, entry.group);
      add(entry.tag, entry.tag);
      for (const alias of entry.aliases ?? []) add(alias, entry.tag);
    }
    for (const group of SYNONYM_GROUPS) {
      for (const phrase of group) {
        const parts = memberPhrase(phrase).split(/\s+/);
        for (const w of parts) words.add(w);
        this.#span.set(parts[0]!, Math.max(this.#span.get(parts[0]!) ?? 1, parts.length));
      }
    }
    this.words = words;
    for (const group of SYNONYM_GROUPS) {
      const reached = new Set(group.flatMap((member) => this.#lookup(phraseKey(memberPhrase(member)))));
      for (const member of group.filter((p) => !p.startsWith('>'))) {
        const key = singularKey(phraseKey(member));
        const set = this.#groupTags.get(key) ?? new Set<string>();
        for (const t of reached) set.add(t);
        this.#groupTags.set(key, set);
      }
    }
  }

  /** Tags of a vocabulary built from the tags (and file genres) the catalog's tracks carry. */
  static fromTracks(tracks: Iterable<Track>): TagVocabulary {
    const seen = new Map<string, VocabularyEntry>();
    for (const track of tracks) {
      for (const t of track.tags) if (!seen.has(t.tag)) seen.set(t.tag, { group: t.group, tag: t.tag });
      for (const g of track.fileGenres) {
        const tag = g.toLowerCase();
        if (!seen.has(tag)) seen.set(tag, { group: 'genre', tag });
      }
    }
    return new TagVocabulary([...seen.values()]);
  }

  /** This vocabulary plus the entries of another (for tags found in tracks but not in the list). */
  merge(other: TagVocabulary): TagVocabulary {
    const known = new Set(this.entries.map((e) => e.tag));
    return new TagVocabulary([...this.entries, ...other.entries.filter((e) => !known.has(e.tag))]);
  }

  maxWords(firstWord: string): number {
    return this.#span.get(firstWord) ?? 1;
  }

  groupOf(tag: string): TagGroup | undefined {
    return this.#groupOf.get(tag);
  }

  readonly #inGroup = new Map<TagGroup, readonly string[]>();

  tagsInGroup(group: TagGroup): string[] {
    let tags = this.#inGroup.get(group);
    if (!tags) this.#inGroup.set(group, (tags = this.entries.filter((e) => e.group === group).map((e) => e.tag)));
    return [...tags];
  }

  /** Canonical tags a phrase names, directly, by alias, or through a synonym group; [] when none. */
  resolve(phrase: string): string[] {
    const key = phraseKey(phrase);
    if (!key) return [];
    const direct = this.#lookup(key);
    const widened = this.#groupTags.get(singularKey(key));
    if (!widened) return direct.length > 1 ? [...direct].sort() : direct;
    return [...new Set([...direct, ...widened])].sort();
  }

  /** Whether a phrase is a synonym-group member even when no tag resolves (so it is still "a tag word"). */
  isTagWord(phrase: string): boolean {
    return this.resolve(phrase).length > 0;
  }

  #lookup(key: string): string[] {
    const hit = this.#byKey.get(key) ?? this.#byKey.get(singularKey(key));
    return hit ? [...hit] : [];
  }
}

export { TAG_GROUPS };
