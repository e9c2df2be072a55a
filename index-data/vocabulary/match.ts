/** Whole-word alias matching shared by the vocabulary builder, example mapping and the guard. */

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** A regex finding `alias` as whole words (hyphen and space interchangeable), case-insensitive. */
export function aliasPattern(alias: string): RegExp {
  const words = alias
    .split(/[\s-]+/)
    .map(escape)
    .join('[\\s-]+');
  return new RegExp(`(?<![\\p{L}\\p{N}])${words}(?![\\p{L}\\p{N}])`, 'iu');
}

/** Does an aspect string (one MusicCaps tag) name `alias`? `=alias` demands equality. */
export function aspectMatches(aspect: string, alias: string): boolean {
  const a = aspect.trim().toLowerCase();
  if (alias.startsWith('=')) return a === alias.slice(1);
  return aliasPattern(alias).test(a);
}
