import type { BotState } from '../../bot/state/open.js';
import type { Config } from '../../core/config.js';
import type { Logger } from '../../core/logger.js';
import type { Catalog } from '../../index-data/types.js';
import type { Encoders } from '../../model/index.js';
import type { Recommender } from '../../recommend/recommender.js';
import type { RedisAdapter } from '../../stream-server/redis.js';
import type { Studio } from '../../stream-server/studio/index.js';

/** What the stream server runs on, all open. */
export interface OpenParts {
  readonly models: Encoders;
  readonly catalog: Catalog;
  readonly recommender: Recommender;
  readonly studio: Studio;
  readonly redis?: RedisAdapter;
}

/**
 * The parts `cuecast serve` opens, in order, each remembered as soon as it is open, so that `close()`
 * releases whatever a start that failed halfway had opened.
 */
export class ServeParts {
  #redis: RedisAdapter | undefined;
  #encoders: Encoders | undefined;
  #catalog: Catalog | undefined;
  #catalogOpen = false;
  #botState: BotState | undefined;
  #studio: Studio | undefined;

  /** Redis, the models, the catalog and the recommender, the bot's state store and the studio. */
  async open(config: Config, studioToken: string, log: Logger): Promise<OpenParts> {
    const [{ createEncoders }, { connectRedisAdapter, redact }, { createRecommender, openConfiguredCatalogFor }, { botStateSettings, openBotState }, { studioFor }] = await Promise.all([
      import('../../model/index.js'),
      import('../../stream-server/redis.js'),
      import('../setup.js'),
      import('../bot-state.js'),
      import('../studio.js'),
    ]);
    // Redis first: a wrong REDIS_URL fails start-up in seconds, before minutes of model loading.
    if (config.server.redisUrl) {
      this.#redis = await connectRedisAdapter(config.server.redisUrl);
      log.info({ redis: redact(config.server.redisUrl) }, 'sharing picks between nodes through Redis');
    }
    const models = (this.#encoders = await createEncoders(config));
    if (models.standIn) log.warn({ standIn: true, reason: models.standIn.reason }, 'STAND-IN MODELS: random-weight encoders, the picks are not meaningful (/readyz and the overlay say so)');
    const catalog = (this.#catalog = await openConfiguredCatalogFor(config, models));
    this.#catalogOpen = true;
    const recommender = await createRecommender(config, models, catalog);
    recommender.warmRefinementParser();
    log.info({ mode: recommender.mode }, 'recommending');
    await models.warmup(['clipImage', 'clipText', 'clapText']);
    // The studio keeps its conversations with the bot's: in PostgreSQL when configured, so any node answers them.
    this.#botState = await openBotState(botStateSettings(config));
    const studio = (this.#studio = studioFor(config, { token: studioToken, frameEncoder: models.clipImage, recommender, catalog, conversations: this.#botState.store }));
    return { models, catalog, recommender, studio, ...(this.#redis ? { redis: this.#redis } : {}) };
  }

  /** For /readyz: the encoders have workers, the catalog is open (not closing), Redis is connected. */
  readiness(): Record<string, boolean> {
    return { models: (this.#encoders?.stats().workers ?? 0) > 0, catalog: this.#catalogOpen, ...(this.#redis ? { redis: this.#redis.ready() } : {}) };
  }

  async close(): Promise<void> {
    await this.#studio?.close();
    await this.#botState?.close();
    await this.#redis?.close();
    this.#catalogOpen = false;
    await this.#catalog?.close();
    await this.#encoders?.dispose();
  }
}
