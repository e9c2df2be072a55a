/**
 * Generates tag-vocabulary.json and musiccaps-examples.json from the MusicCaps CSV:
 *   npx tsx index-data/vocabulary/build-vocabulary.ts /path/to/musiccaps-public.csv
 * MusicCaps, Agostinelli et al., 2023 (CC BY-SA 4.0, Google LLC). The curated grouping lives in
 * curated-groups.ts; this script counts how often people named each tag, drops tags named fewer than
 * MIN_COUNT times, keeps human (tags -> caption) pairs for the analogy prompt, and writes the words of the
 * other captions as the lexicon the description guard tells words from gibberish with.
 */
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TAG_GROUPS } from '../types.js';
import { CURATED, PROMPT_TEMPLATES } from './curated-groups.js';
import { parseCsv } from '../csv.js';
import { aspectMatches } from './match.js';
import { wordsOf } from './words.js';
import type { MusicCapsExample, TagVocabulary, VocabularyTag } from './vocabulary.js';

const MIN_COUNT = 15;
const MAX_EXAMPLES = 600;
/** Aspects about recording quality: captions dwelling on them make poor models for catalog descriptions. */
const QUALITY_ASPECTS = ['low quality', 'poor audio quality', 'bad audio quality', 'amateur recording', 'noisy', 'low quality recording', 'inferior audio quality', 'muffled'];

/** `['a', "b's"]` -> ['a', "b's"] (MusicCaps aspect lists are Python list literals). */
export function parseAspectList(literal: string): string[] {
  const out: string[] = [];
  const re = /'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)"/g;
  for (const m of literal.matchAll(re)) out.push((m[1] ?? m[2] ?? '').replace(/\\(.)/g, '$1').trim());
  return out.filter((s) => s.length > 0);
}

function main(csvPath: string): void {
  const rows = parseCsv(readFileSync(csvPath, 'utf8'));
  const header = rows[0]!;
  const col = (name: string): number => header.indexOf(name);
  const records = rows
    .slice(1)
    .filter((r) => r.length === header.length)
    .map((r) => ({
      ytid: r[col('ytid')]!,
      aspects: parseAspectList(r[col('aspect_list')]!),
      caption: r[col('caption')]!.trim(),
    }));

  const counts = new Map<string, number>();
  const tagsOf = (aspects: readonly string[]): string[] => {
    const found = new Set<string>();
    for (const group of TAG_GROUPS) {
      for (const t of CURATED[group]) {
        if (aspects.some((a) => t.aliases.some((alias) => aspectMatches(a, alias)))) found.add(t.tag);
      }
    }
    return [...found];
  };
  for (const r of records) for (const tag of tagsOf(r.aspects)) counts.set(tag, (counts.get(tag) ?? 0) + 1);

  const groups = {} as Record<(typeof TAG_GROUPS)[number], VocabularyTag[]>;
  for (const group of TAG_GROUPS) {
    groups[group] = CURATED[group]
      .map((t) => ({
        tag: t.tag,
        aliases: [...t.aliases],
        prompt: t.prompt ?? PROMPT_TEMPLATES[group].replace('{a}', /^[aeiou]/i.test(t.tag) ? 'an' : 'a').replace('{tag}', t.tag),
        musiccapsCount: counts.get(t.tag) ?? 0,
      }))
      .filter((t) => t.musiccapsCount >= MIN_COUNT)
      .sort((a, b) => b.musiccapsCount - a.musiccapsCount || a.tag.localeCompare(b.tag));
  }
  const body = JSON.stringify(groups);
  const vocabulary: TagVocabulary = {
    version: `musiccaps-1-${createHash('sha256').update(body).digest('hex').slice(0, 8)}`,
    source: 'MusicCaps, Agostinelli et al., 2023 (CC BY-SA 4.0, Google LLC): aspect_list frequencies with a curated grouping',
    minCount: MIN_COUNT,
    groups,
  };
  const kept = new Set(TAG_GROUPS.flatMap((g) => groups[g].map((t) => t.tag)));
  const examples: MusicCapsExample[] = records
    .filter((r) => !r.aspects.some((a) => QUALITY_ASPECTS.includes(a.toLowerCase())))
    .map((r) => ({
      ytid: r.ytid,
      tags: tagsOf(r.aspects)
        .filter((t) => kept.has(t))
        .sort(),
      caption: r.caption,
    }))
    .filter((e) => e.tags.length >= 3 && e.caption.length >= 40 && e.caption.length <= 400)
    .sort((a, b) => b.tags.length - a.tags.length || a.ytid.localeCompare(b.ytid))
    .slice(0, MAX_EXAMPLES);

  // The description guard's lexicon: every word of the captions NOT kept as examples (so that measuring the
  // guard on the example captions is a held-out test), plus the words of every tag and alias.
  const shown = new Set(examples.map((e) => e.ytid));
  const lexicon = new Set<string>();
  for (const r of records) if (!shown.has(r.ytid)) for (const w of wordsOf(r.caption)) lexicon.add(w);
  for (const group of TAG_GROUPS) for (const t of groups[group]) for (const w of wordsOf([t.tag, ...t.aliases].join(' '))) lexicon.add(w);

  const here = dirname(fileURLToPath(import.meta.url));
  writeFileSync(join(here, 'tag-vocabulary.json'), `${JSON.stringify(vocabulary, null, 2)}\n`);
  writeFileSync(join(here, 'musiccaps-examples.json'), `${JSON.stringify({ source: 'MusicCaps, Agostinelli et al., 2023', licence: 'CC BY-SA 4.0 (Google LLC)', examples }, null, 0)}\n`);
  writeFileSync(
    join(here, 'lexicon.json'),
    `${JSON.stringify({ source: 'MusicCaps, Agostinelli et al., 2023: words of the captions not used as examples', licence: 'CC BY-SA 4.0 (Google LLC)', words: [...lexicon].sort() }, null, 0)}\n`,
  );
  console.log(`vocabulary ${vocabulary.version}: ${kept.size} tags; ${examples.length} examples; ${lexicon.size} lexicon words`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const csv = process.argv[2];
  if (!csv) {
    console.error('usage: tsx index-data/vocabulary/build-vocabulary.ts <musiccaps-public.csv> (MusicCaps, CC BY-SA 4.0)');
    process.exit(2);
  }
  main(csv);
}
