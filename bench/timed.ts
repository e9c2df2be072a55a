/** Wrappers that add up the time spent in the parts of a pipeline the benchmark breaks down. */
import type { Catalog, VectorIndex, VectorSpace } from '../index-data/types.js';
import type { FrameEncoder, TextEncoder } from '../model/types.js';

export class Stopwatch {
  ms = 0;
  calls = 0;

  async timeAsync<T>(fn: () => Promise<T>): Promise<T> {
    const begin = performance.now();
    try {
      return await fn();
    } finally {
      this.ms += performance.now() - begin;
      this.calls++;
    }
  }

  time<T>(fn: () => T): T {
    const begin = performance.now();
    try {
      return fn();
    } finally {
      this.ms += performance.now() - begin;
      this.calls++;
    }
  }

  reset(): void {
    this.ms = 0;
    this.calls = 0;
  }
}

/**
 * Time during which at least one call was in flight (the union of the calls' intervals), so calls
 * that overlap each other, or overlap other work, are counted once.
 */
export class BusyMeter {
  ms = 0;
  #inFlight = 0;
  #since = 0;

  async timeAsync<T>(fn: () => Promise<T>): Promise<T> {
    if (this.#inFlight++ === 0) this.#since = performance.now();
    try {
      return await fn();
    } finally {
      if (--this.#inFlight === 0) this.ms += performance.now() - this.#since;
    }
  }

  reset(): void {
    this.ms = 0;
  }
}

/** The same frame encoder, with the time it had work in flight added to `meter`. */
export function busyFrameEncoder(inner: FrameEncoder, meter: BusyMeter): FrameEncoder {
  return {
    info: inner.info,
    encodeImages: (images, signal) => meter.timeAsync(() => inner.encodeImages(images, signal)),
  };
}

export function timedTextEncoder(inner: TextEncoder, watch: Stopwatch): TextEncoder {
  return {
    info: inner.info,
    maxTokens: inner.maxTokens,
    encodeTexts: (texts, signal) => watch.timeAsync(() => inner.encodeTexts(texts, signal)),
  };
}

function timedIndex(inner: VectorIndex, watch: Stopwatch): VectorIndex {
  return {
    get dim() {
      return inner.dim;
    },
    get size() {
      return inner.size;
    },
    search: (query, k, filter) => watch.time(() => inner.search(query, k, filter)),
    vector: (label) => inner.vector(label),
  };
}

/** The same catalog, with the time spent in `VectorIndex.search` added to `watch`. */
export function timedCatalog(inner: Catalog, watch: Stopwatch): Catalog {
  const indexes = new Map<VectorSpace, VectorIndex | undefined>();
  return {
    manifest: inner.manifest,
    trackCount: () => inner.trackCount(),
    tracks: () => inner.tracks(),
    track: (id) => inner.track(id),
    trackLabel: (id) => inner.trackLabel(id),
    trackByLabel: (label) => inner.trackByLabel(label),
    segments: (trackId) => inner.segments(trackId),
    segmentByLabel: (label) => inner.segmentByLabel(label),
    index: (space) => {
      if (!indexes.has(space)) {
        const index = inner.index(space);
        indexes.set(space, index && timedIndex(index, watch));
      }
      return indexes.get(space);
    },
    audioPath: (trackId) => inner.audioPath(trackId),
    skipped: () => inner.skipped(),
    close: () => inner.close(),
  };
}
