import { createHash } from 'node:crypto';
import type pg from 'pg';
import { CatalogError, InputError } from '../../../core/errors.js';
import { checkManifest, type OpenCatalogOptions } from '../../catalog.js';
import { CatalogTables, catalogView } from '../../catalog-view.js';
import { FORMAT_VERSION } from '../../store/layout.js';
import type { Catalog, CatalogManifest, Segment, SkippedFile, Track, TrackFilter, VectorHit, VectorIndex, VectorSpace } from '../../types.js';
import { normalize } from '../../vectors.js';
import { migrateCatalogSchema } from './migrate.js';
import { connectionError, isConnectionError } from './pool.js';
import { filterSql } from './sql-filter.js';
import { fromVectorText, toVectorText } from './vectors.js';

/** Where a catalog lives in PostgreSQL: a database (its pool) and a catalog name within it. */
export interface PgCatalogLocation {
  readonly pool: pg.Pool;
  readonly name: string;
  /** Shown in messages (the URL without its password). */
  readonly where: string;
}

export interface SpaceInfo {
  readonly dim: number;
  readonly count: number;
  readonly table: string;
}

interface GenerationRow {
  id: string;
  manifest: CatalogManifest;
  spaces: Partial<Record<VectorSpace, SpaceInfo>>;
}

/** Brings the schema up to date, reporting an unreachable server as DATABASE_UNAVAILABLE. */
export async function migrateAt(location: PgCatalogLocation): Promise<void> {
  try {
    await migrateCatalogSchema(location.pool);
  } catch (error) {
    if (isConnectionError(error)) throw connectionError(location.where, error);
    throw error;
  }
}

/** The published generation of a named catalog, or undefined when there is none. */
export async function currentPgGeneration(pool: pg.Pool, name: string): Promise<(GenerationRow & { fingerprint: string; source: string | null }) | undefined> {
  const { rows } = await pool.query<GenerationRow & { fingerprint: string; source: string | null }>(
    `SELECT g.id, g.manifest, g.spaces, g.fingerprint, g.source FROM cuecast_catalogs c JOIN cuecast_generations g ON g.id = c.current_generation WHERE c.name = $1`,
    [name],
  );
  return rows[0];
}

function statementName(sql: string): string {
  return `cuecast_${createHash('sha1').update(sql).digest('hex').slice(0, 16)}`;
}

/** Table names come only from the generation's own row; check them anyway before putting them into SQL. */
function safeTable(name: string): string {
  if (!/^cuecast_vectors_[0-9]+_[a-z_]+$/.test(name)) throw new CatalogError('CATALOG_CORRUPT', `Unexpected vector table name ${name}`, { table: name });
  return `"${name}"`;
}

function missingGeneration(location: PgCatalogLocation, error: unknown): unknown {
  if ((error as { code?: string }).code === '42P01') {
    return new CatalogError(
      'CATALOG_MISSING',
      `The catalog generation this process opened from "${location.name}" at ${location.where} was replaced and removed; reopen the catalog (restart the service)`,
      { catalog: location.name },
      { cause: error },
    );
  }
  return error;
}

/**
 * A vector space in PostgreSQL: one table per generation and space with a vector(D) column and an
 * HNSW index (vector_cosine_ops). Filters run in the same SQL statement; with
 * hnsw.iterative_scan = relaxed_order (set on every pooled connection) the index scan keeps going
 * until `k` rows pass the filter or hnsw.max_scan_tuples were visited.
 */
export class PgVectorIndex implements VectorIndex {
  readonly dim: number;
  readonly size: number;
  readonly #location: PgCatalogLocation;
  readonly #table: string;

  constructor(location: PgCatalogLocation, info: SpaceInfo) {
    this.#location = location;
    this.#table = safeTable(info.table);
    this.dim = info.dim;
    this.size = info.count;
  }

  async search(query: Float32Array, k: number, filter?: TrackFilter): Promise<VectorHit[]> {
    if (query.length !== this.dim) throw new InputError('INPUT_INVALID', `query has dimension ${query.length}, the index holds ${this.dim}`, { expected: this.dim, actual: query.length });
    if (!Number.isInteger(k) || k < 1) throw new InputError('INPUT_INVALID', `k must be a positive integer, got ${k}`);
    const where = filterSql(filter, 2);
    const sql = `SELECT label, embedding <=> $1::vector AS distance FROM ${this.#table} WHERE ${where.sql} ORDER BY embedding <=> $1::vector LIMIT $2`;
    try {
      // Named: each pooled connection parses and plans the statement once per filter shape.
      const { rows } = await this.#location.pool.query<{ label: number; distance: number }>({ name: statementName(sql), text: sql, values: [toVectorText(normalize(query)), k, ...where.params] });
      // relaxed_order may return rows slightly out of order: sort them by the distances it computed.
      return rows.map((r) => ({ label: r.label, score: 1 - r.distance })).sort((a, b) => b.score - a.score || a.label - b.label);
    } catch (error) {
      throw missingGeneration(this.#location, error);
    }
  }

  async vectors(labels: readonly number[]): Promise<(Float32Array | undefined)[]> {
    if (labels.length === 0) return [];
    try {
      const sql = `SELECT label, embedding::text AS embedding FROM ${this.#table} WHERE label = ANY($1::int[])`;
      const { rows } = await this.#location.pool.query<{ label: number; embedding: string }>({ name: statementName(sql), text: sql, values: [labels] });
      const byLabel = new Map(rows.map((r) => [r.label, fromVectorText(r.embedding)]));
      return labels.map((label) => byLabel.get(label));
    } catch (error) {
      throw missingGeneration(this.#location, error);
    }
  }
}

/**
 * Opens the current generation of a named catalog in PostgreSQL. Track and segment metadata is read
 * once (as the embedded catalog does); vectors stay in the database behind PgVectorIndex. Brings the
 * schema up to date first, so a fresh database answers CATALOG_MISSING rather than a SQL error.
 */
export async function openPgCatalog(location: PgCatalogLocation, options: OpenCatalogOptions & { onClose?: () => Promise<void> } = {}): Promise<Catalog> {
  await migrateAt(location);
  const generation = await currentPgGeneration(location.pool, location.name);
  const where = `catalog "${location.name}" at ${location.where}`;
  if (!generation) {
    throw new CatalogError('CATALOG_MISSING', `No ${where}: run \`cuecast index <music folder>\` with CUECAST_DATABASE_URL set, or \`cuecast catalog migrate --to <url>\``, { catalog: location.name });
  }
  const manifest = generation.manifest;
  if (manifest.formatVersion !== FORMAT_VERSION) {
    throw new CatalogError('CATALOG_MISMATCH', `The ${where} has format version ${manifest.formatVersion}; this cuecast reads version ${FORMAT_VERSION}. Re-run \`cuecast index\`.`, {
      catalog: location.name,
    });
  }
  checkManifest(where, manifest, options.expect);

  const [trackRows, segmentRows, skippedRows] = await Promise.all([
    location.pool.query<{ label: number; abs_path: string; data: Track }>('SELECT label, abs_path, data FROM cuecast_tracks WHERE generation_id = $1 ORDER BY label', [generation.id]),
    location.pool.query<{ data: Segment }>('SELECT data FROM cuecast_segments WHERE generation_id = $1 ORDER BY track_label, idx', [generation.id]),
    location.pool.query<SkippedFile>('SELECT path, code, reason FROM cuecast_skipped WHERE generation_id = $1 ORDER BY path', [generation.id]),
  ]);
  const skipped = skippedRows.rows.map((r) => ({ path: r.path, code: r.code, reason: r.reason }));
  const tables = new CatalogTables(
    trackRows.rows.map((row) => ({ label: row.label, track: row.data, absPath: row.abs_path })),
    segmentRows.rows.map((row) => row.data),
  );
  const indexes = new Map<VectorSpace, VectorIndex>();
  for (const [space, info] of Object.entries(generation.spaces) as [VectorSpace, SpaceInfo][]) indexes.set(space, new PgVectorIndex(location, info));
  return catalogView({ manifest, tables, indexes, skipped, close: async () => options.onClose?.() });
}
