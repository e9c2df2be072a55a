import { resolve } from 'node:path';
import { loadConfig, type Config } from '../core/config.js';
import { openCatalog } from '../index-data/catalog.js';
import type { Catalog } from '../index-data/types.js';
import { createEncoders, type Encoders } from '../model/index.js';

/** The `--catalog` / `--models` flags several commands take. */
export interface LocationFlags {
  readonly catalog?: string | undefined;
  readonly models?: string | undefined;
}

/** Config from the environment and file, with `--catalog` / `--models` (resolved from the working folder) and then `overrides` on top. */
export function configWithFlags(flags: LocationFlags, overrides: Readonly<Record<string, unknown>> = {}): Config {
  return loadConfig({
    overrides: {
      ...(flags.catalog ? { catalogDir: resolve(flags.catalog) } : {}),
      ...(flags.models ? { modelsDir: resolve(flags.models) } : {}),
      ...overrides,
    },
  });
}

/** Opens a catalog, refusing one built with other CLIP/CLAP models than `encoders` (CATALOG_MISMATCH). */
export function openCatalogFor(dir: string, encoders: Encoders): Catalog {
  return openCatalog(dir, { expect: { clip: encoders.clipText.info, clap: encoders.clapAudio.info } });
}

/** Starts the encoders, opens the config's catalog for them and runs `work`; both are closed however it ends. */
export async function withEncodersAndCatalog<T>(config: Config, work: (encoders: Encoders, catalog: Catalog) => Promise<T>): Promise<T> {
  const encoders = await createEncoders(config);
  try {
    const catalog = openCatalogFor(config.catalogDir, encoders);
    try {
      return await work(encoders, catalog);
    } finally {
      catalog.close();
    }
  } finally {
    await encoders.dispose();
  }
}
