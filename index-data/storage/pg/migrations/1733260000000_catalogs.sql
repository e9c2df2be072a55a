-- Up Migration
-- Catalogs in PostgreSQL: several named catalogs, each a series of immutable generations; one
-- generation per catalog is current. Vectors live in one table per generation and space
-- (cuecast_vectors_<generation>_<space>, created by the publisher with a vector(D) column and an
-- HNSW index), dropped with their generation.
CREATE EXTENSION IF NOT EXISTS vector;

CREATE TABLE cuecast_generations (
  id bigserial PRIMARY KEY,
  catalog text NOT NULL,
  state text NOT NULL CHECK (state IN ('building', 'published', 'retired')),
  manifest jsonb NOT NULL,
  fingerprint text NOT NULL,
  -- space -> { "dim": D, "count": n, "table": name }
  spaces jsonb NOT NULL DEFAULT '{}'::jsonb,
  -- where the content came from (e.g. the embedded catalog a migration copies), for resuming
  source text,
  created_at timestamptz NOT NULL DEFAULT now(),
  published_at timestamptz
);
CREATE INDEX cuecast_generations_by_catalog ON cuecast_generations (catalog, state);

CREATE TABLE cuecast_catalogs (
  name text PRIMARY KEY CHECK (name ~ '^[a-z0-9][a-z0-9_-]{0,62}$'),
  current_generation bigint REFERENCES cuecast_generations (id),
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE cuecast_tracks (
  generation_id bigint NOT NULL REFERENCES cuecast_generations (id) ON DELETE CASCADE,
  label integer NOT NULL,
  id text NOT NULL,
  content_hash text NOT NULL,
  root text NOT NULL,
  path text NOT NULL,
  abs_path text NOT NULL,
  title text NOT NULL,
  artist text NOT NULL,
  album text,
  duration double precision NOT NULL,
  bpm double precision,
  description text NOT NULL,
  description_backend text NOT NULL,
  description_model text NOT NULL,
  -- what hard filters test (index-data/track-filter.ts), also copied beside each vector
  present_tags text[] NOT NULL,
  vocals text NOT NULL,
  -- the whole Track as the reader sees it (fields added by later versions travel here)
  data jsonb NOT NULL,
  PRIMARY KEY (generation_id, label),
  UNIQUE (generation_id, id)
);

CREATE TABLE cuecast_tags (
  generation_id bigint NOT NULL,
  track_label integer NOT NULL,
  grp text NOT NULL,
  tag text NOT NULL,
  score real NOT NULL,
  rank integer NOT NULL,
  PRIMARY KEY (generation_id, track_label, grp, tag),
  FOREIGN KEY (generation_id, track_label) REFERENCES cuecast_tracks (generation_id, label) ON DELETE CASCADE
);

CREATE TABLE cuecast_segments (
  generation_id bigint NOT NULL,
  label integer NOT NULL,
  track_label integer NOT NULL,
  idx integer NOT NULL,
  start_seconds double precision NOT NULL,
  end_seconds double precision NOT NULL,
  -- the whole Segment as the reader sees it
  data jsonb NOT NULL,
  PRIMARY KEY (generation_id, label),
  FOREIGN KEY (generation_id, track_label) REFERENCES cuecast_tracks (generation_id, label) ON DELETE CASCADE
);
CREATE INDEX cuecast_segments_by_track ON cuecast_segments (generation_id, track_label, idx);

-- Down Migration
DROP TABLE cuecast_segments;
DROP TABLE cuecast_tags;
DROP TABLE cuecast_tracks;
DROP TABLE cuecast_catalogs;
DROP TABLE cuecast_generations;
