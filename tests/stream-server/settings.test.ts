import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { serverOptions } from '../../cli/commands/serve.js';
import { loadConfig } from '../../core/config.js';
import { ConfigError } from '../../core/errors.js';
import type { RecommendRequest, RecommendResult } from '../../recommend/types.js';
import { DEFAULT_LIMITS, DEFAULT_SESSION } from '../../stream-server/app.js';
import type { FrameResult, PicksPayload, SessionSummary } from '../../stream-server/events.js';
import { CatalogPickSource } from './support/catalog-picks.js';
import { jpegOf } from './support/color-encoder.js';
import { OVERLAY_TOKEN, STREAM_ID, STREAM_TOKEN, closeClients, errorCode, overlay, producer, request, startTestServer, waitFor, waitUntil, type TestServer } from './support/server.js';
import { stringContaining } from '../support/matchers.js';

const RED = [230, 20, 10] as const;
const TOKENS = { CUECAST_STREAM_TOKENS: `${STREAM_ID}:${STREAM_TOKEN}`, CUECAST_OVERLAY_TOKENS: `${STREAM_ID}:${OVERLAY_TOKEN}` };

/** `cuecast serve`'s own options (serverOptions) from these environment variables. */
const optionsFrom = (env: Record<string, string>) => serverOptions(loadConfig({ env: { ...TOKENS, ...env } }), { allowFileUrls: false });

/** The test catalog, remembering when each recommendation was asked for. */
class TimedPickSource extends CatalogPickSource {
  readonly askedAt: number[] = [];
  override recommend(request: RecommendRequest): Promise<RecommendResult> {
    this.askedAt.push(Date.now());
    return super.recommend(request);
  }
}

let server: TestServer | undefined;
afterEach(async () => {
  closeClients();
  await server?.close();
  server = undefined;
});

describe('stream settings from the config', () => {
  it('given no stream settings, the defaults are the values the server always had', () => {
    const options = optionsFrom({});
    const limits = {
      maxFrameBytes: 2 * 1024 * 1024,
      maxFramePixels: 4096 * 4096,
      maxFramesPerSecond: 5,
      frameBurst: 10,
      maxPromptChars: 500,
      eventBudgetPerSecond: 20,
      eventBudgetBurst: 40,
      maxProducersPerStream: 4,
      maxClockSkewMs: 600_000,
    };
    const session = {
      windowSeconds: 30,
      maxWindowFrames: 64,
      updateIntervalMs: 3000,
      minUpdateIntervalMs: 500,
      picksPerUpdate: 3,
      hysteresis: { margin: 0.02, confirmUpdates: 2, confirmMs: 3000, historySize: 8 },
      maxRefinements: 20,
      maxTextChars: 500,
      ingest: { fps: 1, stallTimeoutMs: 15_000, backoffInitialMs: 1000, backoffMaxMs: 30_000, maxFailedAttempts: 6 },
    };
    expect(options.limits).toEqual(limits);
    expect(options.session).toEqual(session);
    expect(DEFAULT_LIMITS).toEqual(limits);
    expect(DEFAULT_SESSION).toEqual(session);
    // One batch per inference worker in flight (the pool batches; the queue only admits).
    expect(options.encode.maxInFlight).toBe(16);
  });

  it('given every CUECAST_STREAM_* variable, each one reaches its own server option', () => {
    const options = optionsFrom({
      CUECAST_STREAM_WINDOW_SECONDS: '12.5',
      CUECAST_STREAM_WINDOW_FRAMES: '40',
      CUECAST_STREAM_UPDATE_INTERVAL_MS: '2000',
      CUECAST_STREAM_MIN_UPDATE_INTERVAL_MS: '250',
      CUECAST_STREAM_PICKS: '5',
      CUECAST_STREAM_SWITCH_MARGIN: '0.1',
      CUECAST_STREAM_SWITCH_CONFIRM_UPDATES: '4',
      CUECAST_STREAM_SWITCH_CONFIRM_MS: '6000',
      CUECAST_STREAM_NO_REPEAT_PICKS: '3',
      CUECAST_STREAM_INGEST_FPS: '2',
      CUECAST_STREAM_INGEST_STALL_MS: '9000',
      CUECAST_STREAM_INGEST_BACKOFF_MS: '500',
      CUECAST_STREAM_INGEST_BACKOFF_MAX_MS: '8000',
      CUECAST_STREAM_INGEST_MAX_ATTEMPTS: '3',
      CUECAST_STREAM_MAX_FRAME_BYTES: '1048576',
      CUECAST_STREAM_MAX_FRAME_PIXELS: '2073600',
      CUECAST_STREAM_MAX_FPS: '2',
      CUECAST_STREAM_FRAME_BURST: '4',
      CUECAST_MAX_TEXT_CHARS: '200',
      CUECAST_WORKERS: '2',
      CUECAST_MAX_BATCH: '8',
    });
    expect(options.encode.maxInFlight).toBe(16);
    expect(options.limits).toEqual({
      maxFrameBytes: 1_048_576,
      maxFramePixels: 2_073_600,
      maxFramesPerSecond: 2,
      frameBurst: 4,
      maxPromptChars: 200,
      eventBudgetPerSecond: 20,
      eventBudgetBurst: 40,
      maxProducersPerStream: 4,
      maxClockSkewMs: 600_000,
    });
    expect(options.session).toEqual({
      windowSeconds: 12.5,
      maxWindowFrames: 40,
      updateIntervalMs: 2000,
      minUpdateIntervalMs: 250,
      picksPerUpdate: 5,
      hysteresis: { margin: 0.1, confirmUpdates: 4, confirmMs: 6000, historySize: 3 },
      maxRefinements: 20,
      maxTextChars: 200,
      ingest: { fps: 2, stallTimeoutMs: 9000, backoffInitialMs: 500, backoffMaxMs: 8000, maxFailedAttempts: 3 },
    });
  });

  it('given several invalid stream settings, reports every one at once, naming the variable and the key', () => {
    let error: unknown;
    try {
      optionsFrom({
        CUECAST_STREAM_WINDOW_SECONDS: '0',
        CUECAST_STREAM_WINDOW_FRAMES: '2.5',
        CUECAST_STREAM_UPDATE_INTERVAL_MS: 'often',
        CUECAST_STREAM_SWITCH_MARGIN: '1.5',
        CUECAST_STREAM_MAX_FPS: '-1',
        CUECAST_STREAM_INGEST_BACKOFF_MS: '5000',
        CUECAST_STREAM_INGEST_BACKOFF_MAX_MS: '1000',
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const { issues } = error as ConfigError;
    expect(issues).toHaveLength(6);
    const text = issues.join('\n');
    for (const [name, key] of [
      ['CUECAST_STREAM_WINDOW_SECONDS', 'windowSeconds'],
      ['CUECAST_STREAM_WINDOW_FRAMES', 'windowFrames'],
      ['CUECAST_STREAM_UPDATE_INTERVAL_MS', 'updateIntervalMs'],
      ['CUECAST_STREAM_SWITCH_MARGIN', 'switchMargin'],
      ['CUECAST_STREAM_MAX_FPS', 'maxFramesPerSecond'],
    ]) {
      expect(text).toContain(`${name} (stream.${key})`);
    }
    expect(text).toMatch(
      /CUECAST_STREAM_INGEST_BACKOFF_MAX_MS \(stream\.ingestBackoffMaxMs\): must be at least the first restart delay, stream\.ingestBackoffInitialMs \(CUECAST_STREAM_INGEST_BACKOFF_MS\)/,
    );
  });
});

describe("a server started with serve's options behaves as its stream settings say", () => {
  it('given a 2-frame, 4-second window, keeps at most 2 frames and drops those 4 s older than the newest', async () => {
    const picks = new TimedPickSource();
    server = await startTestServer(optionsFrom({ CUECAST_STREAM_WINDOW_FRAMES: '2', CUECAST_STREAM_WINDOW_SECONDS: '4' }), { picks });
    const cam = producer(server.url);
    const red = await jpegOf(RED);
    const now = Date.now();
    const windowAfter = async (capturedAt: number) => {
      const ack = await request<FrameResult>(cam, 'frame', { image: red, capturedAt });
      expect(ack).toMatchObject({ data: { status: 'encoded' } });
      return 'data' in ack && ack.data.status === 'encoded' ? ack.data.windowFrames : undefined;
    };
    expect(await windowAfter(now - 9000)).toBe(1);
    expect(await windowAfter(now - 8500)).toBe(2);
    expect(await windowAfter(now - 8000)).toBe(2);
    await waitUntil(() => picks.requests.some((r) => r.frameEmbeddings?.length === 2), 5000, 'picks from a full window');
    expect(await windowAfter(now)).toBe(1);
    expect(Math.max(...picks.requests.map((r) => r.frameEmbeddings?.length ?? 0))).toBe(2);
  });

  it('given a 1.5 s update floor, a second frame right after the first is picked for no sooner than 1.5 s later', async () => {
    const picks = new TimedPickSource();
    server = await startTestServer(optionsFrom({ CUECAST_STREAM_MIN_UPDATE_INTERVAL_MS: '1500', CUECAST_STREAM_UPDATE_INTERVAL_MS: '2000' }), { picks });
    const cam = producer(server.url);
    const red = await jpegOf(RED);
    expect(await request(cam, 'frame', { image: red, capturedAt: Date.now() - 100 })).toMatchObject({ data: { status: 'encoded' } });
    await waitUntil(() => picks.askedAt.length === 1, 5000, 'the first recommendation');
    expect(await request(cam, 'frame', { image: red, capturedAt: Date.now() })).toMatchObject({ data: { status: 'encoded', windowFrames: 2 } });
    await waitUntil(() => picks.askedAt.length >= 2, 6000, 'the second recommendation');
    // The default floor (500 ms) would have asked about a second after the first at the latest.
    expect(picks.askedAt[1]! - picks.askedAt[0]!).toBeGreaterThanOrEqual(1450);
    expect(picks.requests[1]!.frameEmbeddings).toHaveLength(2);
  });

  it('given one pick per update, a short prompt limit and a slow frame rate, the overlay gets one track and producers get the limits', async () => {
    server = await startTestServer(optionsFrom({ CUECAST_STREAM_PICKS: '1', CUECAST_MAX_TEXT_CHARS: '12', CUECAST_STREAM_MAX_FPS: '0.1', CUECAST_STREAM_FRAME_BURST: '2' }));
    const viewer = overlay(server.url);
    await waitFor(viewer, 'state');
    const picked = waitFor<PicksPayload>(viewer, 'picks');
    const cam = producer(server.url);
    const red = await jpegOf(RED);
    expect(await request(cam, 'frame', { image: red, capturedAt: Date.now() - 10 })).toMatchObject({ data: { status: 'encoded' } });
    const picks = await picked;
    expect(picks.tracks.map((t) => t.id)).toEqual(['ember']);

    expect(await request(cam, 'frame', { image: red, capturedAt: Date.now() })).toMatchObject({ data: { status: 'encoded' } });
    const flooded = await request(cam, 'frame', { image: red, capturedAt: Date.now() + 1 });
    expect(errorCode(flooded)).toBe('RATE_LIMITED');
    expect(flooded).toMatchObject({ error: { message: stringContaining('0.1 frames per second') } });

    expect(await request<SessionSummary>(cam, 'prompt', 'calm water!!')).toMatchObject({ data: { prompt: 'calm water!!' } });
    const long = await request(cam, 'prompt', 'calm water!!!');
    expect(errorCode(long)).toBe('PROMPT_TOO_LONG');
    expect(long).toMatchObject({ error: { message: stringContaining('the limit is 12') } });
  });
});

describe('cuecast serve with invalid stream settings', () => {
  const repo = resolve(import.meta.dirname, '..', '..');
  const work = mkdtempSync(join(tmpdir(), 'cuecast-stream-settings-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('exits 1 with CONFIG_INVALID naming each bad variable, before loading anything', async () => {
    const child = spawn(process.execPath, [join(repo, 'node_modules', 'tsx', 'dist', 'cli.mjs'), join(repo, 'cli', 'main.ts'), 'serve', '--port', '0'], {
      cwd: repo,
      env: { ...process.env, ...TOKENS, CUECAST_DATA_DIR: work, CUECAST_LOG_LEVEL: 'silent', CUECAST_STREAM_WINDOW_FRAMES: 'many', CUECAST_STREAM_PICKS: '0' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((done) => child.on('close', done));
    expect(code).toBe(1);
    expect(stderr).toContain('error CONFIG_INVALID');
    expect(stderr).toContain('CUECAST_STREAM_WINDOW_FRAMES (stream.windowFrames)');
    expect(stderr).toContain('CUECAST_STREAM_PICKS (stream.picksPerUpdate)');
    expect(stderr).not.toMatch(/\n\s+at /);
  }, 30_000);
});
