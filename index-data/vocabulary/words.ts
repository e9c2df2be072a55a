/** Word tokens of English text, shared by the lexicon builder and the description guard. */

/** Lower-cased words: runs of letters (apostrophes inside, `’` as `'`), a trailing possessive `'s` dropped; numbers are not words. */
export function wordsOf(text: string): string[] {
  const out: string[] = [];
  for (const match of text
    .normalize('NFC')
    .replace(/’/g, "'")
    .toLowerCase()
    .matchAll(/[\p{L}\p{M}]+(?:'[\p{L}\p{M}]+)*/gu)) {
    out.push(match[0].replace(/'s$/, ''));
  }
  return out;
}
