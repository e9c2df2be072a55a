import type { Config } from '../core/config.js';
import type { BotStateSettings } from '../bot/state/open.js';

export { openBotState } from '../bot/state/open.js';

/** The bot state's settings from config: PostgreSQL when `database.url` is set, else the data dir. */
export function botStateSettings(config: Config): BotStateSettings {
  const d = config.discord;
  return {
    dataDir: config.dataDir,
    databaseUrl: config.database.url,
    ttlMs: d.conversationTtlHours * 3600_000,
    cooldownMs: d.cooldownSeconds * 1000,
    actionRate: { burst: d.actionBurst, perMinute: d.actionsPerMinute },
    pool: { connectTimeoutMs: config.database.connectTimeoutMs, statementTimeoutMs: config.database.statementTimeoutMs },
  };
}
