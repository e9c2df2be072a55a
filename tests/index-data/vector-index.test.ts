import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ExactVectorIndex, HnswVectorIndex } from '../../index-data/vector-index.js';

/** Deterministic pseudo-random vectors (mulberry32) so the recall figure is reproducible. */
function randomVectors(count: number, dim: number, seed: number): Float32Array[] {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296 - 0.5;
  };
  return Array.from({ length: count }, () => Float32Array.from({ length: dim }, next));
}

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('ExactVectorIndex', () => {
  it('ranks by cosine similarity, best first, and honours the filter', () => {
    const index = ExactVectorIndex.from(2, [
      [1, Float32Array.of(1, 0)],
      [2, Float32Array.of(0, 1)],
      [3, Float32Array.of(1, 1)],
    ]);
    const hits = index.search(Float32Array.of(2, 0.1), 3);
    expect(hits.map((h) => h.label)).toEqual([1, 3, 2]);
    expect(hits[0]!.score).toBeCloseTo(0.99875, 4);
    expect(index.search(Float32Array.of(1, 0), 3, (label) => label !== 1).map((h) => h.label)).toEqual([3, 2]);
  });

  it('given a query of the wrong dimension, rejects with INPUT_INVALID', () => {
    const index = ExactVectorIndex.from(2, [[1, Float32Array.of(1, 0)]]);
    expect(() => index.search(Float32Array.of(1, 0, 0), 1)).toThrow(expect.objectContaining({ code: 'INPUT_INVALID' }));
  });
});

describe('HnswVectorIndex', () => {
  const dim = 64;
  const data = randomVectors(3000, dim, 7);
  const queries = randomVectors(100, dim, 99);
  const entries = data.map((v, i) => [i + 1, v] as const);

  it('reaches recall@10 >= 0.98 against exact search on 3000 random 64-d vectors', () => {
    const exact = ExactVectorIndex.from(dim, entries);
    const hnsw = HnswVectorIndex.from(dim, entries);
    let found = 0;
    for (const q of queries) {
      const truth = new Set(exact.search(q, 10).map((h) => h.label));
      found += hnsw.search(q, 10).filter((h) => truth.has(h.label)).length;
    }
    const recall = found / (queries.length * 10);
    expect(recall).toBeGreaterThanOrEqual(0.98);
  });

  it('reports cosine similarity scores equal to the exact ones for the same hits', () => {
    const exact = ExactVectorIndex.from(dim, entries.slice(0, 200));
    const hnsw = HnswVectorIndex.from(dim, entries.slice(0, 200));
    const [e] = exact.search(queries[0]!, 1);
    const [h] = hnsw.search(queries[0]!, 1);
    expect(h!.label).toBe(e!.label);
    expect(h!.score).toBeCloseTo(e!.score, 5);
  });

  it('survives a save and load round trip with the same answers and stored vectors', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cuecast-hnsw-'));
    dirs.push(dir);
    const hnsw = HnswVectorIndex.from(dim, entries.slice(0, 500));
    hnsw.save(join(dir, 'a.hnsw'));
    const loaded = HnswVectorIndex.load(join(dir, 'a.hnsw'), dim);
    expect(loaded.size).toBe(500);
    expect(loaded.search(queries[1]!, 5)).toEqual(hnsw.search(queries[1]!, 5));
    const stored = loaded.vector(3)!;
    const exact = ExactVectorIndex.from(dim, [[3, data[2]!]]).vector(3)!;
    for (let i = 0; i < dim; i++) expect(stored[i]).toBeCloseTo(exact[i]!, 5);
    expect(loaded.vector(99_999)).toBeUndefined();
  });

  it('given k larger than the index or a narrow filter, returns only what exists', () => {
    const hnsw = HnswVectorIndex.from(dim, entries.slice(0, 20));
    expect(hnsw.search(queries[0]!, 50)).toHaveLength(20);
    const odd = hnsw.search(queries[0]!, 10, (label) => label % 2 === 1);
    expect(odd.length).toBe(10);
    expect(odd.every((h) => h.label % 2 === 1)).toBe(true);
    expect(hnsw.search(queries[0]!, 5, (label) => label === 4).map((h) => h.label)).toEqual([4]);
  });

  it('grows past its initial capacity', () => {
    const hnsw = HnswVectorIndex.create(dim, 2);
    for (const [label, v] of entries.slice(0, 40)) hnsw.add(label, v);
    expect(hnsw.size).toBe(40);
    expect(hnsw.search(data[10]!, 1)[0]!.label).toBe(11);
  });

  it('given a missing or garbage index file, rejects with CATALOG_CORRUPT', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cuecast-hnsw-'));
    dirs.push(dir);
    expect(() => HnswVectorIndex.load(join(dir, 'none.hnsw'), dim)).toThrow(expect.objectContaining({ code: 'CATALOG_CORRUPT' }));
    writeFileSync(join(dir, 'bad.hnsw'), 'not an index');
    expect(() => HnswVectorIndex.load(join(dir, 'bad.hnsw'), dim)).toThrow(expect.objectContaining({ code: 'CATALOG_CORRUPT' }));
  });

  it('given an empty index, returns no hits', () => {
    expect(HnswVectorIndex.create(dim, 10).search(queries[0]!, 3)).toEqual([]);
  });

  it('reads stored vectors back the same through its point cache, even when the cache holds one vector', () => {
    const uncached = HnswVectorIndex.from(dim, entries.slice(0, 50), { pointCacheBytes: 0 });
    const tiny = HnswVectorIndex.from(dim, entries.slice(0, 50), { pointCacheBytes: dim * 4 });
    const cached = HnswVectorIndex.from(dim, entries.slice(0, 50));
    for (const round of [1, 2]) {
      for (const [label] of entries.slice(0, 50)) {
        const expected = Array.from(uncached.vector(label)!);
        expect(Array.from(tiny.vector(label)!), `label ${label}, round ${round}`).toEqual(expected);
        expect(Array.from(cached.vector(label)!), `label ${label}, round ${round}`).toEqual(expected);
      }
    }
    expect(cached.vector(10_000)).toBeUndefined();
  });

  it('given a label added again with a new vector, returns the new one (not a cached copy of the old)', () => {
    const hnsw = HnswVectorIndex.from(dim, entries.slice(0, 5));
    const before = Array.from(hnsw.vector(3)!);
    hnsw.add(3, data[40]!);
    const after = hnsw.vector(3)!;
    expect(Array.from(after)).not.toEqual(before);
    const norm = Math.hypot(...data[40]!);
    expect(after[0]).toBeCloseTo(data[40]![0]! / norm, 5);
  });
});
