/**
 * `cuecast bot` as two processes, one shard each (DISCORD_SHARDS / DISCORD_SHARD_COUNT), with their
 * state in a real PostgreSQL (CUECAST_DATABASE_URL), against the sharded Discord stand-in.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FakeDiscord } from './support/fake-discord/server.js';
import { startCuecast, type LiveCuecast } from '../support/cli.js';
import { postgresTestsEnabled, startPostgres, type PostgresServer } from '../support/postgres.js';
import { ifSet } from '../support/if-set.js';

const children: ChildProcess[] = [];
const cleanups: (() => Promise<void> | void)[] = [];

function bot(env: Record<string, string>): LiveCuecast {
  const live = startCuecast(['bot'], {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? tmpdir(),
    CUECAST_LOG_LEVEL: 'info',
    CUECAST_ALLOW_REMOTE_MODELS: 'false',
    DISCORD_TOKEN: 'token',
    ...env,
  });
  children.push(live.child);
  return live;
}

afterEach(async () => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

describe('cuecast bot shards (processes)', () => {
  it('given DISCORD_SHARDS without DISCORD_SHARD_COUNT, exits 1 saying they go together', async () => {
    const run = bot({ CUECAST_DATA_DIR: tmpdir(), DISCORD_SHARDS: '0' });
    expect(await run.exited).toBe(1);
    expect(run.output()).toContain('DISCORD_SHARDS and DISCORD_SHARD_COUNT go together');
  });

  it('given a shard id beyond the count, exits 1 naming both', async () => {
    const run = bot({ CUECAST_DATA_DIR: tmpdir(), DISCORD_SHARDS: '0,2', DISCORD_SHARD_COUNT: '2' });
    expect(await run.exited).toBe(1);
    expect(run.output()).toContain('DISCORD_SHARDS names shard 2, but DISCORD_SHARD_COUNT is 2');
  });
});

describe.skipIf(!postgresTestsEnabled())('cuecast bot shards on PostgreSQL (processes)', () => {
  let server: PostgresServer;
  let url: string;

  beforeAll(async () => {
    server = await startPostgres();
    url = await server.createDatabase('bot_cli');
  }, 120_000);
  afterAll(async () => {
    await ifSet(server)?.stop();
  });

  it('two processes identify as shards [0, 2] and [1, 2], create the shared tables once, and stop cleanly', async () => {
    const fake = await FakeDiscord.start(undefined, { shardCount: 2 });
    const dataDir = mkdtempSync(join(tmpdir(), 'cuecast-bot-shards-'));
    cleanups.push(
      () => fake.close(),
      () => rmSync(dataDir, { recursive: true, force: true }),
    );
    const env = (shard: number) => ({
      CUECAST_DATA_DIR: join(dataDir, `shard-${shard}`),
      CUECAST_MODELS: join(dataDir, 'no-models'),
      CUECAST_DATABASE_URL: url,
      DISCORD_API_BASE_URL: fake.apiUrl,
      DISCORD_SHARDS: String(shard),
      DISCORD_SHARD_COUNT: '2',
    });
    const runs = [bot(env(0)), bot(env(1))];
    await fake.waitFor(() => fake.identifiedShards.length === 2, 'both shards to identify', 60_000);
    expect(fake.identifies.map((i) => i.shard).sort()).toEqual([
      [0, 2],
      [1, 2],
    ]);
    for (const run of runs) expect(run.output()).toMatch(/"shared":true/);

    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const tables = await client.query<{ table_name: string }>("SELECT table_name FROM information_schema.tables WHERE table_name LIKE 'cuecast_bot_%' ORDER BY table_name");
      expect(tables.rows.map((r) => r.table_name)).toEqual(['cuecast_bot_action_buckets', 'cuecast_bot_conversations', 'cuecast_bot_cooldowns', 'cuecast_bot_migrations']);
      const migrations = await client.query('SELECT name FROM cuecast_bot_migrations');
      expect(migrations.rowCount).toBe(1);
    } finally {
      await client.end();
    }
    for (const run of runs) run.child.kill('SIGTERM');
    expect(await Promise.all(runs.map((r) => r.exited))).toEqual([0, 0]);
  }, 120_000);
});
