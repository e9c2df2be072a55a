import type { TextEncoder } from '../model/types.js';
import { TAG_GROUPS, type ScoredTag, type TagGroup } from './types.js';
import { dot } from './vectors.js';
import { tagVocabulary, type TagVocabulary } from './vocabulary/vocabulary.js';

/**
 * Softmax temperature applied to cosine similarities before the within-group softmax. CLAP's learned
 * logit scale is of this order; a smaller one would flatten every group towards uniform.
 */
export const TAG_LOGIT_SCALE = 30;

/** CLAP zero-shot tagger: the track's clap-audio vector against one text prompt per vocabulary tag. */
export class ClapTagger {
  readonly vocabulary: TagVocabulary;
  readonly #prompts: ReadonlyMap<TagGroup, readonly { tag: string; vector: Float32Array }[]>;

  private constructor(vocabulary: TagVocabulary, prompts: ReadonlyMap<TagGroup, readonly { tag: string; vector: Float32Array }[]>) {
    this.vocabulary = vocabulary;
    this.#prompts = prompts;
  }

  /** Embeds every prompt once with the CLAP text encoder. */
  static async create(clapText: TextEncoder, vocabulary: TagVocabulary = tagVocabulary(), signal?: AbortSignal): Promise<ClapTagger> {
    const all = TAG_GROUPS.flatMap((group) => vocabulary.groups[group].map((t) => ({ group, tag: t.tag, prompt: t.prompt })));
    const vectors = await clapText.encodeTexts(
      all.map((t) => t.prompt),
      signal,
    );
    const prompts = new Map<TagGroup, { tag: string; vector: Float32Array }[]>();
    all.forEach((t, i) => {
      const list = prompts.get(t.group) ?? [];
      list.push({ tag: t.tag, vector: vectors[i]! });
      prompts.set(t.group, list);
    });
    return new ClapTagger(vocabulary, prompts);
  }

  /** Every vocabulary tag with its probability within its group, groups in TAG_GROUPS order, best first. */
  tag(audio: Float32Array): ScoredTag[] {
    const out: ScoredTag[] = [];
    for (const group of TAG_GROUPS) {
      const prompts = this.#prompts.get(group) ?? [];
      const logits = prompts.map((p) => TAG_LOGIT_SCALE * dot(audio, p.vector));
      const max = Math.max(...logits);
      const exps = logits.map((l) => Math.exp(l - max));
      const sum = exps.reduce((a, b) => a + b, 0);
      const scored = prompts.map((p, i) => ({ group, tag: p.tag, score: exps[i]! / sum }));
      out.push(...scored.sort((a, b) => b.score - a.score || a.tag.localeCompare(b.tag)));
    }
    return out;
  }
}

/** How many tags of each group a description names at most. */
export const SELECTION_LIMITS: Readonly<Record<TagGroup, number>> = { genre: 2, mood: 2, instrument: 3, vocals: 1, tempo: 1 };
/** A runner-up is named only when its score is at least this fraction of the group's best. */
export const SELECTION_RATIO = 0.6;

/** The tags a description should name: per group the best, plus runners-up close to it. */
export function selectTags(tags: readonly ScoredTag[]): ScoredTag[] {
  const out: ScoredTag[] = [];
  for (const group of TAG_GROUPS) {
    const inGroup = tags.filter((t) => t.group === group).sort((a, b) => b.score - a.score);
    const top = inGroup[0];
    if (!top) continue;
    out.push(...inGroup.filter((t) => t.score >= SELECTION_RATIO * top.score).slice(0, SELECTION_LIMITS[group]));
  }
  return out;
}
