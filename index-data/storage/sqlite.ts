import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';

/** A SQLite connection, for stores outside the catalog (the bot's conversations). */
export type SqliteDatabase = Database.Database;

/** Opens a SQLite file in WAL mode, creating its folder; `:memory:` opens a private in-memory database. */
export function openSqliteFile(file: string): SqliteDatabase {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  return db;
}
