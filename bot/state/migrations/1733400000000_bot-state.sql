-- Up Migration
-- Bot state shared by every bot process (shard) and serve node (the studio): conversations with
-- the frames they were asked about, per-user cooldowns and action-rate buckets. Times are ms since
-- the epoch as the processes' clocks give them.
CREATE TABLE cuecast_bot_conversations (
  key text PRIMARY KEY,
  -- a thread holds at most one conversation: a new one started in it takes the thread over
  thread_id text UNIQUE,
  message_id text,
  -- the conversation without its frames (JSON), and the frames as packed little-endian float32
  data text NOT NULL,
  frames bytea NOT NULL,
  dim integer NOT NULL,
  updated_at bigint NOT NULL
);
CREATE INDEX cuecast_bot_conversations_updated ON cuecast_bot_conversations (updated_at);

CREATE TABLE cuecast_bot_cooldowns (
  user_id text PRIMARY KEY,
  last_use bigint NOT NULL
);

CREATE TABLE cuecast_bot_action_buckets (
  user_id text PRIMARY KEY,
  tokens double precision NOT NULL,
  at bigint NOT NULL,
  -- refusals since the last allowed action (a flood is explained once)
  refusals integer NOT NULL DEFAULT 0
);

-- Down Migration
DROP TABLE cuecast_bot_action_buckets;
DROP TABLE cuecast_bot_cooldowns;
DROP TABLE cuecast_bot_conversations;
