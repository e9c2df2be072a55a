import { randomUUID } from 'node:crypto';
import { Client, Events, GatewayIntentBits, MessageFlags, Partials, SimpleShardingStrategy, type Interaction, type Message, type ClientOptions } from 'discord.js';
import { logger, type Logger } from '../core/logger.js';
import type { BotContext, BotLimits, Command, RequestContext } from './command.js';
import { COMMANDS, loadCommands } from './commands/index.js';
import { handleComponent } from './components.js';
import type { ConversationStore } from './conversation-store.js';
import { ActionRateLimit, ConcurrencyLimiter, Cooldown, type ActionRate, type UserGuard } from './fairness.js';
import { MusicFlow } from './music-flow.js';
import type { ClipAnalyser, MusicRecommender, PreviewCutter, TrackDirectory } from './ports.js';
import { replyWithError } from './respond.js';
import { handleThreadMessage } from './thread-messages.js';
import { DEFAULT_MAX_TEXT_CHARS } from '../core/config.js';
import { ALLOWED_MENTIONS } from './discord-text.js';

export interface BotServices {
  readonly recommender: MusicRecommender;
  readonly analyser: ClipAnalyser;
  readonly tracks: TrackDirectory;
  readonly store: ConversationStore;
  readonly preview?: PreviewCutter;
  /**
   * Shared cooldown and action-rate state (PostgreSQL, for several bot processes); by default each
   * process keeps its own in memory, from `cooldownMs` and `actionRate`.
   */
  readonly guards?: { readonly cooldown: UserGuard; readonly actions: UserGuard };
}

/** Which gateway shards this process runs, of how many (discord.js's `shards` / `shardCount`). */
export interface ShardAssignment {
  readonly ids: readonly number[];
  readonly count: number;
}

export interface BotOptions {
  readonly token: string;
  /** Privileged intent: read thread messages as refinements. Without it, the modal and /refine. */
  readonly messageContent: boolean;
  /** REST base, e.g. `http://127.0.0.1:PORT/api` (the version is appended). */
  readonly apiBaseUrl?: string;
  /** Gateway URL used instead of the one GET /gateway/bot returns. */
  readonly gatewayUrl?: string;
  readonly maxConcurrent: number;
  readonly cooldownMs: number;
  /** Per-user rate of buttons, selects and refinements (default DEFAULT_ACTION_RATE). */
  readonly actionRate?: ActionRate;
  readonly limits: BotLimits;
  readonly defaultCount?: number;
  readonly commands?: readonly Command[];
  /** How often expired conversations are swept from the store. */
  readonly sweepIntervalMs?: number;
  /**
   * The shards of this process. Unset: what the ShardingManager that spawned the process says
   * (discord.js reads SHARDS and SHARD_COUNT), else one shard.
   */
  readonly shards?: ShardAssignment;
}

export const DEFAULT_LIMITS: BotLimits = {
  maxClipBytes: 100 * 1024 * 1024,
  maxClipSeconds: 15 * 60,
  downloadTimeoutMs: 60_000,
  maxPromptChars: DEFAULT_MAX_TEXT_CHARS,
  // The interaction token lives 15 minutes; leave room for the final edit.
  requestTimeoutMs: 12 * 60_000,
  previewSeconds: 20,
};

export const DEFAULT_ACTION_RATE: ActionRate = { burst: 5, perMinute: 12 };

export interface Bot {
  readonly client: Client;
  readonly context: BotContext;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** discord.js client options, pointing REST and the gateway at overrides when given. */
export function clientOptions(options: Pick<BotOptions, 'messageContent' | 'apiBaseUrl' | 'gatewayUrl' | 'shards'>): ClientOptions {
  const intents = [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessages];
  if (options.messageContent) intents.push(GatewayIntentBits.MessageContent);
  const gatewayUrl = options.gatewayUrl;
  return {
    intents,
    partials: [Partials.Channel],
    allowedMentions: ALLOWED_MENTIONS,
    ...(options.shards ? { shards: [...options.shards.ids], shardCount: options.shards.count } : {}),
    ...(options.apiBaseUrl ? { rest: { api: options.apiBaseUrl } } : {}),
    ...(gatewayUrl
      ? {
          ws: {
            buildStrategy: (manager) => {
              const fetchInfo = manager.fetchGatewayInformation.bind(manager);
              manager.fetchGatewayInformation = async (force?: boolean) => ({ ...(await fetchInfo(force)), url: gatewayUrl });
              return new SimpleShardingStrategy(manager);
            },
          },
        }
      : {}),
  };
}

/** The composition root of the bot: services in, a started Discord client out. */
export function createBot(services: BotServices, options: BotOptions): Bot {
  const log = logger('bot');
  const flow = new MusicFlow(services.recommender, services.store, { maxPromptChars: options.limits.maxPromptChars, defaultCount: options.defaultCount ?? 3, maxCount: 5 });
  const context: BotContext = {
    flow,
    analyser: services.analyser,
    tracks: services.tracks,
    ...(services.preview ? { preview: services.preview } : {}),
    cooldown: services.guards?.cooldown ?? new Cooldown(options.cooldownMs),
    actions: services.guards?.actions ?? new ActionRateLimit(options.actionRate ?? DEFAULT_ACTION_RATE),
    limiter: new ConcurrencyLimiter(options.maxConcurrent),
    limits: options.limits,
    messageContent: options.messageContent,
  };
  const commands = loadCommands(options.commands ?? COMMANDS);
  const client = new Client(clientOptions(options));
  const request = (bindings: Record<string, unknown>): RequestContext => {
    const requestId = randomUUID().slice(0, 8);
    return { ...context, requestId, log: log.child({ requestId, ...bindings }) };
  };

  client.on(Events.InteractionCreate, (interaction) => {
    const ctx = request({ interactionId: interaction.id, user: interaction.user.id, kind: interaction.type });
    void onInteraction(interaction, commands, ctx);
  });
  if (options.messageContent) {
    client.on(Events.MessageCreate, (message) => {
      void onMessage(message, request({ messageId: message.id, user: message.author.id }));
    });
  }
  client.on(Events.Error, (error) => log.error({ err: error }, 'client error'));
  client.once(Events.ClientReady, (ready) =>
    log.info({ user: ready.user.tag, guilds: ready.guilds.cache.size, shards: ready.ws.shards.map((s) => s.id), shardCount: ready.options.shardCount }, 'connected to Discord'),
  );

  let sweeper: NodeJS.Timeout | undefined;
  return {
    client,
    context,
    async start() {
      const sweep = (): Promise<unknown> =>
        Promise.all([services.store.sweep(), context.cooldown.sweep?.(), context.actions.sweep?.()]).catch((error: unknown) => log.warn({ err: error }, 'could not sweep expired bot state'));
      await sweep();
      sweeper = setInterval(() => void sweep(), options.sweepIntervalMs ?? 10 * 60_000);
      sweeper.unref();
      await client.login(options.token);
    },
    async stop() {
      if (sweeper) clearInterval(sweeper);
      await client.destroy();
    },
  };
}

/** Every interaction handler runs inside this: one failure is logged and answered, never thrown. */
async function onInteraction(interaction: Interaction, commands: ReadonlyMap<string, Command>, ctx: RequestContext): Promise<void> {
  const started = Date.now();
  try {
    if (interaction.isAutocomplete()) {
      const command = commands.get(interaction.commandName);
      if (command?.kind === 'slash' && command.autocomplete) await command.autocomplete(interaction, ctx);
      else await interaction.respond([]);
      return;
    }
    if (interaction.isChatInputCommand() || interaction.isMessageContextMenuCommand()) {
      const command = commands.get(interaction.commandName);
      ctx.log.info({ command: interaction.commandName }, 'command');
      if (command?.kind === 'slash' && interaction.isChatInputCommand()) await command.execute(interaction, ctx);
      else if (command?.kind === 'message' && interaction.isMessageContextMenuCommand()) await command.execute(interaction, ctx);
      else await interaction.reply({ content: 'I do not know that command any more. It may have been removed.', flags: MessageFlags.Ephemeral });
      return;
    }
    if (interaction.isButton() || interaction.isStringSelectMenu() || interaction.isModalSubmit()) await handleComponent(interaction, ctx);
  } catch (error) {
    logFailure(ctx.log, error, 'interaction failed');
    if (!interaction.isRepliable()) return;
    try {
      await replyWithError(interaction, error, ctx);
    } catch (replyError) {
      ctx.log.error({ err: replyError }, 'could not tell the user about the failure');
    }
  } finally {
    ctx.log.debug({ ms: Date.now() - started }, 'interaction done');
  }
}

async function onMessage(message: Message, ctx: RequestContext): Promise<void> {
  try {
    await handleThreadMessage(message, ctx);
  } catch (error) {
    logFailure(ctx.log, error, 'message handling failed');
  }
}

function logFailure(log: Logger, error: unknown, what: string): void {
  const code = (error as { code?: unknown }).code;
  // Expected user errors are info; anything else is a bug or an outage.
  const fromDiscordApi = error instanceof Error && error.name.startsWith('DiscordAPIError');
  if (typeof code === 'string' && code !== 'INTERNAL' && !fromDiscordApi) log.info({ code, message: (error as Error).message }, what);
  else log.error({ err: error }, what);
}
