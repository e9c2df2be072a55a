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

/**
 * The socket.io Redis streams adapter on `url`, so overlays on one node receive the picks computed on
 * another. Connects before returning: a bad URL fails at start-up, not on the first pick.
 */
export async function connectRedisAdapter(url: string, options: { connectTimeoutMs?: number } = {}): Promise<RedisAdapter> {
  let connected = false;
  const client = createClient({
    url,
    socket: {
      connectTimeout: options.connectTimeoutMs ?? 5000,
      // Retry for ever once up (a Redis restart must not take the server down), but not at start-up:
      // a wrong REDIS_URL should fail `cuecast serve` at once instead of hanging it.
      reconnectStrategy: (retries: number, cause: Error) => (connected ? Math.min(retries * 200, 5000) : cause),
    },
  });
  const log = logger('redis');
  // The client reconnects by itself; without a listener an 'error' event would crash the process.
  client.on('error', (error: Error) => log.warn({ err: error.message, url: redact(url) }, 'redis connection error'));
  try {
    await client.connect();
    connected = true;
  } catch (error) {
    if (client.isOpen) client.destroy();
    throw new CuecastError('INTERNAL', `Could not connect to Redis at ${redact(url)}: ${(error as Error).message}`, {}, { cause: error });
  }
  return {
    adapter: createAdapter(client, { streamName: 'cuecast', blockTimeInMs: 1000 }) as NonNullable<ApplicationOptions['adapter']>,
    ready: () => client.isReady,
    close: async () => {
      if (client.isOpen) client.destroy();
    },
  };
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
