import type pg from 'pg';
import { createPgPool, redactUrl } from './pool.js';
import type { PgCatalogLocation } from './catalog.js';

/** What config says about a PostgreSQL catalog (config `database` section). */
export interface PgCatalogSettings {
  readonly url: string;
  readonly catalogName: string;
  readonly poolMax?: number;
  readonly connectTimeoutMs?: number;
  readonly statementTimeoutMs?: number;
  /** hnsw.ef_search: candidates kept per search (recall against speed). */
  readonly efSearch?: number;
  /** hnsw.max_scan_tuples: how far an iterative scan may go looking for rows that pass a filter. */
  readonly maxScanTuples?: number;
}

export const PG_SEARCH_DEFAULTS = { efSearch: 100, maxScanTuples: 20_000 } as const;

/**
 * A pool whose connections search with the catalog's settings: ef_search, and iterative index scans
 * (relaxed order; results are re-sorted by distance) so filtered queries keep their recall.
 */
export function pgCatalogLocation(settings: PgCatalogSettings): PgCatalogLocation & { readonly pool: pg.Pool } {
  const pool = createPgPool({
    url: settings.url,
    ...(settings.poolMax !== undefined ? { max: settings.poolMax } : {}),
    ...(settings.connectTimeoutMs !== undefined ? { connectTimeoutMs: settings.connectTimeoutMs } : {}),
    ...(settings.statementTimeoutMs !== undefined ? { statementTimeoutMs: settings.statementTimeoutMs } : {}),
    settings: {
      'hnsw.ef_search': settings.efSearch ?? PG_SEARCH_DEFAULTS.efSearch,
      'hnsw.iterative_scan': 'relaxed_order',
      'hnsw.max_scan_tuples': settings.maxScanTuples ?? PG_SEARCH_DEFAULTS.maxScanTuples,
    },
  });
  return { pool, name: settings.catalogName, where: redactUrl(settings.url) };
}
