import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runner } from 'node-pg-migrate';
import type pg from 'pg';
import { CatalogError } from '../../../core/errors.js';

/** Versioned schema migrations (node-pg-migrate, SQL files beside this module), applied in order. */
export const MIGRATIONS_DIR = join(dirname(fileURLToPath(import.meta.url)), 'migrations');
export const MIGRATIONS_TABLE = 'cuecast_migrations';
/** Iterative index scans (hnsw.iterative_scan), which keep filtered queries' recall, came in 0.8.0. */
export const PGVECTOR_MIN_VERSION = '0.8.0';

export const PGVECTOR_INSTALL_HINT =
  'Install pgvector >= 0.8 on the database server: Debian/Ubuntu with the PostgreSQL apt repository: `apt-get install postgresql-15-pgvector`; ' +
  "a container: the `pgvector/pgvector:pg15` image; else build it from source (`make && make install` against that server's pg_config). " +
  'Then run `CREATE EXTENSION vector;` as a superuser in the database, or let cuecast create it with a role allowed to.';

function versionAtLeast(have: string, want: string): boolean {
  const a = have.split('.').map(Number);
  const b = want.split('.').map(Number);
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d > 0;
  }
  return true;
}

/** Refuses, with how to install it, a server without pgvector or with one too old for iterative scans. */
export async function checkPgvector(client: pg.ClientBase): Promise<void> {
  const { rows } = await client.query<{ default_version: string; installed_version: string | null }>("SELECT default_version, installed_version FROM pg_available_extensions WHERE name = 'vector'");
  const row = rows[0];
  if (!row) throw new CatalogError('PGVECTOR_MISSING', `The PostgreSQL server has no pgvector extension. ${PGVECTOR_INSTALL_HINT}`, { extension: 'vector' });
  const version = row.installed_version ?? row.default_version;
  if (!versionAtLeast(version, PGVECTOR_MIN_VERSION)) {
    throw new CatalogError('PGVECTOR_MISSING', `The PostgreSQL server has pgvector ${version}; cuecast needs ${PGVECTOR_MIN_VERSION} or later (iterative index scans). ${PGVECTOR_INSTALL_HINT}`, {
      extension: 'vector',
      version,
    });
  }
}

/** The migrations this cuecast ships, by name (file name without `.sql`), in order. */
export function shippedMigrations(): string[] {
  return readdirSync(MIGRATIONS_DIR)
    .filter((f) => f.endsWith('.sql'))
    .map((f) => f.slice(0, -4))
    .sort();
}

/** Whether every shipped migration has run (a read-only replica can then be read without writing). */
async function schemaIsCurrent(client: pg.ClientBase): Promise<boolean> {
  const exists = await client.query<{ t: string | null }>('SELECT to_regclass($1) AS t', [MIGRATIONS_TABLE]);
  if (!exists.rows[0]?.t) return false;
  const ran = new Set((await client.query<{ name: string }>(`SELECT name FROM ${MIGRATIONS_TABLE}`)).rows.map((r) => r.name));
  return shippedMigrations().every((name) => ran.has(name));
}

/**
 * Brings the database schema up to date (idempotent; concurrent callers wait on node-pg-migrate's
 * advisory lock). Runs on one connection of `pool`. A schema already current is only read, so
 * readers may point at a read-only replica.
 */
export async function migrateCatalogSchema(pool: pg.Pool): Promise<void> {
  const client = await pool.connect();
  try {
    if (await schemaIsCurrent(client)) return;
    await checkPgvector(client);
    try {
      await runner({
        dbClient: client,
        dir: MIGRATIONS_DIR,
        migrationsTable: MIGRATIONS_TABLE,
        direction: 'up',
        checkOrder: true,
        singleTransaction: true,
        advisoryLockMode: 'wait',
        log: () => undefined,
      });
    } catch (error) {
      const message = (error as Error).message;
      if (/permission denied to create extension|must be superuser|must be owner of/i.test(message)) {
        throw new CatalogError(
          'PGVECTOR_MISSING',
          `pgvector is installed on the server but not enabled in this database, and this role may not enable it: ${message}. Run \`CREATE EXTENSION vector;\` in the database as a superuser once.`,
          {},
          { cause: error },
        );
      }
      throw error;
    }
  } finally {
    client.release();
  }
}
