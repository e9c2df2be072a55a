/**
 * A throwaway redis-server for tests: a random loopback port, no persistence, killed on `stop()`.
 * `redisAvailable` says whether redis-server is installed (tests skip with a warning when it is not).
 */
import { spawn, spawnSync } from 'node:child_process';
import { connectRedisAdapter } from '../../stream-server/redis.js';
import { freePort } from './free-port.js';

export const redisAvailable = spawnSync('redis-server', ['--version']).status === 0;

export interface RedisServer {
  readonly url: string;
  stop(): void;
}

/** Starts redis-server and resolves once it accepts a client (within `timeoutMs`). */
export async function startRedis(timeoutMs = 10_000): Promise<RedisServer> {
  const port = await freePort();
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  const url = `redis://127.0.0.1:${port}`;
  const stop = (): void => {
    if (child.exitCode === null) child.kill('SIGTERM');
  };
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const probe = await connectRedisAdapter(url, { connectTimeoutMs: 200 });
      await probe.close();
      return { url, stop };
    } catch (error) {
      if (Date.now() > deadline || child.exitCode !== null) {
        stop();
        throw new Error(`redis-server did not start on port ${port}: ${(error as Error).message}`, { cause: error });
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}
