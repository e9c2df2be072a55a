/**
 * The bot's real services on small inputs: fixture CLIP/CLAP encoders in their worker pool, a real
 * catalog indexed from generated tone tracks, the real Recommender, core/media for clips and previews.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CatalogPreviewCutter, CatalogTrackDirectory, MediaClipAnalyser } from '../../../bot/media-adapters.js';
import { openCatalog } from '../../../index-data/catalog.js';
import { createDescriber } from '../../../index-data/describe/from-config.js';
import { indexMusic } from '../../../index-data/indexer.js';
import { mediaAudioSource } from '../../../index-data/media-source.js';
import { musicMetadataReader } from '../../../index-data/metadata.js';
import type { Catalog } from '../../../index-data/types.js';
import type { Encoders } from '../../../model/index.js';
import { catalogVocabulary } from '../../../recommend/catalog-vocabulary.js';
import { Recommender } from '../../../recommend/recommender.js';
import { makeTrack, type TrackSpec } from '../../support/media.js';
import { createFixtureEncoders } from '../../support/models.js';

/** Six tone tracks with distinct tempos, timbres and tags, one artist each. */
export const CATALOG_TRACKS: readonly TrackSpec[] = [
  { title: 'Slow Glass', artist: 'Nori', genre: 'Ambient', bpm: 70, timbre: 'sine', freq: 330 },
  { title: 'Tape Hiss', artist: 'Kumo', genre: 'Lo-Fi', bpm: 84, timbre: 'triangle', freq: 392 },
  { title: 'Night Drive', artist: 'Velvet Circuit', genre: 'Synthwave', bpm: 118, timbre: 'sawtooth', freq: 220 },
  { title: 'Run Wild', artist: 'The Sparks', genre: 'Rock', bpm: 150, timbre: 'square', freq: 196 },
  { title: 'Rush Hour', artist: 'Kinetic', genre: 'Drum and Bass', bpm: 172, timbre: 'noise' },
  { title: 'Stillness', artist: 'Ilse Moor', genre: 'Classical', bpm: 60, timbre: 'sine', freq: 523 },
];

export interface RealServices {
  readonly encoders: Encoders;
  readonly catalog: Catalog;
  readonly recommender: Recommender;
  readonly analyser: MediaClipAnalyser;
  readonly tracks: CatalogTrackDirectory;
  readonly preview: CatalogPreviewCutter;
  dispose(): Promise<void>;
}

/** Indexes the tracks into a fresh catalog dir with the fixture encoders and opens it. */
export async function buildCatalog(encoders: Encoders, specs: readonly TrackSpec[] = CATALOG_TRACKS): Promise<string> {
  const root = mkdtempSync(join(tmpdir(), 'cuecast-bot-music-'));
  for (const [i, spec] of specs.entries()) await makeTrack({ ...spec, seconds: 20, format: 'mp3', path: join(root, `${i}-${spec.title!.replaceAll(' ', '-')}.mp3`) });
  const catalogDir = join(root, 'catalog');
  await indexMusic({
    roots: [root],
    catalogDir,
    encoders,
    audio: mediaAudioSource(),
    metadata: musicMetadataReader,
    describer: (cache) => createDescriber('template', undefined, cache),
    segmentSeconds: 10,
    hopSeconds: 10,
    jobs: 2,
  });
  return catalogDir;
}

export async function createRealServices(options: { maxClipSeconds?: number } = {}): Promise<RealServices> {
  const encoders = await createFixtureEncoders();
  const catalog = openCatalog(await buildCatalog(encoders), { expect: { clip: encoders.clipText.info, clap: encoders.clapAudio.info } });
  return {
    encoders,
    catalog,
    recommender: new Recommender({ catalog, clipText: encoders.clipText, clapText: encoders.clapText, vocabulary: catalogVocabulary(catalog) }),
    analyser: new MediaClipAnalyser(encoders.clipImage, { fps: 1, maxFrames: 8, maxClipSeconds: options.maxClipSeconds ?? 15 * 60, timeoutMs: 30_000 }),
    tracks: new CatalogTrackDirectory(catalog),
    preview: new CatalogPreviewCutter(catalog, 30_000),
    async dispose() {
      await catalog.close();
      await encoders.dispose();
    },
  };
}
