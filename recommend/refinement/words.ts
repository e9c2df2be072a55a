import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { descriptionLexicon } from '../../index-data/vocabulary/vocabulary.js';

const here = dirname(fileURLToPath(import.meta.url));
let english: ReadonlySet<string> | undefined;

/**
 * Lower-case English words (Debian's wamerican, SCOWL; data/english-words-LICENSE.txt). A word in this
 * list is never "corrected" into something else. Loaded once (about 64,000 words, a Set for O(1) look-ups).
 */
export function englishWords(): ReadonlySet<string> {
  english ??= new Set(
    readFileSync(join(here, 'data', 'english-words.txt'), 'utf8')
      .split('\n')
      .filter(Boolean),
  );
  return english;
}

/** A real word: in the English list or in the words MusicCaps captions use ("twangy", "lofi", "synthwave"). */
export function isDictionaryWord(word: string): boolean {
  return englishWords().has(word) || descriptionLexicon().has(word);
}
