import { editDistance, typoBudget } from './edit-distance.js';

/**
 * Typo correction against a fixed set of target words (the parser's own words and the vocabulary's),
 * SymSpell-style: every target's variants with up to two letters deleted are indexed once, so a
 * look-up generates the token's deletions (a few dozen) and verifies the few candidates with the
 * edit distance, instead of comparing the token with every target. Cost per token is independent of
 * the number of targets.
 */
export class TypoCorrector {
  readonly #byDeletion = new Map<string, string[]>();
  readonly #targets: ReadonlySet<string>;

  /** Targets that mean the same (e.g. resolve to the same tags) are not ambiguous with each other. */
  readonly #sameMeaning: (a: string, b: string) => boolean;

  constructor(targets: Iterable<string>, sameMeaning: (a: string, b: string) => boolean = () => false) {
    this.#sameMeaning = sameMeaning;
    const set = new Set<string>();
    for (const t of targets) if (/^[a-z]{3,}$/.test(t)) set.add(t);
    this.#targets = set;
    for (const target of set) for (const variant of deletions(target, 2)) push(this.#byDeletion, variant, target);
  }

  has(word: string): boolean {
    return this.#targets.has(word);
  }

  /**
   * The one target within the token's typo budget, or undefined: undefined too when two targets that are
   * not forms of one word are equally close (no clear margin).
   */
  correct(token: string): string | undefined {
    const budget = typoBudget(token.length);
    if (budget === 0 || this.#targets.has(token)) return undefined;
    const seen = new Set<string>();
    let best: string | undefined;
    let bestDistance = budget + 1;
    let tied = false;
    for (const variant of deletions(token, budget)) {
      for (const candidate of this.#byDeletion.get(variant) ?? []) {
        if (seen.has(candidate)) continue;
        seen.add(candidate);
        const d = editDistance(token, candidate, budget);
        if (d > budget) continue;
        if (d < bestDistance) {
          best = candidate;
          bestDistance = d;
          tied = false;
        } else if (d === bestDistance && best !== undefined && stem(candidate) !== stem(best) && !this.#sameMeaning(candidate, best)) {
          tied = true;
        }
      }
    }
    return best !== undefined && !tied ? best : undefined;
  }
}

const stem = (w: string): string => w.replace(/(?:es|s|er|ers|ed|ing)$/, '');

/** The word itself and every variant with up to `max` letters deleted. */
function deletions(word: string, max: number): Set<string> {
  const out = new Set<string>([word]);
  let frontier = [word];
  for (let d = 0; d < max; d++) {
    const next: string[] = [];
    for (const w of frontier) {
      if (w.length <= 1) continue;
      for (let i = 0; i < w.length; i++) {
        const v = w.slice(0, i) + w.slice(i + 1);
        if (!out.has(v)) {
          out.add(v);
          next.push(v);
        }
      }
    }
    frontier = next;
  }
  return out;
}

function push(map: Map<string, string[]>, key: string, value: string): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
