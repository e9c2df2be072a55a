import { existsSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { CatalogError } from '../core/errors.js';
import { CATALOG_DB, FORMAT_VERSION, generationDir, indexFile, readCurrent } from './store/layout.js';
import type { Catalog, CatalogManifest, ScoredTag, Segment, SkippedFile, TagGroup, Track, TrackDamage, VectorIndex, VectorSpace } from './types.js';
import { CatalogTables, catalogView, type StoredTrack } from './catalog-view.js';
import { HnswVectorIndex, labelIndexView } from './vector-index.js';

/** The encoders a reader runs with; a catalog built with others is refused (CATALOG_MISMATCH). */
export interface ExpectedEncoders {
  readonly clip?: { readonly modelId: string; readonly dim: number };
  readonly clap?: { readonly modelId: string; readonly dim: number };
  /** Checked only when both the catalog and the reader have ViML heads. */
  readonly viml?: { readonly manifestHash: string; readonly dim: number };
}

export interface OpenCatalogOptions {
  readonly expect?: ExpectedEncoders;
}

interface TrackRow {
  label: number;
  id: string;
  path: string;
  abs_path: string;
  title: string;
  artist: string;
  album: string | null;
  duration: number;
  file_genres: string;
  bpm: number | null;
  bpm_reason: string | null;
  loudness_lufs: number | null;
  silent: number;
  damage: string | null;
  first_seen: string | null;
  description: string;
}

interface SegmentRow {
  label: number;
  track_id: string;
  idx: number;
  start: number;
  end: number;
  loudness_lufs: number | null;
  silent: number;
}

function describeEncoder(name: string, e: { modelId?: string; manifestHash?: string; dim: number }): string {
  return `${name} "${e.modelId ?? e.manifestHash}" (dim ${e.dim})`;
}

/** Refuses a catalog whose encoders differ from the reader's, naming both sides. */
export function checkManifest(dir: string, manifest: CatalogManifest, expect: ExpectedEncoders | undefined): void {
  if (!expect) return;
  const problems: string[] = [];
  for (const key of ['clip', 'clap'] as const) {
    const want = expect[key];
    const have = manifest[key];
    if (want && (want.modelId !== have.modelId || want.dim !== have.dim)) {
      problems.push(`built with ${describeEncoder(key.toUpperCase(), have)}, running with ${describeEncoder(key.toUpperCase(), want)}`);
    }
  }
  if (expect.viml && manifest.viml && (expect.viml.manifestHash !== manifest.viml.manifestHash || expect.viml.dim !== manifest.viml.dim)) {
    problems.push(`built with ${describeEncoder('ViML heads', manifest.viml)}, running with ${describeEncoder('ViML heads', expect.viml)}`);
  }
  if (problems.length > 0) {
    throw new CatalogError('CATALOG_MISMATCH', `Catalog at ${dir} does not match the encoders: ${problems.join('; ')}. Re-run \`cuecast index\` to rebuild it.`, {
      catalog: manifest,
      expected: expect,
    });
  }
}

/**
 * Opens the published generation of a catalog read-only. Tracks, tags and segments are loaded into
 * memory (catalogs are thousands of tracks, not millions); vector indexes come from the HNSW files.
 */
export function openCatalog(dir: string, options: OpenCatalogOptions = {}): Catalog {
  // A generation can be removed between reading CURRENT and opening it when two publishes follow
  // each other closely; CURRENT has then moved on, so read it again.
  for (let attempt = 1; ; attempt++) {
    const name = readCurrent(dir);
    try {
      return openGeneration(dir, name, options);
    } catch (error) {
      const moved = name !== undefined && readCurrent(dir) !== name;
      if (!(error instanceof CatalogError && error.code === 'CATALOG_CORRUPT' && moved && attempt < 3)) throw error;
    }
  }
}

function openGeneration(dir: string, name: string | undefined, options: OpenCatalogOptions): Catalog {
  if (!name) throw new CatalogError('CATALOG_MISSING', `No catalog at ${dir}: run \`cuecast index <music folder> --catalog ${dir}\` first`, { dir });
  const generation = generationDir(dir, name);
  const file = join(generation, CATALOG_DB);
  if (!existsSync(file)) throw new CatalogError('CATALOG_CORRUPT', `Catalog at ${dir} points at generation ${name}, which has no ${CATALOG_DB}`, { dir, generation: name });
  let db: Database.Database;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
  } catch (error) {
    throw new CatalogError('CATALOG_CORRUPT', `Catalog database ${file} cannot be opened: ${(error as Error).message}`, { file }, { cause: error });
  }
  try {
    return loadCatalog(dir, generation, db, options);
  } catch (error) {
    db.close();
    if (error instanceof CatalogError) throw error;
    throw new CatalogError('CATALOG_CORRUPT', `Catalog at ${dir} cannot be read: ${(error as Error).message}`, { dir }, { cause: error });
  }
}

function loadCatalog(dir: string, generation: string, db: Database.Database, options: OpenCatalogOptions): Catalog {
  const meta = new Map((db.prepare('SELECT key, value FROM meta').all() as { key: string; value: string }[]).map((r) => [r.key, r.value]));
  const manifest = readManifest(dir, meta, options);
  const tables = new CatalogTables(readTracks(db), readSegments(db));
  const indexes = loadIndexes(dir, generation, manifest, JSON.parse(meta.get('spaces') ?? '[]') as VectorSpace[], tables);
  const skipped: SkippedFile[] = db.prepare('SELECT path, code, reason FROM skipped ORDER BY path').all() as SkippedFile[];
  db.close();
  return catalogView({ manifest, tables, indexes, skipped, close: () => Promise.resolve() });
}

/** The generation's manifest, refused when its format or encoders differ from this reader's. */
function readManifest(dir: string, meta: ReadonlyMap<string, string>, options: OpenCatalogOptions): CatalogManifest {
  const manifest = JSON.parse(meta.get('manifest') ?? 'null') as CatalogManifest | null;
  if (!manifest) throw new CatalogError('CATALOG_CORRUPT', `Catalog at ${dir} has no manifest`, { dir });
  if (manifest.formatVersion !== FORMAT_VERSION) {
    throw new CatalogError('CATALOG_MISMATCH', `Catalog at ${dir} has format version ${manifest.formatVersion}; this cuecast reads version ${FORMAT_VERSION}. Re-run \`cuecast index\`.`, { dir });
  }
  checkManifest(dir, manifest, options.expect);
  return manifest;
}

function readTracks(db: Database.Database): StoredTrack[] {
  const tagsByTrack = new Map<number, ScoredTag[]>();
  for (const row of db.prepare('SELECT track_label, grp, tag, score FROM tags ORDER BY track_label, grp, rank').all() as { track_label: number; grp: TagGroup; tag: string; score: number }[]) {
    const list = tagsByTrack.get(row.track_label) ?? [];
    list.push({ group: row.grp, tag: row.tag, score: row.score });
    tagsByTrack.set(row.track_label, list);
  }
  return (db.prepare('SELECT * FROM tracks ORDER BY label').all() as TrackRow[]).map((row) => ({ label: row.label, track: trackOf(row, tagsByTrack.get(row.label) ?? []), absPath: row.abs_path }));
}

function trackOf(row: TrackRow, tags: ScoredTag[]): Track {
  return {
    id: row.id,
    path: row.path,
    title: row.title,
    artist: row.artist,
    ...(row.album !== null ? { album: row.album } : {}),
    durationSeconds: row.duration,
    fileGenres: JSON.parse(row.file_genres) as string[],
    tags,
    ...(row.bpm !== null ? { bpm: row.bpm } : {}),
    ...(row.bpm === null && row.bpm_reason !== null ? { bpmReason: row.bpm_reason } : {}),
    ...(row.loudness_lufs !== null ? { loudnessLufs: row.loudness_lufs } : {}),
    silent: row.silent === 1,
    ...(row.damage !== null ? { damage: JSON.parse(row.damage) as TrackDamage } : {}),
    ...(row.first_seen !== null ? { firstSeen: row.first_seen } : {}),
    description: row.description,
  };
}

/** Every segment, with its track's id (a segment whose track row is missing is left out). */
function readSegments(db: Database.Database): Segment[] {
  const rows = db
    .prepare('SELECT s.label, t.id AS track_id, s.idx, s.start, s.end, s.loudness_lufs, s.silent FROM segments s JOIN tracks t ON t.label = s.track_label ORDER BY s.track_label, s.idx')
    .all() as SegmentRow[];
  return rows.map((row) => ({
    trackId: row.track_id,
    label: row.label,
    index: row.idx,
    start: row.start,
    end: row.end,
    ...(row.loudness_lufs !== null ? { loudnessLufs: row.loudness_lufs } : {}),
    silent: row.silent === 1,
  }));
}

/** The HNSW index of each vector space, checked against the rows it indexes (one per track for clip-text, per segment otherwise). */
function loadIndexes(dir: string, generation: string, manifest: CatalogManifest, spaces: readonly VectorSpace[], tables: CatalogTables): Map<VectorSpace, VectorIndex> {
  const indexes = new Map<VectorSpace, VectorIndex>();
  const dims: Record<VectorSpace, number | undefined> = { 'clap-audio': manifest.clap.dim, 'clip-text': manifest.clip.dim, 'viml-music': manifest.viml?.dim };
  for (const space of spaces) {
    const dim = dims[space];
    if (dim === undefined) throw new CatalogError('CATALOG_CORRUPT', `Catalog at ${dir} has a ${space} index but its manifest has no dimension for it`, { dir });
    const index = HnswVectorIndex.load(indexFile(generation, space), dim);
    const expected = space === 'clip-text' ? tables.trackCount : tables.segmentCount;
    if (index.size !== expected) {
      throw new CatalogError('CATALOG_CORRUPT', `Catalog at ${dir}: ${space} index holds ${index.size} vectors, expected ${expected}`, { dir, space });
    }
    indexes.set(
      space,
      labelIndexView(index, (label) => tables.trackOfRow(space, label)),
    );
  }
  return indexes;
}

/** The generation a reader would open now (for stats and tests). */
export function currentGeneration(dir: string): string | undefined {
  return readCurrent(dir);
}
