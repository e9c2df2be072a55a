import { realpathSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type pg from 'pg';
import { CatalogError } from '../../../core/errors.js';
import { openCatalog } from '../../catalog.js';
import { CATALOG_DB, generationDir, readCurrent } from '../../store/layout.js';
import { filterFacts } from '../../track-filter.js';
import type { Catalog, VectorSpace } from '../../types.js';
import { fromBlob } from '../../vectors.js';
import { currentPgGeneration, migrateAt, type PgCatalogLocation, type SpaceInfo } from './catalog.js';
import { inTransaction } from './pool.js';
import { toVectorText, vectorTable } from './vectors.js';

/** HNSW build parameters of the pgvector indexes (pgvector's m and ef_construction). */
export interface PgHnswBuild {
  readonly m: number;
  readonly efConstruction: number;
  /** maintenance_work_mem for the build, e.g. '1GB' (a graph that fits builds much faster). */
  readonly maintenanceWorkMem?: string;
}

export interface CopyOptions {
  readonly hnsw: PgHnswBuild;
  /** Rows per INSERT (one transaction each, so a killed copy resumes after the last one). */
  readonly batch?: number;
  /** Vectors compared between the two stores after copying. */
  readonly sample?: number;
  readonly progress?: (line: string) => void;
}

export interface CopyResult {
  readonly catalog: string;
  readonly generation: string;
  /** `unchanged`: the database already serves this content; `resumed`: an interrupted copy was finished. */
  readonly status: 'copied' | 'resumed' | 'unchanged';
  readonly tracks: number;
  readonly segments: number;
  readonly vectors: Partial<Record<VectorSpace, number>>;
  readonly sampled: number;
}

interface LocalTrackRow {
  label: number;
  content_hash: string;
  root: string;
  path: string;
  abs_path: string;
  description_backend: string;
  description_model: string;
}

/**
 * Copies the published generation of an embedded catalog (a folder) into PostgreSQL as a new
 * generation of the named catalog, then makes it current in one transaction: readers see the old
 * generation or the new one, never a mix. Every batch commits on its own and is keyed by label, so a
 * copy killed at any point resumes where it stopped when run again with the same source. Verified
 * before publishing: row counts per table and a sample of vectors compared value by value.
 */
export async function copyCatalogToPostgres(dir: string, target: PgCatalogLocation, options: CopyOptions): Promise<CopyResult> {
  const say = options.progress ?? (() => undefined);
  const batch = options.batch ?? 500;
  const name = readCurrent(dir);
  if (!name) throw new CatalogError('CATALOG_MISSING', `No catalog at ${dir}: run \`cuecast index <music folder> --catalog ${dir}\` first`, { dir });
  const local = openCatalog(dir);
  const db = new Database(join(generationDir(dir, name), CATALOG_DB), { readonly: true, fileMustExist: true });
  try {
    const fingerprint = (db.prepare("SELECT value FROM meta WHERE key = 'fingerprint'").get() as { value: string } | undefined)?.value ?? name;
    const source = `${realpathSync(dir)}#${name}`;
    await migrateAt(target);
    const current = await currentPgGeneration(target.pool, target.name);
    if (current && current.fingerprint === fingerprint) {
      say(`catalog "${target.name}" already holds this content (generation ${current.id})`);
      return { catalog: target.name, generation: current.id, status: 'unchanged', tracks: local.trackCount(), segments: countSegments(local), vectors: spaceCounts(local), sampled: 0 };
    }
    const { id, resumed } = await startGeneration(target, local, fingerprint, source);
    say(`${resumed ? 'resuming' : 'writing'} generation ${id} of catalog "${target.name}"`);

    const rows = db.prepare('SELECT label, content_hash, root, path, abs_path, description_backend, description_model FROM tracks ORDER BY label').all() as LocalTrackRow[];
    await copyTracks(target.pool, id, local, rows, batch, say);
    await copySegments(target.pool, id, local, batch);
    await copySkipped(target.pool, id, local);
    const spaces: Partial<Record<VectorSpace, SpaceInfo>> = {};
    for (const space of spaceNames(local)) spaces[space] = await copyVectors(target.pool, id, local, db, space, batch, say);
    for (const [space, info] of Object.entries(spaces)) await buildIndex(target.pool, info.table, options.hnsw, (line) => say(`${space}: ${line}`));
    const sampled = await verify(target.pool, id, local, db, spaces, options.sample ?? 200);
    await publish(target, id, spaces);
    say(`generation ${id} is now the current "${target.name}"`);
    return { catalog: target.name, generation: id, status: resumed ? 'resumed' : 'copied', tracks: local.trackCount(), segments: countSegments(local), vectors: spaceCounts(local), sampled };
  } finally {
    db.close();
    await local.close();
  }
}

function spaceNames(catalog: Catalog): VectorSpace[] {
  return (['clip-text', 'clap-audio', 'viml-music'] as const).filter((s) => catalog.index(s) !== undefined);
}

function spaceCounts(catalog: Catalog): Partial<Record<VectorSpace, number>> {
  return Object.fromEntries(spaceNames(catalog).map((s) => [s, catalog.index(s)!.size]));
}

function countSegments(catalog: Catalog): number {
  let n = 0;
  for (const t of catalog.tracks()) n += catalog.segments(t.id).length;
  return n;
}

/** A new generation in state `building`, or the unfinished one an interrupted copy of the same source left. */
async function startGeneration(target: PgCatalogLocation, local: Catalog, fingerprint: string, source: string): Promise<{ id: string; resumed: boolean }> {
  const { rows } = await target.pool.query<{ id: string }>(
    "SELECT id FROM cuecast_generations WHERE catalog = $1 AND state = 'building' AND fingerprint = $2 AND source = $3 ORDER BY id DESC LIMIT 1",
    [target.name, fingerprint, source],
  );
  if (rows[0]) return { id: rows[0].id, resumed: true };
  const inserted = await target.pool.query<{ id: string }>("INSERT INTO cuecast_generations (catalog, state, manifest, fingerprint, source) VALUES ($1, 'building', $2, $3, $4) RETURNING id", [
    target.name,
    JSON.stringify(local.manifest),
    fingerprint,
    source,
  ]);
  return { id: inserted.rows[0]!.id, resumed: false };
}

async function maxLabel(pool: pg.Pool, sql: string, params: unknown[]): Promise<number> {
  const { rows } = await pool.query<{ max: number | null }>(sql, params);
  return rows[0]?.max ?? 0;
}

async function copyTracks(pool: pg.Pool, generation: string, local: Catalog, rows: readonly LocalTrackRow[], batch: number, say: (line: string) => void): Promise<void> {
  const done = await maxLabel(pool, 'SELECT max(label) AS max FROM cuecast_tracks WHERE generation_id = $1', [generation]);
  const todo = rows.filter((r) => r.label > done);
  for (let start = 0; start < todo.length; start += batch) {
    const chunk = todo.slice(start, start + batch);
    const tracks = chunk.map((r) => local.trackByLabel(r.label)!);
    const facts = tracks.map((t) => filterFacts(t));
    await inTransaction(pool, async (client) => {
      await client.query(
        `INSERT INTO cuecast_tracks (generation_id, label, id, content_hash, root, path, abs_path, title, artist, album, duration, bpm, description, description_backend, description_model, present_tags, vocals, data)
         SELECT $1::bigint, label, id, content_hash, root, path, abs_path, title, artist, album, duration, bpm, description, description_backend, description_model, present_tags::text[], vocals, data
         FROM unnest($2::int[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::float8[], $12::float8[], $13::text[], $14::text[], $15::text[], $16::text[], $17::text[], $18::jsonb[])
           AS t(label, id, content_hash, root, path, abs_path, title, artist, album, duration, bpm, description, description_backend, description_model, present_tags, vocals, data)`,
        [
          generation,
          chunk.map((r) => r.label),
          tracks.map((t) => t.id),
          chunk.map((r) => r.content_hash),
          chunk.map((r) => r.root),
          chunk.map((r) => r.path),
          chunk.map((r) => r.abs_path),
          tracks.map((t) => t.title),
          tracks.map((t) => t.artist),
          tracks.map((t) => t.album ?? null),
          tracks.map((t) => t.durationSeconds),
          tracks.map((t) => t.bpm ?? null),
          tracks.map((t) => t.description),
          chunk.map((r) => r.description_backend),
          chunk.map((r) => r.description_model),
          // unnest flattens a 2-D array, so each track's tags travel as one literal text[]
          facts.map((f) => arrayLiteral(f.presentTags)),
          facts.map((f) => f.vocals),
          tracks.map((t) => JSON.stringify(t)),
        ],
      );
      const tagRows = tracks.flatMap((t, i) => {
        const rank = new Map<string, number>();
        return t.tags.map((tag) => {
          const n = rank.get(tag.group) ?? 0;
          rank.set(tag.group, n + 1);
          return [chunk[i]!.label, tag.group, tag.tag, tag.score, n] as const;
        });
      });
      if (tagRows.length > 0) {
        await client.query('INSERT INTO cuecast_tags (generation_id, track_label, grp, tag, score, rank) SELECT $1::bigint, * FROM unnest($2::int[], $3::text[], $4::text[], $5::real[], $6::int[])', [
          generation,
          tagRows.map((r) => r[0]),
          tagRows.map((r) => r[1]),
          tagRows.map((r) => r[2]),
          tagRows.map((r) => r[3]),
          tagRows.map((r) => r[4]),
        ]);
      }
    });
    say(`tracks ${done + start + chunk.length}/${rows.length}`);
  }
}

/** A PostgreSQL array literal of text values ({"a","b"}), quoted so any tag text survives. */
function arrayLiteral(values: readonly string[]): string {
  return `{${values.map((v) => `"${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`).join(',')}}`;
}

async function copySegments(pool: pg.Pool, generation: string, local: Catalog, batch: number): Promise<void> {
  const done = await maxLabel(pool, 'SELECT max(label) AS max FROM cuecast_segments WHERE generation_id = $1', [generation]);
  const segments = [...local.tracks()].flatMap((t) => local.segments(t.id).map((s) => ({ segment: s, trackLabel: local.trackLabel(t.id)! }))).filter((s) => s.segment.label > done);
  segments.sort((a, b) => a.segment.label - b.segment.label);
  for (let start = 0; start < segments.length; start += batch * 4) {
    const chunk = segments.slice(start, start + batch * 4);
    await pool.query(
      'INSERT INTO cuecast_segments (generation_id, label, track_label, idx, start_seconds, end_seconds, data) SELECT $1::bigint, * FROM unnest($2::int[], $3::int[], $4::int[], $5::float8[], $6::float8[], $7::jsonb[])',
      [
        generation,
        chunk.map((s) => s.segment.label),
        chunk.map((s) => s.trackLabel),
        chunk.map((s) => s.segment.index),
        chunk.map((s) => s.segment.start),
        chunk.map((s) => s.segment.end),
        chunk.map((s) => JSON.stringify(s.segment)),
      ],
    );
  }
}

async function copySkipped(pool: pg.Pool, generation: string, local: Catalog): Promise<void> {
  const skipped = local.skipped();
  if (skipped.length === 0) return;
  await pool.query('INSERT INTO cuecast_skipped (generation_id, path, code, reason) SELECT $1::bigint, * FROM unnest($2::text[], $3::text[], $4::text[]) ON CONFLICT DO NOTHING', [
    generation,
    skipped.map((s) => s.path),
    skipped.map((s) => s.code),
    skipped.map((s) => s.reason),
  ]);
}

async function copyVectors(pool: pg.Pool, generation: string, local: Catalog, db: Database.Database, space: VectorSpace, batch: number, say: (line: string) => void): Promise<SpaceInfo> {
  const index = local.index(space)!;
  const table = vectorTable(generation, space);
  await pool.query(
    `CREATE TABLE IF NOT EXISTS "${table}" (
      label integer PRIMARY KEY,
      track_label integer NOT NULL,
      track_id text NOT NULL,
      present_tags text[] NOT NULL,
      vocals text NOT NULL,
      bpm double precision,
      embedding vector(${index.dim}) NOT NULL
    )`,
  );
  const done = await maxLabel(pool, `SELECT max(label) AS max FROM "${table}"`, []);
  const total = index.size;
  const trackOf = (label: number): { label: number; trackId: string } => {
    if (space === 'clip-text') return { label, trackId: local.trackByLabel(label)!.id };
    const trackId = local.segmentByLabel(label)!.trackId;
    return { label: local.trackLabel(trackId)!, trackId };
  };
  const select = db.prepare('SELECT label, vector FROM embeddings WHERE space = ? AND label > ? ORDER BY label LIMIT ?');
  let after = done;
  let copied = done === 0 ? 0 : (await pool.query<{ n: string }>(`SELECT count(*) AS n FROM "${table}"`)).rows[0]!.n;
  for (;;) {
    const rows = select.all(space, after, batch) as { label: number; vector: Buffer }[];
    if (rows.length === 0) break;
    const owners = rows.map((r) => trackOf(r.label));
    const tracks = owners.map((o) => local.track(o.trackId)!);
    const facts = tracks.map((t) => filterFacts(t));
    await pool.query(
      `INSERT INTO "${table}" (label, track_label, track_id, present_tags, vocals, bpm, embedding)
       SELECT label, track_label, track_id, present_tags::text[], vocals, bpm, embedding::vector FROM unnest($1::int[], $2::int[], $3::text[], $4::text[], $5::text[], $6::float8[], $7::text[])
         AS t(label, track_label, track_id, present_tags, vocals, bpm, embedding)`,
      [
        rows.map((r) => r.label),
        owners.map((o) => o.label),
        owners.map((o) => o.trackId),
        facts.map((f) => arrayLiteral(f.presentTags)),
        facts.map((f) => f.vocals),
        tracks.map((t) => t.bpm ?? null),
        rows.map((r) => toVectorText(fromBlob(r.vector))),
      ],
    );
    after = rows[rows.length - 1]!.label;
    copied = Number(copied) + rows.length;
    if (copied % (batch * 20) < batch || copied === total) say(`${space} vectors ${copied}/${total}`);
  }
  return { dim: index.dim, count: total, table };
}

/** Client-side limit on one index build (the server-side statement_timeout is lifted for it). */
const INDEX_BUILD_TIMEOUT_MS = 24 * 3600_000;

/** A statement with the pool's client-side query timeout raised (pg reads `query_timeout` per query; its types omit it). */
function untimed(text: string): pg.QueryConfig {
  const config: pg.QueryConfig & { query_timeout: number } = { text, query_timeout: INDEX_BUILD_TIMEOUT_MS };
  return config;
}

/** The HNSW index (cosine) of a vector table; IF NOT EXISTS, so a copy killed while building builds it again. */
export async function buildIndex(pool: pg.Pool, table: string, hnsw: PgHnswBuild, say: (line: string) => void = () => undefined): Promise<void> {
  const client = await pool.connect();
  try {
    const begin = Date.now();
    await client.query(`SET statement_timeout = 0`);
    await client.query(`SET maintenance_work_mem = '${(hnsw.maintenanceWorkMem ?? '512MB').replace(/[^0-9A-Za-z]/g, '')}'`);
    // Exempt from the statement timeout on both sides: a build over millions of vectors takes many minutes.
    await client.query(
      untimed(
        `CREATE INDEX IF NOT EXISTS "${table}_hnsw" ON "${table}" USING hnsw (embedding vector_cosine_ops) WITH (m = ${Math.trunc(hnsw.m)}, ef_construction = ${Math.trunc(hnsw.efConstruction)})`,
      ),
    );
    await client.query(untimed(`ANALYZE "${table}"`));
    say(`HNSW index built in ${((Date.now() - begin) / 1000).toFixed(1)} s (m=${hnsw.m}, ef_construction=${hnsw.efConstruction})`);
  } finally {
    await client.query('RESET statement_timeout; RESET maintenance_work_mem').catch(() => undefined);
    client.release();
  }
}

/** Counts per table equal the embedded catalog's, and a sample of vectors equals its stored vectors. */
async function verify(pool: pg.Pool, generation: string, local: Catalog, db: Database.Database, spaces: Partial<Record<VectorSpace, SpaceInfo>>, sample: number): Promise<number> {
  const count = async (sql: string, params: unknown[] = []): Promise<number> => Number((await pool.query<{ n: string }>(sql, params)).rows[0]!.n);
  const problems: string[] = [];
  const tracks = await count('SELECT count(*) AS n FROM cuecast_tracks WHERE generation_id = $1', [generation]);
  if (tracks !== local.trackCount()) problems.push(`tracks: ${tracks} in PostgreSQL, ${local.trackCount()} in the catalog folder`);
  const segments = await count('SELECT count(*) AS n FROM cuecast_segments WHERE generation_id = $1', [generation]);
  if (segments !== countSegments(local)) problems.push(`segments: ${segments} in PostgreSQL, ${countSegments(local)} in the catalog folder`);
  let sampled = 0;
  for (const [space, info] of Object.entries(spaces) as [VectorSpace, SpaceInfo][]) {
    const n = await count(`SELECT count(*) AS n FROM "${info.table}"`);
    if (n !== info.count) problems.push(`${space} vectors: ${n} in PostgreSQL, ${info.count} in the catalog folder`);
    // An even spread of labels over the space, compared element by element (float4 round trip: exact).
    const labels = (db.prepare('SELECT label FROM embeddings WHERE space = ? ORDER BY label').all(space) as { label: number }[]).map((r) => r.label);
    const step = Math.max(1, Math.floor(labels.length / Math.max(1, Math.ceil(sample / Object.keys(spaces).length))));
    const picked = labels.filter((_, i) => i % step === 0);
    const { rows } = await pool.query<{ label: number; embedding: string }>(`SELECT label, embedding::text AS embedding FROM "${info.table}" WHERE label = ANY($1::int[])`, [picked]);
    const stored = new Map(rows.map((r) => [r.label, r.embedding]));
    const read = db.prepare('SELECT vector FROM embeddings WHERE space = ? AND label = ?');
    for (const label of picked) {
      const expected = toVectorText(fromBlob((read.get(space, label) as { vector: Buffer }).vector));
      const got = stored.get(label);
      if (got === undefined) problems.push(`${space} vector ${label} is missing`);
      else if (!sameVector(got, expected)) problems.push(`${space} vector ${label} differs`);
      sampled++;
    }
  }
  if (problems.length > 0) {
    throw new CatalogError('CATALOG_CORRUPT', `The copy in PostgreSQL does not match the catalog folder (nothing was published): ${problems.slice(0, 5).join('; ')}`, { problems });
  }
  return sampled;
}

function sameVector(a: string, b: string): boolean {
  const x = a.slice(1, -1).split(',').map(Number);
  const y = b.slice(1, -1).split(',').map(Number);
  return x.length === y.length && x.every((v, i) => Math.fround(v) === Math.fround(y[i]!));
}

/**
 * Makes a finished generation current in one transaction (the catalog row locked, so concurrent
 * publishers queue), then removes generations older than the previous one.
 */
async function publish(target: PgCatalogLocation, id: string, spaces: Partial<Record<VectorSpace, SpaceInfo>>): Promise<void> {
  const stale = await inTransaction(target.pool, async (client) => {
    await client.query('INSERT INTO cuecast_catalogs (name) VALUES ($1) ON CONFLICT (name) DO NOTHING', [target.name]);
    const { rows } = await client.query<{ current_generation: string | null }>('SELECT current_generation FROM cuecast_catalogs WHERE name = $1 FOR UPDATE', [target.name]);
    const previous = rows[0]?.current_generation ?? null;
    await client.query("UPDATE cuecast_generations SET state = 'published', spaces = $2, published_at = now() WHERE id = $1", [id, JSON.stringify(spaces)]);
    await client.query('UPDATE cuecast_catalogs SET current_generation = $2, updated_at = now() WHERE name = $1', [target.name, id]);
    // Keep the previous generation for readers that opened it; older published ones retire.
    const retired = await client.query<{ id: string; spaces: Partial<Record<VectorSpace, SpaceInfo>> }>(
      "UPDATE cuecast_generations SET state = 'retired' WHERE catalog = $1 AND state = 'published' AND id <> $2 AND id IS DISTINCT FROM $3 RETURNING id, spaces",
      [target.name, id, previous],
    );
    return retired.rows;
  });
  for (const generation of stale) await dropGeneration(target.pool, generation.id, generation.spaces);
}

async function dropGeneration(pool: pg.Pool, id: string, spaces: Partial<Record<VectorSpace, SpaceInfo>>): Promise<void> {
  for (const space of ['clip-text', 'clap-audio', 'viml-music'] as const) {
    const table = spaces[space]?.table ?? vectorTable(id, space);
    await pool.query(`DROP TABLE IF EXISTS "${table}"`);
  }
  await pool.query('DELETE FROM cuecast_generations WHERE id = $1', [id]);
}
