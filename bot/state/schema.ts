import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runner } from 'node-pg-migrate';
import type pg from 'pg';

/** Versioned migrations of the bot's tables (SQL files beside this module), apart from the catalog's. */
export const BOT_MIGRATIONS_DIR = join(dirname(fileURLToPath(import.meta.url)), 'migrations');
export const BOT_MIGRATIONS_TABLE = 'cuecast_bot_migrations';

/**
 * Brings the bot's tables up to date (idempotent; processes starting together wait on node-pg-migrate's
 * advisory lock, so several shards may start at once).
 */
export async function migrateBotSchema(pool: pg.Pool): Promise<void> {
  const client = await pool.connect();
  try {
    await runner({
      dbClient: client,
      dir: BOT_MIGRATIONS_DIR,
      migrationsTable: BOT_MIGRATIONS_TABLE,
      direction: 'up',
      checkOrder: true,
      singleTransaction: true,
      advisoryLockMode: 'wait',
      log: () => undefined,
    });
  } finally {
    client.release();
  }
}
