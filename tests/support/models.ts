/** Tiny random-weight CLIP and CLAP fixtures (scripts/models/make_fixture_models.py) for tests. */
import { fileURLToPath } from 'node:url';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, type Config } from '../../core/config.js';
import { createEncoders, type CreateEncodersOptions, type Encoders } from '../../model/index.js';

/** Models directory holding the fixture `clip/` and `clap/`. */
export const fixtureModelsDir = fileURLToPath(new URL('../fixtures/models', import.meta.url));

/** Model ids the fixtures report (`_name_or_path` in their config.json). */
export const FIXTURE_CLIP_ID = 'cuecast/tiny-random-clip';
export const FIXTURE_CLAP_ID = 'cuecast/tiny-random-clap';

/**
 * A config whose models directory is the fixtures, downloads off, fp32 (q8 results depend on the batch
 * they run in, and tests compare exact values; dtype auto has tests/model/dtype-auto.test.ts);
 * `overrides` use config paths.
 */
export function fixtureConfig(overrides: Readonly<Record<string, unknown>> = {}): Config {
  return loadConfig({
    env: {},
    overrides: {
      dataDir: join(tmpdir(), 'cuecast-test-data'),
      modelsDir: fixtureModelsDir,
      'encoders.allowRemote': false,
      'encoders.workers': 1,
      'encoders.threads': 1,
      'encoders.dtype': 'fp32',
      logLevel: 'silent',
      ...overrides,
    },
  });
}

/** Encoders on the fixture models, in a real worker pool. Call `dispose()` when done. */
export function createFixtureEncoders(overrides: Readonly<Record<string, unknown>> = {}, options: CreateEncodersOptions = {}): Promise<Encoders> {
  return createEncoders(fixtureConfig(overrides), options);
}
