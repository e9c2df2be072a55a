import { join } from 'node:path';
import type pg from 'pg';
import { connectionError, createPgPool, isConnectionError, redactUrl } from '../../index-data/storage/pg/pool.js';
import { SqliteConversationStore, type ConversationStore } from '../conversation-store.js';
import type { ActionRate, UserGuard } from '../fairness.js';
import { PgConversationStore } from './pg-conversation-store.js';
import { PgActionRateLimit, PgCooldown } from './pg-guards.js';
import { migrateBotSchema } from './schema.js';

export interface BotStateSettings {
  /** The data dir: the SQLite conversations file lives in `<dataDir>/discord/` without a database. */
  readonly dataDir: string;
  /** PostgreSQL (config `database.url`); empty or unset: the embedded SQLite file, guards in memory. */
  readonly databaseUrl?: string;
  readonly ttlMs: number;
  readonly cooldownMs: number;
  readonly actionRate: ActionRate;
  readonly pool?: { readonly max?: number; readonly connectTimeoutMs?: number; readonly statementTimeoutMs?: number };
}

/** Conversations (and, with PostgreSQL, the shared guards) of the bot and the studio. */
export interface BotState {
  readonly store: ConversationStore;
  /** Set with PostgreSQL: cooldowns and action rates every bot process shares. */
  readonly guards?: { readonly cooldown: UserGuard; readonly actions: UserGuard };
  /** Where the state is, for logs (the URL without its password). */
  readonly where: string;
  close(): Promise<void>;
}

/** The bot's conversations file (the studio's conversations live there too). */
export const conversationsFile = (dataDir: string): string => join(dataDir, 'discord', 'conversations.sqlite');

/**
 * Opens the bot state: PostgreSQL when a database URL is configured (tables migrated on first use,
 * shared by every shard and serve node), else the SQLite file in the data dir.
 */
export async function openBotState(settings: BotStateSettings): Promise<BotState> {
  if (!settings.databaseUrl) {
    const file = conversationsFile(settings.dataDir);
    const store = new SqliteConversationStore(file, settings.ttlMs);
    return { store, where: file, close: () => store.close() };
  }
  const where = redactUrl(settings.databaseUrl);
  const pool: pg.Pool = createPgPool({ url: settings.databaseUrl, applicationName: 'cuecast-bot', max: 4, ...settings.pool });
  try {
    await migrateBotSchema(pool);
  } catch (error) {
    await pool.end();
    throw isConnectionError(error) ? connectionError(where, error) : error;
  }
  return {
    store: new PgConversationStore(pool, settings.ttlMs),
    guards: { cooldown: new PgCooldown(pool, settings.cooldownMs), actions: new PgActionRateLimit(pool, settings.actionRate) },
    where,
    close: () => pool.end(),
  };
}
