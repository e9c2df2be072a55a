import { createAdapter } from '@socket.io/redis-streams-adapter';
import { createClient } from 'redis';
import { CuecastError } from '../core/errors.js';
import { logger } from '../core/logger.js';
import type { ApplicationOptions } from './app.js';

export interface RedisAdapter {
  readonly adapter: NonNullable<ApplicationOptions['adapter']>;
  /** Whether the connection is up (for /readyz). */
  ready(): boolean;
  /** Closes the Redis connection (after the socket.io server is closed). */
  close(): Promise<void>;
}

/** What a node does without Redis, for every message that says Redis is not there. */
const SINGLE_NODE_HINT = 'Start Redis there (or fix REDIS_URL), or unset REDIS_URL to run a single node without sharing picks';

/**
 * The socket.io Redis streams adapter on `url`, so overlays on one node receive the picks computed on
 * another. Connects before returning: a bad URL fails at start-up with REDIS_UNAVAILABLE, not on the
 * first pick, and within `connectTimeoutMs` (TCP connect and Redis handshake together: a port that
 * accepts connections but never answers like Redis must not hang start-up).
 */
export async function connectRedisAdapter(url: string, options: { connectTimeoutMs?: number } = {}): Promise<RedisAdapter> {
  const timeoutMs = options.connectTimeoutMs ?? 5000;
  const where = redact(url);
  const unavailable = (reason: string, cause?: unknown) =>
    new CuecastError('REDIS_UNAVAILABLE', `Could not connect to Redis at ${where}: ${reason}. ${SINGLE_NODE_HINT}.`, { url: where }, cause === undefined ? undefined : { cause });
  if (!isRedisUrl(url)) {
    throw new CuecastError(
      'REDIS_UNAVAILABLE',
      `REDIS_URL ${where} is not a Redis URL: set it to redis://[:password@]host:port[/db] (rediss:// for TLS), or unset REDIS_URL to run a single node without sharing picks.`,
      { url: where },
    );
  }

  const log = logger('redis');
  let connected = false;
  let client: ReturnType<typeof createClient>;
  try {
    client = createClient({
      url,
      socket: {
        connectTimeout: timeoutMs,
        // Retry for ever once up (a Redis restart must not take the server down), but not at start-up:
        // a wrong REDIS_URL should fail `cuecast serve` at once instead of hanging it.
        reconnectStrategy: (retries: number, cause: Error) => (connected ? Math.min(retries * 200, 5000) : cause),
      },
    });
  } catch (error) {
    throw unavailable((error as Error).message, error);
  }
  // The client reconnects by itself; without a listener an 'error' event would crash the process.
  // Before the first connection the failure is reported once, by the rejection below.
  client.on('error', (error: Error) => {
    if (connected) log.warn({ err: error.message, url: where }, 'redis connection error');
  });

  const connecting = client.connect();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(unavailable(`no answer like a Redis server's within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    await Promise.race([connecting, deadline]);
    connected = true;
  } catch (error) {
    connecting.catch(() => undefined);
    if (client.isOpen) client.destroy();
    throw error instanceof CuecastError ? error : unavailable((error as Error).message, error);
  } finally {
    clearTimeout(timer);
  }
  return {
    adapter: createAdapter(client, { streamName: 'cuecast', blockTimeInMs: 1000 }) as NonNullable<ApplicationOptions['adapter']>,
    ready: () => client.isReady,
    close: () => {
      if (client.isOpen) client.destroy();
      return Promise.resolve();
    },
  };
}

function isRedisUrl(url: string): boolean {
  try {
    const { protocol } = new URL(url);
    return protocol === 'redis:' || protocol === 'rediss:';
  } catch {
    return false;
  }
}

/** The URL without its password, for messages. */
export function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.href;
  } catch {
    return '(invalid URL)';
  }
}
