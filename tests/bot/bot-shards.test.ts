/**
 * The bot scaled out: two shards (discord.js's `shards` / `shardCount`, one client per shard as two
 * processes would run them) against the local Discord stand-in, which speaks the sharded gateway
 * (GET /gateway/bot with `shards`, IDENTIFY with `shard: [id, count]`, guild events routed by
 * `(guild_id >> 22) % count`). Each shard opens its own state in a real PostgreSQL: conversations,
 * cooldowns and action rates are shared, so a restarted shard continues every conversation.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Events, InteractionResponseType, MessageFlags, type APIMessage } from 'discord.js';
import { createBot, DEFAULT_LIMITS, type Bot } from '../../bot/app.js';
import { openBotState, type BotState } from '../../bot/state/open.js';
import { FakeDiscord, shardOfGuild } from './support/fake-discord/server.js';
import { attachmentOption, buttonClick, mp4Bytes, slashCommand, type World } from './support/fake-discord/payloads.js';
import { componentsOf } from './support/expect-discord.js';
import { FixedClipAnalyser, SmallRecommender, SmallTrackDirectory } from './support/small-services.js';
import { postgresTestsEnabled, startPostgres, type PostgresServer } from '../support/postgres.js';

const SHARDS = 2;

interface Shard {
  readonly id: number;
  readonly bot: Bot;
  readonly state: BotState;
  /** Interactions this shard's client received. */
  readonly heard: string[];
}

let pg: PostgresServer | undefined;
let databaseUrl = '';
let fake: FakeDiscord | undefined;
let dataDir = '';
const running: Shard[] = [];
const cleanups: (() => Promise<void>)[] = [];

async function startShard(id: number): Promise<Shard> {
  // As a separate process would: its own pool and state on the shared database.
  const state = await openBotState({ dataDir, databaseUrl, ttlMs: 3600_000, cooldownMs: 30_000, actionRate: { burst: 1000, perMinute: 60_000 } });
  expect(state.guards).toBeDefined();
  const bot = createBot(
    { recommender: new SmallRecommender(), analyser: new FixedClipAnalyser(), tracks: new SmallTrackDirectory(), store: state.store, guards: state.guards! },
    {
      token: 'test-token',
      messageContent: true,
      apiBaseUrl: fake!.apiUrl,
      maxConcurrent: 2,
      cooldownMs: 0,
      limits: { ...DEFAULT_LIMITS, downloadTimeoutMs: 5_000 },
      shards: { ids: [id], count: SHARDS },
    },
  );
  const shard: Shard = { id, bot, state, heard: [] };
  bot.client.on(Events.InteractionCreate, (interaction) => shard.heard.push(interaction.id));
  const ready = new Promise<void>((resolve) => bot.client.once(Events.ClientReady, () => resolve()));
  await bot.start();
  await ready;
  running.push(shard);
  return shard;
}

async function stopShard(shard: Shard): Promise<void> {
  running.splice(running.indexOf(shard), 1);
  await shard.bot.stop();
  await shard.state.close();
}

const describePg = postgresTestsEnabled() ? describe : describe.skip;

describePg('two bot shards sharing their state in PostgreSQL', () => {
  beforeAll(async () => {
    pg = await startPostgres();
    databaseUrl = await pg.createDatabase('bot_shards');
  }, 120_000);

  afterAll(async () => {
    await pg?.stop();
  });

  afterEach(async () => {
    for (const shard of [...running]) await stopShard(shard);
    for (const cleanup of cleanups.splice(0)) await cleanup();
    const unknownRoutes = [...(fake?.unknownRoutes ?? [])];
    await fake?.close();
    fake = undefined;
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    expect(unknownRoutes).toEqual([]);
  });

  /** The stand-in with two shards and a guild on each: `home` is the world's own guild. */
  async function twoGuilds(): Promise<{ home: World; away: World; homeShard: number; awayShard: number }> {
    fake = await FakeDiscord.start(undefined, { shardCount: SHARDS });
    dataDir = mkdtempSync(join(tmpdir(), 'cuecast-shards-'));
    const homeShard = shardOfGuild(fake.world.guildId, SHARDS);
    const awayShard = 1 - homeShard;
    return { home: fake.world, away: fake.addGuild(awayShard), homeShard, awayShard };
  }

  function sendMusic(world: World) {
    const clip = fake!.addAttachment('clip.mp4', mp4Bytes(2048), 'video/mp4');
    return fake!.sendInteraction(slashCommand(world, 'music', { options: [attachmentOption('clip', clip)], attachments: [clip] }));
  }

  const picksOf = (interaction: ReturnType<typeof sendMusic>): Promise<APIMessage> => fake!.waitFor(() => fake!.original(interaction)?.embeds.length && fake!.original(interaction), 'the picks');

  it('identifies each shard as [id, 2], and each hears only its own guild', async () => {
    const { home, away, homeShard, awayShard } = await twoGuilds();
    const [first, second] = [await startShard(0), await startShard(1)];
    expect(fake!.identifies.map((i) => i.shard).sort()).toEqual([
      [0, 2],
      [1, 2],
    ]);
    const byId = new Map([first, second].map((s) => [s.id, s]));
    await fake!.waitFor(() => byId.get(homeShard)!.bot.client.guilds.cache.has(home.guildId) && byId.get(awayShard)!.bot.client.guilds.cache.has(away.guildId), 'each guild on its shard');
    expect([...byId.get(homeShard)!.bot.client.guilds.cache.keys()]).toEqual([home.guildId]);
    expect([...byId.get(awayShard)!.bot.client.guilds.cache.keys()]).toEqual([away.guildId]);

    const music = sendMusic(away);
    await picksOf(music);
    expect(byId.get(awayShard)!.heard).toEqual([music.id]);
    expect(byId.get(homeShard)!.heard).toEqual([]);
  });

  it('given a shard restarted mid-conversation, the thread and the buttons carry on where they were', async () => {
    const { away, awayShard } = await twoGuilds();
    await startShard(1 - awayShard);
    const before = await startShard(awayShard);
    const music = sendMusic(away);
    const reply = await picksOf(music);
    const thread = await fake!.waitFor(() => fake!.threads.get(reply.id), 'the thread');
    expect(thread.guild_id).toBe(away.guildId);
    // What any process reading the database sees (here: the test's own connection).
    const reader = await openBotState({ dataDir, databaseUrl, ttlMs: 3600_000, cooldownMs: 0, actionRate: { burst: 1, perMinute: 1 } });
    cleanups.push(() => reader.close());
    await fake!.waitFor(() => reader.store.byThread(thread.id), 'the conversation stored with its thread');
    const first = fake!.sendUserMessage(thread.id, 'no drums');
    await fake!.waitFor(() => fake!.channelMessages(thread.id).find((m) => m.author.bot && m.message_reference?.message_id === first.id), 'the first refinement answered');

    await stopShard(before);
    await startShard(awayShard);

    const second = fake!.sendUserMessage(thread.id, 'under 100 bpm');
    const answer = await fake!.waitFor(() => fake!.channelMessages(thread.id).find((m) => m.author.bot && m.message_reference?.message_id === second.id), 'the refinement after the restart');
    expect(answer.embeds.length).toBeGreaterThan(0);
    const stored = await reader.store.byThread(thread.id);
    expect(stored?.history).toEqual(['no drums', 'under 100 bpm']);
    expect(stored?.state.excludeTags).toContain('drums');
    expect(stored?.state.bpm?.max).toBe(100);

    // The buttons of the picks shown before the restart still work.
    const nextId = componentsOf(reply)
      .flat()
      .find((c) => c.customId?.startsWith('cc:next:'))!.customId!;
    const editedBefore = fake!.messages.get(reply.id)?.edited_timestamp;
    const next = fake!.sendInteraction(buttonClick(away, fake!.messages.get(reply.id)!, nextId));
    const callback = await fake!.waitFor(() => fake!.callbacks(next)[0], 'the button answer');
    expect(callback.type).toBe(InteractionResponseType.DeferredMessageUpdate);
    const edited = await fake!.waitFor(() => {
      const message = fake!.messages.get(reply.id);
      return message?.edited_timestamp && message.edited_timestamp !== editedBefore ? message : undefined;
    }, 'the picks edited by Next');
    // Answered from the conversation stored before the restart: its refinements, and no track already
    // shown (with these six tracks nothing else fits 'no drums, under 100 bpm').
    expect(edited.content).toContain('*no drums* → *under 100 bpm*');
    expect(edited.content).not.toMatch(/expired/i);
  });

  it('given a user asking on one shard, their cooldown holds on the other shard too', async () => {
    const { home, away } = await twoGuilds();
    await startShard(0);
    await startShard(1);
    await picksOf(sendMusic(home));
    const again = sendMusic(away);
    const refusal = await fake!.waitFor(() => fake!.callbacks(again)[0], 'the refusal');
    expect(refusal.type).toBe(InteractionResponseType.ChannelMessageWithSource);
    expect(Number(refusal.data?.flags) & MessageFlags.Ephemeral).toBe(MessageFlags.Ephemeral);
    expect(String(refusal.data?.content)).toMatch(/Slow down a little: you can ask again in (29|30) s/);
  });
});
