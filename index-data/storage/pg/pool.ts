import pg from 'pg';
import { CatalogError } from '../../../core/errors.js';

export { redactUrl } from '../../../core/redact.js';

/** Connection settings for every PostgreSQL user in cuecast (catalogs now; bot and serve state later). */
export interface PgPoolOptions {
  readonly url: string;
  /** Most connections this process opens. */
  readonly max?: number;
  /** Give up connecting (or waiting for a free pooled connection) after this long. */
  readonly connectTimeoutMs?: number;
  /** The server cancels a statement running longer than this (statement_timeout). */
  readonly statementTimeoutMs?: number;
  /** Close pooled connections idle this long. */
  readonly idleTimeoutMs?: number;
  /** Server settings for every connection, sent at connect time (e.g. hnsw.ef_search). */
  readonly settings?: Readonly<Record<string, string | number>>;
  readonly applicationName?: string;
}

export const PG_POOL_DEFAULTS = { max: 10, connectTimeoutMs: 10_000, statementTimeoutMs: 30_000, idleTimeoutMs: 30_000 } as const;

/**
 * A `pg` pool with timeouts on connecting, on waiting for a connection, and on every statement (the
 * server enforces statement_timeout; the client gives up a little later if the server never answers).
 * Errors of idle connections (a server restart) are swallowed here: the pool drops the connection
 * and the next query reconnects.
 */
export function createPgPool(options: PgPoolOptions): pg.Pool {
  const o = { ...PG_POOL_DEFAULTS, ...options };
  const settings = { statement_timeout: o.statementTimeoutMs, ...o.settings };
  const pool = new pg.Pool({
    connectionString: o.url,
    max: o.max,
    connectionTimeoutMillis: o.connectTimeoutMs,
    idleTimeoutMillis: o.idleTimeoutMs,
    query_timeout: o.statementTimeoutMs + 5_000,
    application_name: o.applicationName ?? 'cuecast',
    // Startup options: applied by the server before the first query, no extra round trip.
    options: Object.entries(settings)
      .map(([key, value]) => `-c ${key}=${value}`)
      .join(' '),
  });
  pool.on('error', () => undefined);
  return pool;
}

/** Whether an error means the server could not be reached or would not let us in (not a query failure). */
export function isConnectionError(error: unknown): boolean {
  const e = error as { code?: string; message?: string };
  if (e.code && ['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', '3D000', '28P01', '28000', '57P03'].includes(e.code)) return true;
  return /timeout exceeded when trying to connect|Connection terminated due to connection timeout|Connection terminated unexpectedly/i.test(e.message ?? '');
}

/** Turns a connection failure into DATABASE_UNAVAILABLE with the (redacted) URL and what to check. */
export function connectionError(where: string, error: unknown): CatalogError {
  const e = error as { code?: string; message?: string };
  const reason =
    e.code === '3D000'
      ? 'the database does not exist'
      : e.code === '28P01' || e.code === '28000'
        ? 'authentication failed'
        : e.code === 'ECONNREFUSED'
          ? 'nothing listens there'
          : (e.message ?? String(error));
  return new CatalogError(
    'DATABASE_UNAVAILABLE',
    `Cannot reach PostgreSQL at ${where}: ${reason}. Check CUECAST_DATABASE_URL and that the server is running.`,
    { url: where, pgCode: e.code },
    { cause: error },
  );
}

/** Runs `work` on one pooled connection inside BEGIN/COMMIT; rolls back and rethrows when it throws. */
export async function inTransaction<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}
