import type { VimlQueryEncoder } from './recommender.js';

/** The part of model/'s loaded ViML heads (`loadVimlHeads`) the recommender uses. */
export interface VimlQueryHeads {
  readonly dim: number;
  encodeQueries(queries: readonly { readonly frames: readonly Float32Array[]; readonly text?: readonly Float32Array[] }[], signal?: AbortSignal): Promise<Float32Array[]>;
}

/** Adapts model/'s batched heads to the one-query interface the Recommender depends on. */
export function vimlQueryEncoder(heads: VimlQueryHeads, manifestHash?: string): VimlQueryEncoder {
  return {
    dim: heads.dim,
    ...(manifestHash !== undefined ? { manifestHash } : {}),
    async encodeQuery(video, text, signal) {
      const [query] = await heads.encodeQueries([{ frames: video, ...(text && text.length > 0 ? { text } : {}) }], signal);
      if (!query) throw new Error('ViML heads returned no query');
      return query;
    },
  };
}
