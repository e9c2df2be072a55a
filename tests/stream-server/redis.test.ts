import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OverlayState, PicksPayload } from '../../stream-server/events.js';
import { connectRedisAdapter, type RedisAdapter } from '../../stream-server/redis.js';
import { jpegOf } from './support/color-encoder.js';
import { OVERLAY_TOKEN, STREAM_ID, closeClients, overlay, producer, request, startTestServer, waitFor, waitUntil, type TestServer } from './support/server.js';

const hasRedis = spawnSync('redis-server', ['--version']).status === 0;
if (!hasRedis) console.warn('redis-server is not installed: skipping the two-node Redis adapter test (apt-get install redis-server)');

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

describe.skipIf(!hasRedis)('two server nodes sharing picks through Redis', () => {
  let redis: ChildProcess;
  let url: string;
  const adapters: RedisAdapter[] = [];
  const nodes: TestServer[] = [];

  beforeAll(async () => {
    const port = await freePort();
    redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    url = `redis://127.0.0.1:${port}`;
    // Ready when it accepts a client.
    await waitUntil(async () => {
      try {
        const probe = await connectRedisAdapter(url, { connectTimeoutMs: 200 });
        await probe.close();
        return true;
      } catch {
        return false;
      }
    }, 10_000, 'redis-server to start');
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
    redis?.kill('SIGTERM');
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

    await waitUntil(async () => {
      const late = overlay(b.url, { streamId: STREAM_ID, token: OVERLAY_TOKEN });
      const state = await waitFor<OverlayState>(late, 'state');
      late.disconnect();
      return state.picks?.seq === picks.seq;
    }, 5000, 'node B to know the latest picks');
  });
});

describe('connectRedisAdapter', () => {
  it('given a REDIS_URL where nothing listens, fails at once with the URL (password hidden) instead of hanging', async () => {
    const port = await freePort();
    const started = Date.now();
    await expect(connectRedisAdapter(`redis://:hunter22@127.0.0.1:${port}`, { connectTimeoutMs: 1000 })).rejects.toThrow(
      new RegExp(`Could not connect to Redis at redis://:\\*\\*\\*@127\\.0\\.0\\.1:${port}.*ECONNREFUSED`),
    );
    expect(Date.now() - started).toBeLessThan(3000);
  });
});
