-- Up Migration
-- Catalog format 2: the files an indexer run found but did not index, with their reasons, per
-- generation (track and segment fields of format 2 such as loudness, silence, damage, bpm reason and
-- first-seen travel in the rows' data column).
CREATE TABLE cuecast_skipped (
  generation_id bigint NOT NULL REFERENCES cuecast_generations (id) ON DELETE CASCADE,
  path text NOT NULL,
  code text NOT NULL,
  reason text NOT NULL,
  PRIMARY KEY (generation_id, path)
);

-- Down Migration
DROP TABLE cuecast_skipped;
