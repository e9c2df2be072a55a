/** Indexing a music folder with the fixture ViML heads, as `cuecast index` does when `<models>/viml` holds them. */
import { fileURLToPath } from 'node:url';
import { createDescriber } from '../../index-data/describe/from-config.js';
import { indexMusic, type IndexSummary } from '../../index-data/indexer.js';
import { mediaAudioSource } from '../../index-data/media-source.js';
import { musicMetadataReader } from '../../index-data/metadata.js';
import { vimlMusicEncoder } from '../../index-data/viml-music.js';
import type { Encoders, VimlHeads } from '../../model/index.js';

/** The tiny ViML heads exported for the fixture encoders. */
export const fixtureHeadsDir = fileURLToPath(new URL('../fixtures/viml', import.meta.url));

/** Indexes `music` into `catalogDir` with template descriptions and ViML music vectors from `heads`. */
export function indexWithHeads(music: string, catalogDir: string, encoders: Encoders, heads: VimlHeads): Promise<IndexSummary> {
  return indexMusic({
    roots: [music],
    catalogDir,
    encoders: { ...encoders, vimlMusic: vimlMusicEncoder(heads) },
    audio: mediaAudioSource(),
    metadata: musicMetadataReader,
    describer: (cache) => createDescriber('tags', undefined, cache),
    segmentSeconds: 30,
    hopSeconds: 15,
  });
}
