import { existsSync } from 'node:fs';
import hnswlib from 'hnswlib-node';
import { CatalogError, InputError } from '../core/errors.js';
import { isEmptyFilter, trackMatches, type TrackFilter } from './track-filter.js';
import type { Track, VectorHit, VectorIndex } from './types.js';
import { dot, normalize } from './vectors.js';

const { HierarchicalNSW } = hnswlib;

/**
 * An in-process index over integer labels (hnswlib or brute force): synchronous, and filtered by a
 * predicate over labels. Catalogs expose it through `labelIndexView` as the async `VectorIndex`.
 */
export interface LabelIndex {
  readonly dim: number;
  readonly size: number;
  search(query: Float32Array, k: number, accept?: (label: number) => boolean): VectorHit[];
  /** The stored vector (unit length), shared with the index: read it, do not change or transfer it. */
  vector(label: number): Float32Array | undefined;
}

/** A label index that can also be filled (both implementations). */
export interface WritableVectorIndex extends LabelIndex {
  add(label: number, vector: Float32Array): void;
}

/**
 * The `VectorIndex` of an in-process label index: a `TrackFilter` becomes a predicate over labels
 * through `trackOf` (segment label or track label to its track), evaluated as hnswlib walks the graph.
 */
export function labelIndexView(index: LabelIndex, trackOf: (label: number) => Track | undefined): VectorIndex {
  return {
    get dim() {
      return index.dim;
    },
    get size() {
      return index.size;
    },
    search: (query: Float32Array, k: number, filter?: TrackFilter) =>
      promised(() => {
        if (isEmptyFilter(filter)) return index.search(query, k);
        const accept = (label: number): boolean => {
          const track = trackOf(label);
          return track !== undefined && trackMatches(track, filter!);
        };
        return index.search(query, k, accept);
      }),
    vectors: (labels: readonly number[]) => promised(() => labels.map((label) => index.vector(label))),
  };
}

/** `run()` as a promise, as an async function would give it: its value, or what it throws as a rejection. */
function promised<T>(run: () => T): Promise<T> {
  return new Promise<T>((resolve) => {
    resolve(run());
  });
}

function checkDim(dim: number, vector: Float32Array, what: string): void {
  if (vector.length !== dim) {
    throw new InputError('INPUT_INVALID', `${what} has dimension ${vector.length}, the index holds ${dim}`, {
      expected: dim,
      actual: vector.length,
    });
  }
}

function checkK(k: number): void {
  if (!Number.isInteger(k) || k < 1) throw new InputError('INPUT_INVALID', `k must be a positive integer, got ${k}`);
}

/**
 * Brute-force cosine search over L2-normalised vectors: exact, the reference for recall tests, and a
 * fine choice for catalogs of a few thousand segments.
 */
export class ExactVectorIndex implements WritableVectorIndex {
  readonly dim: number;
  readonly #vectors = new Map<number, Float32Array>();

  constructor(dim: number) {
    this.dim = dim;
  }

  static from(dim: number, entries: Iterable<readonly [number, Float32Array]>): ExactVectorIndex {
    const index = new ExactVectorIndex(dim);
    for (const [label, vector] of entries) index.add(label, vector);
    return index;
  }

  get size(): number {
    return this.#vectors.size;
  }

  add(label: number, vector: Float32Array): void {
    checkDim(this.dim, vector, `vector ${label}`);
    this.#vectors.set(label, normalize(vector));
  }

  search(query: Float32Array, k: number, filter?: (label: number) => boolean): VectorHit[] {
    checkDim(this.dim, query, 'query');
    checkK(k);
    const q = normalize(query);
    const hits: VectorHit[] = [];
    for (const [label, vector] of this.#vectors) {
      if (filter && !filter(label)) continue;
      hits.push({ label, score: dot(q, vector) });
    }
    hits.sort((a, b) => b.score - a.score || a.label - b.label);
    return hits.slice(0, k);
  }

  vector(label: number): Float32Array | undefined {
    return this.#vectors.get(label);
  }
}

/**
 * Vectors read back from hnswlib, least recently used out first. `getPoint` copies a point into a
 * fresh JS array element by element (tens of microseconds at 512-d), and ranking reads every segment
 * of a few hundred candidate tracks: thousands of points per query, mostly the same ones again on the
 * next update of a stream or the next refinement.
 */
class PointCache {
  readonly #points = new Map<number, Float32Array>();
  readonly #maxPoints: number;

  constructor(dim: number, maxBytes: number) {
    this.#maxPoints = Math.max(0, Math.floor(maxBytes / (dim * Float32Array.BYTES_PER_ELEMENT)));
  }

  get(label: number, read: () => Float32Array | undefined): Float32Array | undefined {
    const cached = this.#points.get(label);
    if (cached) {
      this.#points.delete(label);
      this.#points.set(label, cached);
      return cached;
    }
    const point = read();
    if (point && this.#maxPoints > 0) {
      this.#points.set(label, point);
      if (this.#points.size > this.#maxPoints) this.#points.delete(this.#points.keys().next().value!);
    }
    return point;
  }

  forget(label: number): void {
    this.#points.delete(label);
  }
}

/** Memory for vectors read back from an HNSW index (PointCache); filled only as vectors are read. */
export const DEFAULT_POINT_CACHE_BYTES = 256 * 1024 * 1024;

export interface HnswOptions {
  /** Graph degree (hnswlib's M). */
  m?: number;
  efConstruction?: number;
  /** Search-time candidate list size floor; the effective ef is max(efSearch, k). */
  efSearch?: number;
  seed?: number;
  /** Bytes of vectors kept after reading them back (default DEFAULT_POINT_CACHE_BYTES; 0: none). */
  pointCacheBytes?: number;
}

/** The catalog's graph parameters; the index benchmark measures these. */
export const HNSW_DEFAULTS = { m: 16, efConstruction: 200, efSearch: 100, seed: 100 } as const;

/** Approximate cosine search with hnswlib-node; persisted as one index file beside the catalog. */
export class HnswVectorIndex implements WritableVectorIndex {
  readonly dim: number;
  readonly #index: InstanceType<typeof HierarchicalNSW>;
  readonly #efSearch: number;
  readonly #points: PointCache;

  private constructor(dim: number, index: InstanceType<typeof HierarchicalNSW>, efSearch: number, pointCacheBytes: number) {
    this.dim = dim;
    this.#index = index;
    this.#efSearch = efSearch;
    this.#points = new PointCache(dim, pointCacheBytes);
  }

  static create(dim: number, capacity: number, options: HnswOptions = {}): HnswVectorIndex {
    const o = { ...HNSW_DEFAULTS, ...options };
    const index = new HierarchicalNSW('cosine', dim);
    index.initIndex({ maxElements: Math.max(1, capacity), m: o.m, efConstruction: o.efConstruction, randomSeed: o.seed });
    return new HnswVectorIndex(dim, index, o.efSearch, o.pointCacheBytes ?? DEFAULT_POINT_CACHE_BYTES);
  }

  static from(dim: number, entries: readonly (readonly [number, Float32Array])[], options: HnswOptions = {}): HnswVectorIndex {
    const index = HnswVectorIndex.create(dim, entries.length, options);
    for (const [label, vector] of entries) index.add(label, vector);
    return index;
  }

  /** Reads an index file written by `save`; a missing or unreadable file is CATALOG_CORRUPT. */
  static load(file: string, dim: number, options: Pick<HnswOptions, 'efSearch' | 'pointCacheBytes'> = {}): HnswVectorIndex {
    if (!existsSync(file)) throw new CatalogError('CATALOG_CORRUPT', `Vector index file ${file} is missing`, { file });
    const index = new HierarchicalNSW('cosine', dim);
    try {
      index.readIndexSync(file);
    } catch (error) {
      throw new CatalogError('CATALOG_CORRUPT', `Vector index file ${file} cannot be read: ${(error as Error).message}`, { file }, { cause: error });
    }
    if (index.getNumDimensions() !== dim) {
      throw new CatalogError('CATALOG_CORRUPT', `Vector index file ${file} holds dimension ${index.getNumDimensions()}, expected ${dim}`, { file });
    }
    return new HnswVectorIndex(dim, index, options.efSearch ?? HNSW_DEFAULTS.efSearch, options.pointCacheBytes ?? DEFAULT_POINT_CACHE_BYTES);
  }

  get size(): number {
    return this.#index.getCurrentCount();
  }

  add(label: number, vector: Float32Array): void {
    checkDim(this.dim, vector, `vector ${label}`);
    if (this.size >= this.#index.getMaxElements()) this.#index.resizeIndex(Math.max(16, this.#index.getMaxElements() * 2));
    this.#points.forget(label);
    this.#index.addPoint(Array.from(vector), label);
  }

  search(query: Float32Array, k: number, filter?: (label: number) => boolean): VectorHit[] {
    checkDim(this.dim, query, 'query');
    checkK(k);
    const size = this.size;
    if (size === 0) return [];
    const n = Math.min(k, size);
    this.#index.setEf(Math.max(this.#efSearch, n));
    const result = filter ? this.#index.searchKnn(Array.from(query), n, filter) : this.#index.searchKnn(Array.from(query), n);
    const hits = result.neighbors.map((label, i) => ({ label, score: 1 - result.distances[i]! }));
    return hits.sort((a, b) => b.score - a.score || a.label - b.label);
  }

  vector(label: number): Float32Array | undefined {
    return this.#points.get(label, () => {
      try {
        // hnswlib stores cosine-space points normalised.
        return Float32Array.from(this.#index.getPoint(label));
      } catch {
        return undefined;
      }
    });
  }

  labels(): number[] {
    return this.#index.getIdsList();
  }

  save(file: string): void {
    this.#index.writeIndexSync(file);
  }
}
