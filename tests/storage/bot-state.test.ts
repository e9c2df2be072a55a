/**
 * The bot's state in a real PostgreSQL (throwaway cluster): the conversation store and the shared
 * guards behave as their embedded counterparts (SQLite file, memory) do, and several processes
 * (pools) deciding at once never let more through than one process would.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { conversation } from '../support/conversation.js';
import { openBotState } from '../../bot/state/open.js';
import { PgConversationStore } from '../../bot/state/pg-conversation-store.js';
import { PgActionRateLimit, PgCooldown } from '../../bot/state/pg-guards.js';
import { createPgPool } from '../../index-data/storage/pg/pool.js';
import { postgresTestsEnabled, startPostgres, type PostgresServer } from '../support/postgres.js';
import type pg from 'pg';
import { ifSet } from '../support/if-set.js';

const describePg = postgresTestsEnabled() ? describe : describe.skip;

describePg('bot state in PostgreSQL', () => {
  let server: PostgresServer;
  let url: string;
  const pools: pg.Pool[] = [];
  const pool = (): pg.Pool => {
    const p = createPgPool({ url, max: 4 });
    pools.push(p);
    return p;
  };

  beforeAll(async () => {
    server = await startPostgres();
    url = await server.createDatabase('bot_state');
    // Creates the tables (and proves two processes migrating at once is fine).
    const states = await Promise.all([1, 2].map(() => openBotState({ dataDir: '/nonexistent', databaseUrl: url, ttlMs: 1000, cooldownMs: 1000, actionRate: { burst: 1, perMinute: 1 } })));
    await Promise.all(states.map((s) => s.close()));
  }, 120_000);

  afterAll(async () => {
    await Promise.all(pools.map((p) => p.end()));
    await ifSet(server)?.stop();
  });

  it('round-trips a conversation, frame embeddings bit for bit; another process reads it; a new one in the thread takes it over', async () => {
    const store = new PgConversationStore(pool(), 60_000);
    const saved = await store.create(conversation({ threadId: 'th1' }));
    expect(saved.key).toMatch(/^[\w-]{8}$/);
    const elsewhere = new PgConversationStore(pool(), 60_000);
    const loaded = (await elsewhere.get(saved.key))!;
    expect(loaded.frameEmbeddings).toEqual(conversation().frameEmbeddings);
    expect(loaded.state).toEqual(conversation().state);
    expect(loaded.shown).toEqual(conversation().shown);
    expect((await elsewhere.byThread('th1'))?.key).toBe(saved.key);

    const taker = await elsewhere.create(conversation({ threadId: 'th1', prompt: 'dark synthwave' }));
    expect((await store.byThread('th1'))?.key).toBe(taker.key);
    expect((await store.get(saved.key))?.threadId).toBeUndefined();
    expect((await store.get(saved.key))?.prompt).toBe('dreamy lo-fi');
  });

  it('given a conversation untouched past its TTL, no longer returns it; saving refreshes the TTL; sweep deletes the expired', async () => {
    let now = 5_000_000_000_000;
    const store = new PgConversationStore(pool(), 1_000, () => now);
    const a = await store.create(conversation({ threadId: 'ttl-a' }));
    const b = await store.create(conversation({ threadId: 'ttl-b' }));
    now += 800;
    await store.save((await store.get(b.key))!);
    now += 400;
    expect(await store.get(a.key)).toBeUndefined();
    expect(await store.byThread('ttl-a')).toBeUndefined();
    expect(await store.get(b.key)).toBeDefined();
    expect(await store.sweep()).toBeGreaterThanOrEqual(1);
    expect(await new PgConversationStore(pool(), 10 ** 15, () => now).get(a.key)).toBeUndefined();
  });

  it('cooldown: refuses a second use within the window with the remaining time, without extending it, whichever process asks', async () => {
    let now = 0;
    const [one, two] = [new PgCooldown(pool(), 10_000, () => now), new PgCooldown(pool(), 10_000, () => now)];
    expect(await one.take('cool-u')).toEqual({ ok: true });
    now = 4_000;
    expect(await two.take('cool-u')).toEqual({ ok: false, identifier: 'cooldown', remainingMs: 6_000, repeated: false });
    expect(await two.take('cool-other')).toEqual({ ok: true });
    now = 10_000;
    expect(await two.take('cool-u')).toEqual({ ok: true });
    now = 30_000;
    expect(await one.sweep()).toBe(2);
  });

  it('action rate: the same answers as the in-memory bucket (burst, refill, refusals that say whether they repeat)', async () => {
    let now = 0;
    const limit = new PgActionRateLimit(pool(), { burst: 3, perMinute: 6 }, () => now); // a token every 10 s
    const take = () => limit.take('rate-u');
    expect([await take(), await take(), await take()]).toEqual([{ ok: true }, { ok: true }, { ok: true }]);
    expect(await take()).toEqual({ ok: false, identifier: 'actions', remainingMs: 10_000, repeated: false });
    now = 4_000;
    expect(await take()).toEqual({ ok: false, identifier: 'actions', remainingMs: 6_000, repeated: true });
    expect(await limit.take('rate-other')).toEqual({ ok: true });
    now = 10_000;
    expect(await take()).toEqual({ ok: true });
    expect(await take()).toMatchObject({ ok: false, repeated: false });
    now = 1_000_000;
    expect((await Promise.all([take(), take(), take(), take()])).filter((r) => r.ok)).toHaveLength(3);
    // Swept: buckets that have refilled (the other user's), not the one just emptied.
    expect(await limit.sweep()).toBe(1);
    now = 2_000_000;
    expect(await limit.sweep()).toBe(1);
  });

  it("given many processes spending one user's actions at once, lets exactly the burst through", async () => {
    const limits = [1, 2, 3, 4].map(() => new PgActionRateLimit(pool(), { burst: 5, perMinute: 0.001 }));
    const results = await Promise.all(Array.from({ length: 40 }, (_, i) => limits[i % limits.length]!.take('race-u')));
    expect(results.filter((r) => r.ok)).toHaveLength(5);
    const cooldowns = [1, 2, 3, 4].map(() => new PgCooldown(pool(), 60_000));
    const uses = await Promise.all(Array.from({ length: 20 }, (_, i) => cooldowns[i % cooldowns.length]!.take('race-c')));
    expect(uses.filter((r) => r.ok)).toHaveLength(1);
  });

  it('given an unreachable database, refuses to open with DATABASE_UNAVAILABLE naming the URL without its password', async () => {
    const error = await openBotState({
      dataDir: '/nonexistent',
      databaseUrl: 'postgres://bot:secret@127.0.0.1:1/none',
      ttlMs: 1,
      cooldownMs: 1,
      actionRate: { burst: 1, perMinute: 1 },
      pool: { connectTimeoutMs: 2000 },
    }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'DATABASE_UNAVAILABLE' });
    expect((error as Error).message).not.toContain('secret');
  });
});
