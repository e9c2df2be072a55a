import type { ScoredTag, TagGroup } from '../types.js';

function named(tags: readonly ScoredTag[], group: TagGroup): string[] {
  return tags.filter((t) => t.group === group).map((t) => t.tag);
}

function list(words: readonly string[]): string {
  if (words.length <= 1) return words[0] ?? '';
  return `${words.slice(0, -1).join(', ')} and ${words[words.length - 1]}`;
}

function article(word: string): string {
  return /^[aeiou]/i.test(word) ? 'an' : 'a';
}

/** `tags` mode: the selected tags as a plain comma-separated list. */
export function tagsDescription(tags: readonly ScoredTag[]): string {
  return tags.map((t) => t.tag).join(', ');
}

/** `template` mode: deterministic data-to-text from the selected tags. */
export function templateDescription(tags: readonly ScoredTag[]): string {
  const genres = named(tags, 'genre');
  const moods = named(tags, 'mood');
  const instruments = named(tags, 'instrument');
  const vocals = named(tags, 'vocals')[0];
  const tempo = named(tags, 'tempo')[0];
  const head = [tempo, ...moods.slice(0, 2)].filter(Boolean) as string[];
  const kind = genres.length > 0 ? `${list(genres)} track` : 'track';
  const adjectives = head.length > 0 ? `${head.join(', ')} ` : '';
  let text = `${article(adjectives || kind)} ${adjectives}${kind}`;
  text = text.charAt(0).toUpperCase() + text.slice(1);
  if (instruments.length > 0) text += ` featuring ${list(instruments)}`;
  if (vocals === 'instrumental') text += ', instrumental with no vocals';
  else if (vocals) text += ` with ${vocals}`;
  return `${text}.`;
}
