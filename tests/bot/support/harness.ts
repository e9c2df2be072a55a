import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Events } from 'discord.js';
import { createBot, DEFAULT_LIMITS, type Bot, type BotServices } from '../../../bot/app.js';
import type { BotLimits } from '../../../bot/command.js';
import { SqliteConversationStore } from '../../../bot/conversation-store.js';
import type { ActionRate } from '../../../bot/fairness.js';
import { FakeDiscord } from './fake-discord/server.js';
import { FixedClipAnalyser, SmallRecommender, SmallTrackDirectory } from './small-services.js';

export interface HarnessOptions {
  readonly messageContent?: boolean;
  readonly services?: Partial<Omit<BotServices, 'store'>>;
  readonly limits?: Partial<BotLimits>;
  readonly cooldownMs?: number;
  /** Per-user action rate; by default high enough that no test but the rate-limit ones meets it. */
  readonly actionRate?: ActionRate;
  readonly maxConcurrent?: number;
  readonly ttlMs?: number;
  /** Connect through the gateway URL override instead of the URL GET /gateway/bot advertises. */
  readonly gatewayOverride?: boolean;
}

/** A stand-in Discord plus the real bot connected to it, with its conversation store in a temp dir. */
export class BotHarness {
  bot!: Bot;
  store!: SqliteConversationStore;

  private constructor(
    readonly fake: FakeDiscord,
    readonly dir: string,
    private readonly options: HarnessOptions,
  ) {}

  static async start(options: HarnessOptions = {}): Promise<BotHarness> {
    const fake = await FakeDiscord.start();
    if (options.gatewayOverride) fake.advertisedGatewayUrl = 'ws://127.0.0.1:9/nowhere';
    const harness = new BotHarness(fake, mkdtempSync(join(tmpdir(), 'cuecast-bot-')), options);
    await harness.connect();
    return harness;
  }

  get world() {
    return this.fake.world;
  }

  /** Starts (or restarts) the bot process-equivalent: a fresh client and store on the same files. */
  async connect(): Promise<void> {
    const o = this.options;
    this.store = new SqliteConversationStore(join(this.dir, 'conversations.sqlite'), o.ttlMs ?? 60 * 60_000);
    this.bot = createBot(
      {
        recommender: o.services?.recommender ?? new SmallRecommender(),
        analyser: o.services?.analyser ?? new FixedClipAnalyser(),
        tracks: o.services?.tracks ?? new SmallTrackDirectory(),
        store: this.store,
        ...(o.services?.preview ? { preview: o.services.preview } : {}),
      },
      {
        token: 'test-token',
        messageContent: o.messageContent ?? false,
        apiBaseUrl: this.fake.apiUrl,
        ...(o.gatewayOverride ? { gatewayUrl: this.fake.gatewayUrl } : {}),
        maxConcurrent: o.maxConcurrent ?? 2,
        cooldownMs: o.cooldownMs ?? 0,
        actionRate: o.actionRate ?? { burst: 1000, perMinute: 60_000 },
        limits: { ...DEFAULT_LIMITS, downloadTimeoutMs: 5_000, ...o.limits },
      },
    );
    const ready = new Promise<void>((resolve) => this.bot.client.once(Events.ClientReady, () => resolve()));
    await this.bot.start();
    await ready;
    await this.fake.waitFor(() => this.bot.client.guilds.cache.has(this.world.guildId), 'the guild');
  }

  /** Stops the bot as a crash or deploy would, keeping the data dir. */
  async disconnect(): Promise<void> {
    await this.bot.stop();
    await this.store.close();
  }

  async stop(): Promise<void> {
    await this.disconnect();
    await this.fake.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
