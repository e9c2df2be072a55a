/** Schema of a published generation's catalog.sqlite. */
export const CATALOG_SCHEMA = `
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE tracks (
  label INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  content_hash TEXT NOT NULL,
  root TEXT NOT NULL,
  path TEXT NOT NULL,
  abs_path TEXT NOT NULL,
  title TEXT NOT NULL,
  artist TEXT NOT NULL,
  album TEXT,
  duration REAL NOT NULL,
  file_genres TEXT NOT NULL,
  bpm REAL,
  bpm_reason TEXT,
  loudness_lufs REAL,
  silent INTEGER NOT NULL DEFAULT 0,
  damage TEXT,
  first_seen TEXT,
  description TEXT NOT NULL,
  description_backend TEXT NOT NULL,
  description_model TEXT NOT NULL
);
CREATE TABLE tags (
  track_label INTEGER NOT NULL REFERENCES tracks(label),
  grp TEXT NOT NULL,
  tag TEXT NOT NULL,
  score REAL NOT NULL,
  rank INTEGER NOT NULL,
  PRIMARY KEY (track_label, grp, tag)
);
CREATE TABLE segments (
  label INTEGER PRIMARY KEY,
  track_label INTEGER NOT NULL REFERENCES tracks(label),
  idx INTEGER NOT NULL,
  start REAL NOT NULL,
  end REAL NOT NULL,
  loudness_lufs REAL,
  silent INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX segments_by_track ON segments(track_label, idx);
CREATE TABLE skipped (
  path TEXT PRIMARY KEY,
  code TEXT NOT NULL,
  reason TEXT NOT NULL
);
CREATE TABLE embeddings (
  space TEXT NOT NULL,
  label INTEGER NOT NULL,
  vector BLOB NOT NULL,
  PRIMARY KEY (space, label)
);
`;

/** Schema of work.sqlite: finished per-track work, survives kills; keyed by content and encoder set. */
export const WORK_SCHEMA = `
CREATE TABLE IF NOT EXISTS work_tracks (
  content_hash TEXT NOT NULL,
  work_key TEXT NOT NULL,
  record TEXT NOT NULL,
  done_at TEXT NOT NULL,
  PRIMARY KEY (content_hash, work_key)
);
CREATE TABLE IF NOT EXISTS work_vectors (
  content_hash TEXT NOT NULL,
  work_key TEXT NOT NULL,
  space TEXT NOT NULL,
  idx INTEGER NOT NULL,
  vector BLOB NOT NULL,
  PRIMARY KEY (content_hash, work_key, space, idx)
);
CREATE TABLE IF NOT EXISTS work_failures (
  content_hash TEXT NOT NULL,
  work_key TEXT NOT NULL,
  code TEXT NOT NULL,
  reason TEXT NOT NULL,
  PRIMARY KEY (content_hash, work_key)
);
CREATE TABLE IF NOT EXISTS file_hashes (
  path TEXT PRIMARY KEY,
  size INTEGER NOT NULL,
  mtime_ms REAL NOT NULL,
  content_hash TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS track_history (
  content_hash TEXT PRIMARY KEY,
  first_seen TEXT NOT NULL,
  first_path TEXT NOT NULL,
  last_path TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS descriptions (
  key TEXT PRIMARY KEY,
  text TEXT NOT NULL,
  created_at TEXT NOT NULL
);
`;
