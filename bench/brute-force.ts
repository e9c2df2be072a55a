/**
 * Exact k-nearest-neighbour search by inner product over one contiguous Float32Array: the baseline an
 * approximate index must beat. Not a straw man: rows are scanned in cache-sized blocks against a
 * batch of queries at once (each row is loaded once per batch), with 4-way unrolled dot products and
 * a bounded top-k that rejects most rows with one comparison.
 */

export interface Neighbours {
  readonly labels: Int32Array;
  readonly scores: Float32Array;
}

/** Top-k by descending score, kept sorted; `worst` is the admission threshold. */
class TopK {
  readonly labels: Int32Array;
  readonly scores: Float32Array;
  size = 0;
  worst = -Infinity;

  constructor(readonly k: number) {
    this.labels = new Int32Array(k);
    this.scores = new Float32Array(k);
  }

  push(label: number, score: number): void {
    if (this.size === this.k && score <= this.worst) return;
    let i = this.size < this.k ? this.size++ : this.k - 1;
    while (i > 0 && this.scores[i - 1]! < score) {
      this.scores[i] = this.scores[i - 1]!;
      this.labels[i] = this.labels[i - 1]!;
      i--;
    }
    this.scores[i] = score;
    this.labels[i] = label;
    if (this.size === this.k) this.worst = this.scores[this.k - 1]!;
  }

  result(): Neighbours {
    return { labels: this.labels.slice(0, this.size), scores: this.scores.slice(0, this.size) };
  }
}

function dot(data: Float32Array, row: number, query: Float32Array, q: number, dim: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let j = 0;
  for (; j + 3 < dim; j += 4) {
    s0 += data[row + j]! * query[q + j]!;
    s1 += data[row + j + 1]! * query[q + j + 1]!;
    s2 += data[row + j + 2]! * query[q + j + 2]!;
    s3 += data[row + j + 3]! * query[q + j + 3]!;
  }
  for (; j < dim; j++) s0 += data[row + j]! * query[q + j]!;
  return s0 + s1 + s2 + s3;
}

/** Rows per block: 256 rows x 512 dims x 4 bytes = 512 KiB, about an L2 cache. */
const BLOCK_ROWS = 256;

/**
 * Exact top-k for every query in `queries` (row-major, `dim` wide) against the first `count` rows of
 * `data`. Labels are row numbers.
 */
export function exactSearchBatch(data: Float32Array, dim: number, queries: Float32Array, k: number, count = data.length / dim): Neighbours[] {
  const nq = queries.length / dim;
  const tops = Array.from({ length: nq }, () => new TopK(k));
  for (let start = 0; start < count; start += BLOCK_ROWS) {
    const end = Math.min(count, start + BLOCK_ROWS);
    for (let q = 0; q < nq; q++) {
      const top = tops[q]!;
      const qOffset = q * dim;
      for (let r = start; r < end; r++) top.push(r, dot(data, r * dim, queries, qOffset, dim));
    }
  }
  return tops.map((t) => t.result());
}

/** recall@k of `found` against the exact `truth`: the mean share of true neighbours found. */
export function recallAtK(truth: readonly Neighbours[], found: readonly ArrayLike<number>[], k: number): number {
  if (truth.length !== found.length) throw new RangeError(`recall: ${truth.length} truths for ${found.length} results`);
  let hits = 0;
  for (let i = 0; i < truth.length; i++) {
    const expected = new Set(Array.from(truth[i]!.labels.slice(0, k)));
    const got = Array.from(found[i]!).slice(0, k);
    for (const label of got) if (expected.has(label)) hits++;
  }
  return hits / (truth.length * k);
}
