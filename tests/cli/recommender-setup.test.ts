import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRecommender, openCatalogFor } from '../../cli/setup.js';
import { fixtureHeadsDir, indexWithHeads } from '../support/viml-catalog.js';
import { loadVimlHeads, type Encoders } from '../../model/index.js';
import { pulses, writeTrack } from '../index-data/media-fixtures.js';
import { createFixtureEncoders, fixtureConfig, fixtureModelsDir } from '../support/models.js';
import { ifSet } from '../support/if-set.js';

const headsDir = fixtureHeadsDir;
const work = mkdtempSync(join(tmpdir(), 'cuecast-recommender-setup-'));
const catalogDir = join(work, 'catalog');
/** The fixture CLIP and CLAP, with and without trained heads in `<models>/viml`. */
const withHeads = join(work, 'models-with-heads');
const withoutHeads = join(work, 'models-without-heads');
let encoders: Encoders;

beforeAll(async () => {
  for (const dir of [withHeads, withoutHeads]) {
    mkdirSync(dir);
    for (const model of ['clip', 'clap']) symlinkSync(join(fixtureModelsDir, model), join(dir, model));
  }
  symlinkSync(headsDir, join(withHeads, 'viml'));
  const music = join(work, 'music');
  writeTrack(music, { file: 'beat.wav', source: pulses(120, 12) });
  encoders = await createFixtureEncoders();
  const heads = await loadVimlHeads(encoders, fixtureConfig(), { dir: headsDir });
  await indexWithHeads(music, catalogDir, encoders, heads);
}, 120_000);

afterAll(async () => {
  await ifSet(encoders)?.dispose();
  rmSync(work, { recursive: true, force: true });
});

// What `cuecast bot`, `cuecast serve` and `cuecast recommend` serve with.
describe('createRecommender', () => {
  it('given trained heads in <models>/viml and a catalog built with them, recommends in viml mode', async () => {
    const catalog = openCatalogFor(catalogDir, encoders);
    try {
      const recommender = await createRecommender(fixtureConfig({ modelsDir: withHeads }), encoders, catalog);
      expect(recommender.mode).toBe('viml');
    } finally {
      await catalog.close();
    }
  });

  it('given no heads in the models directory, recommends zero-shot', async () => {
    const catalog = openCatalogFor(catalogDir, encoders);
    try {
      const recommender = await createRecommender(fixtureConfig({ modelsDir: withoutHeads }), encoders, catalog);
      expect(recommender.mode).toBe('zero-shot');
    } finally {
      await catalog.close();
    }
  });

  it('given an explicit heads folder that holds none, rejects with MODEL_MISSING instead of falling back silently', async () => {
    const catalog = openCatalogFor(catalogDir, encoders);
    try {
      await expect(createRecommender(fixtureConfig({ modelsDir: withoutHeads }), encoders, catalog, join(work, 'no-heads-here'))).rejects.toMatchObject({ code: 'MODEL_MISSING' });
    } finally {
      await catalog.close();
    }
  });
});
