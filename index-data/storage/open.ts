import type { Config } from '../../core/config.js';
import { openCatalog, type OpenCatalogOptions } from '../catalog.js';
import type { Catalog } from '../types.js';
import { openPgCatalog } from './pg/catalog.js';
import { pgCatalogLocation, type PgCatalogSettings } from './pg/location.js';
import type { PgHnswBuild } from './pg/publish.js';

export type CatalogStoreConfig = Pick<Config, 'catalogDir' | 'database'>;

/** Where config puts catalogs: PostgreSQL when `database.url` is set, else the catalog folder. */
export function describeCatalogStore(config: CatalogStoreConfig): string {
  return config.database.url ? `PostgreSQL catalog "${config.database.catalogName}"` : config.catalogDir;
}

export function pgSettings(config: CatalogStoreConfig, url = config.database.url): PgCatalogSettings {
  const d = config.database;
  return { url, catalogName: d.catalogName, poolMax: d.poolMax, connectTimeoutMs: d.connectTimeoutMs, statementTimeoutMs: d.statementTimeoutMs, efSearch: d.efSearch, maxScanTuples: d.maxScanTuples };
}

export function pgHnswBuild(config: CatalogStoreConfig): PgHnswBuild {
  return { m: config.database.hnswM, efConstruction: config.database.hnswEfConstruction };
}

/**
 * Opens the configured catalog: the PostgreSQL one (its own pool, ended by `close`) when
 * `database.url` is set, else the embedded catalog folder (SQLite + hnswlib).
 */
export async function openConfiguredCatalog(config: CatalogStoreConfig, options: OpenCatalogOptions = {}): Promise<Catalog> {
  if (!config.database.url) return openCatalog(config.catalogDir, options);
  const location = pgCatalogLocation(pgSettings(config));
  try {
    return await openPgCatalog(location, { ...options, onClose: () => location.pool.end() });
  } catch (error) {
    await location.pool.end().catch(() => undefined);
    throw error;
  }
}
