import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import Database from 'better-sqlite3';
import type { CatalogManifest, SkippedFile, VectorSpace } from '../types.js';
import { HnswVectorIndex } from '../vector-index.js';
import { toBlob } from '../vectors.js';
import { CATALOG_DB, fsyncPath, GENERATIONS_DIR, generationDir, indexFile, readCurrent, switchCurrent } from './layout.js';
import { CATALOG_SCHEMA } from './schema.js';
import type { TrackRecord, TrackVectors } from './work-db.js';

export interface PublishedTrack {
  readonly record: TrackRecord;
  readonly vectors: TrackVectors;
  /** Folder it was found under, and its absolute path. */
  readonly root: string;
  readonly absPath: string;
  /** When the content was first indexed (ISO 8601). */
  readonly firstSeen?: string;
}

export interface PublishResult {
  readonly generation: string;
  readonly tracks: number;
  readonly segments: number;
}

/**
 * Writes a complete new generation (SQLite + HNSW files) into its own folder, then switches CURRENT to
 * it by atomic rename, so a reader sees the old catalog or the new one, never a mix. Keeps the previous
 * generation for readers still opening it and removes older or abandoned ones.
 */
export function publishGeneration(catalogDir: string, manifest: CatalogManifest, tracks: readonly PublishedTrack[], fingerprint: string, skipped: readonly SkippedFile[] = []): PublishResult {
  const name = `g-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
  const dir = generationDir(catalogDir, name);
  mkdirSync(dir, { recursive: true });
  const { vectorsBySpace, segments } = writeCatalogDb(join(dir, CATALOG_DB), manifest, tracks, fingerprint, skipped);
  writeIndexes(dir, vectorsBySpace);
  fsyncPath(join(dir, CATALOG_DB));
  fsyncPath(dir);

  const previous = readCurrent(catalogDir);
  switchCurrent(catalogDir, name);
  removeStaleGenerations(catalogDir, new Set([name, ...(previous ? [previous] : [])]));
  return { generation: name, tracks: tracks.length, segments };
}

/** Each vector space's (label, vector) entries, in label order. */
type VectorsBySpace = Map<VectorSpace, [number, Float32Array][]>;

/** The generation's SQLite database: tracks, tags, segments, embeddings, skipped files and meta, in one transaction. */
function writeCatalogDb(
  file: string,
  manifest: CatalogManifest,
  tracks: readonly PublishedTrack[],
  fingerprint: string,
  skipped: readonly SkippedFile[],
): { vectorsBySpace: VectorsBySpace; segments: number } {
  const db = new Database(file);
  db.pragma('journal_mode = DELETE');
  db.exec(CATALOG_SCHEMA);
  const writer = new RowWriter(db);
  db.transaction(() => {
    tracks.forEach((t, i) => {
      writer.track(i + 1, t);
    });
    for (const s of skipped) writer.insertSkipped.run(s.path, s.code, s.reason);
    const meta = db.prepare('INSERT INTO meta (key, value) VALUES (?, ?)');
    meta.run('manifest', JSON.stringify(manifest));
    meta.run('fingerprint', fingerprint);
    meta.run('spaces', JSON.stringify([...writer.vectorsBySpace.keys()]));
  })();
  db.close();
  return { vectorsBySpace: writer.vectorsBySpace, segments: writer.segmentLabel };
}

/** Inserts a track's rows and collects its vectors for the HNSW indexes; segment labels run across tracks from 1. */
class RowWriter {
  readonly vectorsBySpace: VectorsBySpace = new Map();
  segmentLabel = 0;
  private readonly insertTrack: Database.Statement;
  private readonly insertTag: Database.Statement;
  private readonly insertSegment: Database.Statement;
  private readonly insertVector: Database.Statement;
  readonly insertSkipped: Database.Statement;

  constructor(db: Database.Database) {
    this.insertTrack = db.prepare(`INSERT INTO tracks (label, id, content_hash, root, path, abs_path, title, artist, album, duration, file_genres, bpm, bpm_reason,
      loudness_lufs, silent, damage, first_seen, description, description_backend, description_model)
    VALUES (@label, @id, @hash, @root, @path, @absPath, @title, @artist, @album, @duration, @fileGenres, @bpm, @bpmReason,
      @loudness, @silent, @damage, @firstSeen, @description, @backend, @model)`);
    this.insertTag = db.prepare('INSERT INTO tags (track_label, grp, tag, score, rank) VALUES (?, ?, ?, ?, ?)');
    this.insertSegment = db.prepare('INSERT INTO segments (label, track_label, idx, start, end, loudness_lufs, silent) VALUES (?, ?, ?, ?, ?, ?, ?)');
    this.insertSkipped = db.prepare('INSERT OR REPLACE INTO skipped (path, code, reason) VALUES (?, ?, ?)');
    this.insertVector = db.prepare('INSERT INTO embeddings (space, label, vector) VALUES (?, ?, ?)');
  }

  track(label: number, t: PublishedTrack): void {
    const r = t.record;
    this.insertTrack.run({
      label,
      id: trackId(r.contentHash),
      hash: r.contentHash,
      root: t.root,
      path: relative(t.root, t.absPath),
      absPath: t.absPath,
      title: r.title,
      artist: r.artist,
      album: r.album ?? null,
      duration: r.durationSeconds,
      fileGenres: JSON.stringify(r.fileGenres),
      bpm: r.bpm ?? null,
      bpmReason: r.bpm === undefined ? (r.bpmReason ?? null) : null,
      loudness: r.loudnessLufs ?? null,
      silent: r.silent ? 1 : 0,
      damage: r.damage ? JSON.stringify(r.damage) : null,
      firstSeen: t.firstSeen ?? null,
      description: r.description,
      backend: r.descriptionBackend,
      model: r.descriptionModel,
    });
    const rank = new Map<string, number>();
    for (const tag of r.tags) {
      const n = rank.get(tag.group) ?? 0;
      rank.set(tag.group, n + 1);
      this.insertTag.run(label, tag.group, tag.tag, tag.score, n);
    }
    this.vector('clip-text', label, t.vectors.clipText);
    r.segments.forEach((s, j) => {
      this.segmentLabel++;
      this.insertSegment.run(this.segmentLabel, label, s.index, s.start, s.end, s.loudnessLufs ?? null, s.silent ? 1 : 0);
      this.vector('clap-audio', this.segmentLabel, t.vectors.clapAudio[j]!);
      const viml = t.vectors.vimlMusic?.[j];
      if (viml) this.vector('viml-music', this.segmentLabel, viml);
    });
  }

  private vector(space: VectorSpace, label: number, v: Float32Array): void {
    this.insertVector.run(space, label, toBlob(v));
    const list = this.vectorsBySpace.get(space) ?? [];
    list.push([label, v]);
    this.vectorsBySpace.set(space, list);
  }
}

/** One HNSW file per vector space, flushed to disk. */
function writeIndexes(dir: string, vectorsBySpace: VectorsBySpace): void {
  for (const [space, entries] of vectorsBySpace) {
    const dim = entries[0]![1].length;
    const file = indexFile(dir, space);
    HnswVectorIndex.from(dim, entries).save(file);
    fsyncPath(file);
  }
}

/** Stable track id: the first 16 hex digits of the content hash (survives renames and moves). */
export function trackId(contentHash: string): string {
  return contentHash.slice(0, 16);
}

function removeStaleGenerations(catalogDir: string, keep: ReadonlySet<string>): void {
  let names: string[];
  try {
    names = readdirSync(join(catalogDir, GENERATIONS_DIR));
  } catch {
    return;
  }
  for (const name of names) if (!keep.has(name)) rmSync(generationDir(catalogDir, name), { recursive: true, force: true });
}

/** Fingerprint of the published generation's content (undefined when none is published). */
export function readFingerprint(catalogDir: string): string | undefined {
  const name = readCurrent(catalogDir);
  if (!name) return undefined;
  try {
    const db = new Database(join(generationDir(catalogDir, name), CATALOG_DB), { readonly: true, fileMustExist: true });
    try {
      return (db.prepare("SELECT value FROM meta WHERE key = 'fingerprint'").get() as { value: string } | undefined)?.value;
    } finally {
      db.close();
    }
  } catch {
    return undefined;
  }
}
