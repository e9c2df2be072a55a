import Database from 'better-sqlite3';
import type { DescriptionCache } from '../describe/cache.js';
import type { ScoredTag, TrackDamage, VectorSpace } from '../types.js';
import { fromBlob, toBlob } from '../vectors.js';
import { WORK_SCHEMA } from './schema.js';

/** Everything the indexer learned about one audio file's content (vectors are stored beside it). */
export interface TrackRecord {
  readonly contentHash: string;
  readonly title: string;
  readonly artist: string;
  readonly album?: string;
  readonly durationSeconds: number;
  readonly fileGenres: readonly string[];
  readonly bpm?: number;
  /** Why there is no BPM (set only when `bpm` is absent). */
  readonly bpmReason?: string;
  readonly loudnessLufs?: number;
  /** Every segment is silent. */
  readonly silent?: boolean;
  readonly damage?: TrackDamage;
  readonly tags: readonly ScoredTag[];
  /** The tags the description was written from. */
  readonly selected: readonly ScoredTag[];
  readonly description: string;
  /** What actually wrote the description (`template` after a fallback). */
  readonly descriptionBackend: string;
  readonly descriptionModel: string;
  /** The description setting it was made under (mode/model/prompt version), to notice a change. */
  readonly descriptionSetting: string;
  readonly segments: readonly SegmentRecord[];
}

export interface SegmentRecord {
  readonly index: number;
  readonly start: number;
  readonly end: number;
  readonly loudnessLufs?: number;
  readonly silent?: boolean;
}

/** Where and when a content hash was first seen; survives re-analysis, moves and renames. */
export interface TrackHistory {
  readonly firstSeen: string;
  readonly firstPath: string;
  readonly lastPath: string;
}

export interface TrackVectors {
  /** Per segment, in segment order. */
  readonly clapAudio: readonly Float32Array[];
  readonly clipText: Float32Array;
  readonly vimlMusic?: readonly Float32Array[];
}

/**
 * The indexer's durable scratchpad. Each finished track is committed in one transaction (WAL), so a
 * SIGKILL loses at most the tracks in flight; nothing here is visible to catalog readers.
 */
export class WorkDb implements DescriptionCache {
  readonly #db: Database.Database;
  readonly #workKey: string;

  constructor(file: string, workKey: string) {
    this.#db = new Database(file);
    this.#db.pragma('journal_mode = WAL');
    this.#db.pragma('synchronous = NORMAL');
    this.#db.pragma('busy_timeout = 5000');
    this.#db.exec(WORK_SCHEMA);
    this.#workKey = workKey;
  }

  cachedHash(path: string, size: number, mtimeMs: number): string | undefined {
    const row = this.#db.prepare('SELECT content_hash AS h FROM file_hashes WHERE path = ? AND size = ? AND mtime_ms = ?').get(path, size, mtimeMs) as { h: string } | undefined;
    return row?.h;
  }

  rememberHash(path: string, size: number, mtimeMs: number, hash: string): void {
    this.#db.prepare('INSERT OR REPLACE INTO file_hashes (path, size, mtime_ms, content_hash) VALUES (?, ?, ?, ?)').run(path, size, mtimeMs, hash);
  }

  record(contentHash: string): TrackRecord | undefined {
    const row = this.#db.prepare('SELECT record FROM work_tracks WHERE content_hash = ? AND work_key = ?').get(contentHash, this.#workKey) as { record: string } | undefined;
    return row ? (JSON.parse(row.record) as TrackRecord) : undefined;
  }

  vectors(contentHash: string): TrackVectors {
    const rows = this.#db.prepare('SELECT space, idx, vector FROM work_vectors WHERE content_hash = ? AND work_key = ? ORDER BY space, idx').all(contentHash, this.#workKey) as {
      space: VectorSpace;
      idx: number;
      vector: Buffer;
    }[];
    const of = (space: VectorSpace): Float32Array[] => rows.filter((r) => r.space === space).map((r) => fromBlob(r.vector));
    const clipText = of('clip-text')[0];
    if (!clipText) throw new Error(`work record ${contentHash} has no clip-text vector`);
    const viml = of('viml-music');
    return { clapAudio: of('clap-audio'), clipText, ...(viml.length > 0 ? { vimlMusic: viml } : {}) };
  }

  /** Stores a finished track atomically (record and all its vectors, or nothing). */
  saveTrack(record: TrackRecord, vectors: TrackVectors): void {
    const insertVector = this.#db.prepare('INSERT INTO work_vectors (content_hash, work_key, space, idx, vector) VALUES (?, ?, ?, ?, ?)');
    this.#db.transaction(() => {
      this.#db.prepare('DELETE FROM work_vectors WHERE content_hash = ? AND work_key = ?').run(record.contentHash, this.#workKey);
      this.#db
        .prepare('INSERT OR REPLACE INTO work_tracks (content_hash, work_key, record, done_at) VALUES (?, ?, ?, ?)')
        .run(record.contentHash, this.#workKey, JSON.stringify(record), new Date().toISOString());
      vectors.clapAudio.forEach((v, i) => insertVector.run(record.contentHash, this.#workKey, 'clap-audio', i, toBlob(v)));
      insertVector.run(record.contentHash, this.#workKey, 'clip-text', 0, toBlob(vectors.clipText));
      vectors.vimlMusic?.forEach((v, i) => insertVector.run(record.contentHash, this.#workKey, 'viml-music', i, toBlob(v)));
    })();
  }

  /** A content-determined failure (corrupt, empty, truncated) remembered so re-runs do not decode it again. */
  failure(contentHash: string): { code: string; reason: string } | undefined {
    return this.#db.prepare('SELECT code, reason FROM work_failures WHERE content_hash = ? AND work_key = ?').get(contentHash, this.#workKey) as { code: string; reason: string } | undefined;
  }

  saveFailure(contentHash: string, code: string, reason: string): void {
    this.#db.prepare('INSERT OR REPLACE INTO work_failures (content_hash, work_key, code, reason) VALUES (?, ?, ?, ?)').run(contentHash, this.#workKey, code, reason);
  }

  /** Forgets work for content no longer present anywhere in the scanned folders. */
  prune(keep: ReadonlySet<string>, keepPaths: ReadonlySet<string>): number {
    const hashes = (this.#db.prepare('SELECT DISTINCT content_hash AS h FROM work_tracks').all() as { h: string }[]).map((r) => r.h).filter((h) => !keep.has(h));
    const failed = (this.#db.prepare('SELECT DISTINCT content_hash AS h FROM work_failures').all() as { h: string }[]).map((r) => r.h).filter((h) => !keep.has(h));
    const paths = (this.#db.prepare('SELECT path FROM file_hashes').all() as { path: string }[]).map((r) => r.path).filter((p) => !keepPaths.has(p));
    this.#db.transaction(() => {
      for (const h of hashes) {
        this.#db.prepare('DELETE FROM work_tracks WHERE content_hash = ?').run(h);
        this.#db.prepare('DELETE FROM work_vectors WHERE content_hash = ?').run(h);
      }
      for (const h of failed) this.#db.prepare('DELETE FROM work_failures WHERE content_hash = ?').run(h);
      for (const p of paths) this.#db.prepare('DELETE FROM file_hashes WHERE path = ?').run(p);
    })();
    return hashes.length;
  }

  history(contentHash: string): TrackHistory | undefined {
    return this.#db.prepare('SELECT first_seen AS firstSeen, first_path AS firstPath, last_path AS lastPath FROM track_history WHERE content_hash = ?').get(contentHash) as TrackHistory | undefined;
  }

  /** Records that `contentHash` is now catalogued at `path` (the first sighting keeps its time and path). */
  noteSeen(contentHash: string, path: string, at: string = new Date().toISOString()): TrackHistory {
    this.#db
      .prepare('INSERT INTO track_history (content_hash, first_seen, first_path, last_path) VALUES (?, ?, ?, ?) ON CONFLICT(content_hash) DO UPDATE SET last_path = excluded.last_path')
      .run(contentHash, at, path, path);
    return this.history(contentHash)!;
  }

  get(key: string): string | undefined {
    return (this.#db.prepare('SELECT text FROM descriptions WHERE key = ?').get(key) as { text: string } | undefined)?.text;
  }

  set(key: string, text: string): void {
    this.#db.prepare('INSERT OR REPLACE INTO descriptions (key, text, created_at) VALUES (?, ?, ?)').run(key, text, new Date().toISOString());
  }

  close(): void {
    this.#db.close();
  }
}
