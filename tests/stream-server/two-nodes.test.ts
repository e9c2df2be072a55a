/**
 * Serve scaled out: two `cuecast serve` processes (the fixture models) answering from one catalog in a
 * real PostgreSQL and sharing picks through a real Redis, as behind a load balancer. A producer on
 * node A, an overlay on node B (websocket only: no polling, so no sticky session is needed for it):
 * B shows the picks A computes, and a refinement sent for the stream reaches B's overlay.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FrameResult, PicksPayload, SessionSummary } from '../../stream-server/events.js';
import { cuecastBin, fixtureCliEnv, repoRoot, runCuecast } from '../support/cli.js';
import { postgresTestsEnabled, startPostgres, type PostgresServer } from '../support/postgres.js';
import { redisAvailable, startRedis, type RedisServer } from '../support/redis.js';
import { jpegOf } from './support/color-encoder.js';
import { closeClients, overlay, producer, request, waitFor } from './support/server.js';

const TRACKS = [
  { file: 'low.wav', source: 'sine=f=220:d=24', title: 'Low Hum' },
  { file: 'high.wav', source: 'sine=f=880:d=24', title: 'High Whistle' },
  { file: 'noise.wav', source: 'anoisesrc=d=24:a=0.3:seed=3', title: 'Static' },
  { file: 'pulse.wav', source: 'sine=f=440:d=24,volume=0.5', title: 'Pulse' },
];
const TOKENS = { CUECAST_STREAM_TOKENS: 'live:producer-token-1', CUECAST_OVERLAY_TOKENS: 'live:overlay-token-1' };

const enabled = redisAvailable && postgresTestsEnabled();
if (!redisAvailable) console.warn('redis-server is not installed: skipping the two serve nodes test');

describe.skipIf(!enabled)('two serve nodes + Redis + PostgreSQL', () => {
  const work = mkdtempSync(join(tmpdir(), 'cuecast-two-nodes-'));
  const children: ChildProcess[] = [];
  let pg: PostgresServer | undefined;
  let redis: RedisServer | undefined;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    [pg, redis] = await Promise.all([startPostgres(), startRedis()]);
    const databaseUrl = await pg.createDatabase('two_nodes');
    const music = join(work, 'music');
    mkdirSync(music, { recursive: true });
    for (const t of TRACKS) {
      execFileSync('ffmpeg', ['-v', 'error', '-nostdin', '-y', '-f', 'lavfi', '-i', t.source, '-ac', '1', '-metadata', `title=${t.title}`, '-metadata', 'artist=Generators', join(music, t.file)], {
        timeout: 30_000,
      });
    }
    env = fixtureCliEnv(join(work, 'data'), { ...TOKENS, CUECAST_DATABASE_URL: databaseUrl, REDIS_URL: redis.url });
    // The indexer publishes the catalog into PostgreSQL; neither node has a catalog folder of its own.
    const indexed = await runCuecast(['index', music, '--catalog', join(work, 'indexer-catalog'), '--jobs', '1'], env);
    expect(indexed.code, indexed.stderr).toBe(0);
  }, 240_000);

  afterAll(async () => {
    closeClients();
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    redis?.stop();
    await pg?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  /** Starts a node with its own data dir (nothing shared on disk) and resolves with its URL once ready. */
  function startNode(name: string): Promise<string> {
    const child = spawn(process.execPath, [cuecastBin, 'serve', '--port', '0'], { cwd: repoRoot, env: { ...env, CUECAST_DATA_DIR: join(work, name) }, stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    return new Promise<string>((done, fail) => {
      createInterface({ input: child.stdout }).on('line', (text) => {
        const url = /ready on (http:\/\/[^ ]+) \(4 tracks/.exec(text)?.[1];
        if (url) done(url);
      });
      child.once('exit', (code) => fail(new Error(`node ${name} exited with ${code}: ${stderr}`)));
    });
  }

  it("a producer on node A, an overlay on node B: B shows A's picks, and a refinement of the stream reaches B", async () => {
    const [a, b] = await Promise.all([startNode('node-a'), startNode('node-b')]);
    expect(a).not.toBe(b);
    for (const url of [a, b]) expect(((await (await fetch(`${url}/readyz`)).json()) as { checks: Record<string, boolean> }).checks).toMatchObject({ catalog: true, redis: true });

    const viewer = overlay(b, { streamId: 'live', token: 'overlay-token-1' });
    expect(await waitFor(viewer, 'state')).toMatchObject({ streamId: 'live', picks: null });
    expect(viewer.io.engine.transport.name).toBe('websocket');

    const first = waitFor<PicksPayload>(viewer, 'picks', 30_000);
    const cam = producer(a, { streamId: 'live', token: 'producer-token-1' });
    expect(await request<FrameResult>(cam, 'frame', { image: await jpegOf([200, 120, 40], 320, 240), capturedAt: Date.now() })).toMatchObject({ data: { status: 'encoded' } });
    const picks = await first;
    expect(TRACKS.map((t) => t.title)).toContain(picks.tracks[0]!.title);
    expect(picks.basis.frames).toBe(1);

    // The refinement names what the overlay shows as #1: the new picks must leave it out.
    const refined = new Promise<PicksPayload>((resolve) => viewer.on('picks', (p: PicksPayload) => p.basis.prompt.includes('not #1') && resolve(p)));
    const summary = await request<SessionSummary>(cam, 'refine', 'not #1');
    expect(summary).toMatchObject({ data: { refinements: ['not #1'] } });
    const after = await Promise.race([refined, new Promise<never>((_, fail) => setTimeout(() => fail(new Error('no refined picks on node B')), 30_000))]);
    expect(after.seq).toBeGreaterThan(picks.seq);
    expect(after.tracks.map((t) => t.id)).not.toContain(picks.tracks[0]!.id);
    expect(after.tracks.length).toBeGreaterThan(0);
  }, 180_000);
});
