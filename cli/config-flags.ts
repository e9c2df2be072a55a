import { resolve } from 'node:path';
import { loadConfig, type Config } from '../core/config.js';

/** The `--catalog` / `--models` flags the commands take. */
export interface LocationFlags {
  readonly catalog?: string | undefined;
  readonly models?: string | undefined;
  /** `--catalog-name`: a catalog of the PostgreSQL database. */
  readonly catalogName?: string | undefined;
}

/**
 * Config from the environment and file, with `--catalog` / `--models` (resolved from the working folder)
 * and then `overrides` on top. An explicit `--models DIR` comes first in the model-resolution rule.
 */
export function configWithFlags(flags: LocationFlags, overrides: Readonly<Record<string, unknown>> = {}): Config {
  return loadConfig({
    overrides: {
      ...(flags.catalog ? { catalogDir: resolve(flags.catalog) } : {}),
      ...(flags.models ? { modelsDir: resolve(flags.models) } : {}),
      ...(flags.catalogName ? { 'database.catalogName': flags.catalogName } : {}),
      ...overrides,
    },
  });
}
