import { join, resolve } from 'node:path';
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { configWithFlags, withEncodersAndCatalog } from '../../cli/setup.js';
import { fixtureConfig } from '../support/models.js';

describe('configWithFlags', () => {
  it('resolves --catalog and --models from the working folder', () => {
    const config = configWithFlags({ catalog: 'some/catalog', models: './models' });
    expect(config.catalogDir).toBe(resolve('some/catalog'));
    expect(config.modelsDir).toBe(resolve('models'));
  });

  it('lets explicit overrides win over the flags, and leaves unset flags to the config', () => {
    const config = configWithFlags({ catalog: 'from-flag' }, { catalogDir: '/from/override', 'video.fps': 2 });
    expect(config.catalogDir).toBe('/from/override');
    expect(config.video.fps).toBe(2);
    expect(configWithFlags({}).catalogDir).toBe(configWithFlags({}, {}).catalogDir);
  });
});

describe('withEncodersAndCatalog', () => {
  it('given no catalog at the configured folder, rejects with CATALOG_MISSING without running the work', async () => {
    let ran = false;
    const config = fixtureConfig({ catalogDir: join(tmpdir(), 'cuecast-no-such-catalog') });
    await expect(
      withEncodersAndCatalog(config, () => {
        ran = true;
        return Promise.resolve();
      }),
    ).rejects.toMatchObject({ code: 'CATALOG_MISSING' });
    expect(ran).toBe(false);
  });
});
