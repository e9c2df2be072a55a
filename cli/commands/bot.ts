import type { Command } from 'commander';
import type { Config } from '../../core/config.js';
import { InputError, isCuecastError } from '../../core/errors.js';
import type { Catalog } from '../../index-data/types.js';
import type { Encoders } from '../../model/index.js';
import type { BotServices, ShardAssignment } from '../../bot/app.js';
import type { CliCommand } from '../command.js';
import { reportError } from '../output.js';

// Everything heavy (discord.js, the models, pino) is imported by the action: `--help` needs none of it.
type Log = ReturnType<typeof import('../../core/logger.js').logger>;

function requireSetting(value: string | undefined, env: string, path: string): string {
  if (!value) throw new InputError('INPUT_INVALID', `${env} (${path}) is not set; see docs/discord.md`);
  return value;
}

interface Resources {
  readonly services: Omit<BotServices, 'store'>;
  close(): Promise<void>;
}

/**
 * The real services: encoders, catalog, Recommender, core/media. When models or the catalog cannot
 * be opened, the bot still starts and answers every request with the reason (and logs it).
 */
async function openServices(config: Config, log: Log): Promise<Resources> {
  const [{ createEncoders }, { CatalogPreviewCutter, CatalogTrackDirectory, MediaClipAnalyser }, { UnavailableServices }, { createRecommender, openConfiguredCatalogFor }] = await Promise.all([
    import('../../model/index.js'),
    import('../../bot/media-adapters.js'),
    import('../../bot/unavailable.js'),
    import('../setup.js'),
  ]);
  let encoders: Encoders | undefined;
  let catalog: Catalog | undefined;
  try {
    encoders = await createEncoders(config);
    if (encoders.standIn) log.warn({ standIn: true, reason: encoders.standIn.reason }, 'STAND-IN MODELS: random-weight encoders, the picks are not meaningful');
    catalog = await openConfiguredCatalogFor(config, encoders);
    const opened = catalog;
    const recommender = await createRecommender(config, encoders, opened);
    recommender.warmRefinementParser();
    log.info({ mode: recommender.mode }, 'recommending');
    const analyser = new MediaClipAnalyser(encoders.clipImage, {
      fps: config.video.fps,
      maxFrames: config.video.maxFrames,
      maxClipSeconds: config.discord.maxClipSeconds,
      timeoutMs: config.media.timeoutMs,
    });
    const owned = encoders;
    return {
      services: { recommender, analyser, tracks: new CatalogTrackDirectory(opened), preview: new CatalogPreviewCutter(opened, config.media.timeoutMs) },
      async close() {
        await opened.close();
        await owned.dispose();
      },
    };
  } catch (error) {
    if (!isCuecastError(error) || !/^(MODEL|CATALOG|DATABASE|PGVECTOR)_/.test(error.code)) throw error;
    log.error({ code: error.code, message: error.message }, 'the bot will answer every request with this until it is fixed');
    await catalog?.close();
    await encoders?.dispose();
    const unavailable = new UnavailableServices(error);
    return { services: { recommender: unavailable, analyser: unavailable, tracks: unavailable }, close: async () => {} };
  }
}

/** The shards of this process from config (DISCORD_SHARDS + DISCORD_SHARD_COUNT), checked together. */
function shardAssignment(ids: string | undefined, count: number | undefined): ShardAssignment | undefined {
  if (ids === undefined && count === undefined) return undefined;
  if (ids === undefined || count === undefined)
    throw new InputError('INPUT_INVALID', 'DISCORD_SHARDS and DISCORD_SHARD_COUNT go together: set both (e.g. DISCORD_SHARDS=0,1 DISCORD_SHARD_COUNT=4) or neither');
  const list = ids.split(',').map(Number);
  const wrong = list.filter((id) => id >= count);
  if (wrong.length > 0) throw new InputError('INPUT_INVALID', `DISCORD_SHARDS names shard ${wrong.join(', ')}, but DISCORD_SHARD_COUNT is ${count} (ids run from 0 to ${count - 1})`);
  return { ids: [...new Set(list)], count };
}

async function runBot(flags: { models?: string }): Promise<void> {
  const [{ configWithFlags }, { logger, setLogLevel }, { configureMedia }, { createBot, DEFAULT_LIMITS }, { botStateSettings, openBotState }] = await Promise.all([
    import('../setup.js'),
    import('../../core/logger.js'),
    import('../../core/media/index.js'),
    import('../../bot/app.js'),
    import('../bot-state.js'),
  ]);
  const config = configWithFlags(flags);
  setLogLevel(config.logLevel);
  const log = logger('cli.bot');
  configureMedia(config.media);
  const d = config.discord;
  const token = requireSetting(d.token, 'DISCORD_TOKEN', 'discord.token');
  const shards = shardAssignment(d.shards, d.shardCount);
  const state = await openBotState(botStateSettings(config));
  log.info({ state: state.where, shared: state.guards !== undefined }, 'bot state');
  const resources = await openServices(config, log);
  const bot = createBot(
    { ...resources.services, store: state.store, ...(state.guards ? { guards: state.guards } : {}) },
    {
      token,
      messageContent: d.messageContentIntent,
      ...(d.apiBaseUrl ? { apiBaseUrl: d.apiBaseUrl } : {}),
      ...(d.gatewayUrl ? { gatewayUrl: d.gatewayUrl } : {}),
      maxConcurrent: d.maxConcurrent,
      ...(shards ? { shards } : {}),
      cooldownMs: d.cooldownSeconds * 1000,
      actionRate: { burst: d.actionBurst, perMinute: d.actionsPerMinute },
      limits: { ...DEFAULT_LIMITS, maxClipBytes: d.maxClipBytes, maxClipSeconds: d.maxClipSeconds, maxPromptChars: config.maxTextChars },
    },
  );
  let stopping = false;
  const shutdown = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    void bot
      .stop()
      .then(() => resources.close())
      .finally(() => {
        void state.close().finally(() => process.exit(0));
      });
  };
  process.once('SIGINT', () => shutdown('SIGINT'));
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  await bot.start();
}

async function runRegister(flags: { global?: boolean }): Promise<void> {
  const [{ loadConfig }, { registerCommands }] = await Promise.all([import('../../core/config.js'), import('../../bot/register.js')]);
  const config = loadConfig();
  const d = config.discord;
  const guildId = flags.global ? undefined : d.devGuildId;
  const names = await registerCommands({
    token: requireSetting(d.token, 'DISCORD_TOKEN', 'discord.token'),
    applicationId: requireSetting(d.applicationId, 'DISCORD_APPLICATION_ID', 'discord.applicationId'),
    ...(guildId ? { guildId } : {}),
    ...(d.apiBaseUrl ? { apiBaseUrl: d.apiBaseUrl } : {}),
  });
  process.stdout.write(`registered ${names.map((n) => `"${n}"`).join(', ')} ${guildId ? `in guild ${guildId} (available now)` : 'globally (may take up to an hour to appear)'}\n`);
}

const fail = (error: unknown): void => {
  process.exitCode = reportError(error);
};

export const botCommand: CliCommand = {
  name: 'bot',
  register(program: Command): void {
    const bot = program
      .command('bot')
      .description('run the Discord bot (DISCORD_TOKEN; see docs/discord.md)')
      .option('--models <dir>', 'models directory holding clip/ and clap/ (default: config modelsDir)')
      .action((flags: { models?: string }) => runBot(flags).catch(fail));
    bot
      .command('register')
      .description('register the slash and context-menu commands (in DISCORD_DEV_GUILD_ID when set, else globally)')
      .option('--global', 'register globally even when a dev guild is configured')
      .action((flags: { global?: boolean }) => runRegister(flags).catch(fail));
  },
};
