import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OverlayState, PicksPayload } from '../../stream-server/events.js';
import { connectRedisAdapter, type RedisAdapter } from '../../stream-server/redis.js';
import { jpegOf } from './support/color-encoder.js';
import { redisAvailable, startRedis, type RedisServer } from '../support/redis.js';
import { OVERLAY_TOKEN, STREAM_ID, closeClients, overlay, producer, request, startTestServer, waitFor, waitUntil, type TestServer } from './support/server.js';
import { freePort } from '../support/free-port.js';
import { stringContaining, stringMatching } from '../support/matchers.js';

const hasRedis = redisAvailable;
if (!hasRedis) console.warn('redis-server is not installed: skipping the two-node Redis adapter test (apt-get install redis-server)');

describe.skipIf(!hasRedis)('two server nodes sharing picks through Redis', () => {
  let redis: RedisServer | undefined;
  let url: string;
  const adapters: RedisAdapter[] = [];
  const nodes: TestServer[] = [];

  beforeAll(async () => {
    redis = await startRedis();
    url = redis.url;
    for (let i = 0; i < 2; i += 1) {
      const adapter = await connectRedisAdapter(url);
      adapters.push(adapter);
      nodes.push(await startTestServer({ adapter: adapter.adapter }));
    }
  });

  afterAll(async () => {
    closeClients();
    for (const node of nodes) await node.close();
    for (const adapter of adapters) await adapter.close();
    redis?.stop();
  });

  it('an overlay on node B receives the picks node A computes, and a late overlay on B gets them as state', async () => {
    const [a, b] = nodes as [TestServer, TestServer];
    expect(adapters.every((adapter) => adapter.ready())).toBe(true);
    const viewerOnB = overlay(b.url);
    await waitFor(viewerOnB, 'state');
    const cam = producer(a.url);
    const picked = waitFor<PicksPayload>(viewerOnB, 'picks', 15_000);
    expect(await request(cam, 'frame', { image: await jpegOf([230, 20, 10]), capturedAt: Date.now() })).toMatchObject({ data: { status: 'encoded' } });
    const picks = await picked;
    expect(picks.streamId).toBe(STREAM_ID);
    expect(picks.tracks[0]!.id).toBe('ember');
    expect(b.app.sessions.size).toBe(0);
    expect(b.encoder.batches).toEqual([]);

    await waitUntil(
      async () => {
        const late = overlay(b.url, { streamId: STREAM_ID, token: OVERLAY_TOKEN });
        const state = await waitFor<OverlayState>(late, 'state');
        late.disconnect();
        return state.picks?.seq === picks.seq;
      },
      5000,
      'node B to know the latest picks',
    );
  });
});

/** A TCP server on loopback that does something other than speak Redis with each connection. */
async function listening(onConnection: (socket: Socket) => void): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    onConnection(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () => {
      for (const socket of sockets) socket.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe('connectRedisAdapter', () => {
  it('given a REDIS_URL where nothing listens, fails at once with REDIS_UNAVAILABLE, the URL (password hidden) and what to do', async () => {
    const port = await freePort();
    const started = Date.now();
    const failure = connectRedisAdapter(`redis://:hunter22@127.0.0.1:${port}`, { connectTimeoutMs: 1000 });
    await expect(failure).rejects.toMatchObject({ code: 'REDIS_UNAVAILABLE' });
    await expect(failure).rejects.toThrow(new RegExp(`Could not connect to Redis at redis://:\\*\\*\\*@127\\.0\\.0\\.1:${port}.*ECONNREFUSED.*unset REDIS_URL to run a single node`));
    await expect(failure).rejects.not.toThrow(/hunter22/);
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('given a port that accepts connections but never answers, gives up with REDIS_UNAVAILABLE when the connect timeout ends', async () => {
    const silent = await listening(() => undefined);
    try {
      const started = Date.now();
      const failure = connectRedisAdapter(`redis://127.0.0.1:${silent.port}`, { connectTimeoutMs: 500 });
      await expect(failure).rejects.toMatchObject({ code: 'REDIS_UNAVAILABLE', message: stringMatching(/no answer like a Redis server's within 500 ms/) });
      const elapsed = Date.now() - started;
      expect(elapsed).toBeGreaterThanOrEqual(450);
      expect(elapsed).toBeLessThan(2500);
    } finally {
      await silent.close();
    }
  });

  it('given a redis:// URL of a server that is not Redis (HTTP), fails with REDIS_UNAVAILABLE', async () => {
    const web = await listening((socket) => socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n'));
    try {
      await expect(connectRedisAdapter(`redis://127.0.0.1:${web.port}`, { connectTimeoutMs: 1000 })).rejects.toMatchObject({
        code: 'REDIS_UNAVAILABLE',
        message: stringContaining(`Could not connect to Redis at redis://127.0.0.1:${web.port}`),
      });
    } finally {
      await web.close();
    }
  });

  it('given a REDIS_URL that is not a redis:// URL, refuses it with REDIS_UNAVAILABLE without connecting', async () => {
    await expect(connectRedisAdapter('http://user:hunter22@localhost:6379')).rejects.toMatchObject({
      code: 'REDIS_UNAVAILABLE',
      message: stringMatching(/^REDIS_URL http:\/\/user:\*\*\*@localhost:6379\/ is not a Redis URL: set it to redis:\/\/.*or unset REDIS_URL/),
    });
    await expect(connectRedisAdapter('localhost:6379')).rejects.toMatchObject({ code: 'REDIS_UNAVAILABLE', message: stringContaining('REDIS_URL localhost:6379 is not a Redis URL') });
    await expect(connectRedisAdapter('not a url')).rejects.toMatchObject({ code: 'REDIS_UNAVAILABLE', message: stringContaining('(invalid URL) is not a Redis URL') });
  });
});

describe('cuecast serve with an unreachable REDIS_URL', () => {
  const repo = resolve(import.meta.dirname, '..', '..');
  const work = mkdtempSync(join(tmpdir(), 'cuecast-serve-redis-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('exits 1 with one REDIS_UNAVAILABLE line (URL redacted, what to do), no stack trace, before loading the models', async () => {
    const port = await freePort();
    const child = spawn(process.execPath, [join(repo, 'node_modules', 'tsx', 'dist', 'cli.mjs'), join(repo, 'cli', 'main.ts'), 'serve', '--port', '0'], {
      cwd: repo,
      env: {
        ...process.env,
        CUECAST_DATA_DIR: work,
        CUECAST_MODELS: join(work, 'no-models'),
        CUECAST_ALLOW_REMOTE_MODELS: 'false',
        CUECAST_LOG_LEVEL: 'silent',
        CUECAST_STREAM_TOKENS: 'live:producer-token-1',
        REDIS_URL: `redis://:hunter22@127.0.0.1:${port}`,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((done) => child.on('close', done));
    expect(code).toBe(1);
    expect(stderr.trim()).toMatch(
      new RegExp(`^error REDIS_UNAVAILABLE: Could not connect to Redis at redis://:\\*\\*\\*@127\\.0\\.0\\.1:${port}: .*ECONNREFUSED.*unset REDIS_URL to run a single node`),
    );
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).not.toContain('hunter22');
    // serve prints its address as soon as it listens (issue 12); it never got as far as being ready.
    expect(stdout).toMatch(/^cuecast stream server listening on http:\/\/127\.0\.0\.1:\d+ /);
    expect(stdout).not.toContain('ready on');
    expect(stdout).not.toContain('hunter22');
  }, 30_000);
});
