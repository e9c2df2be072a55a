import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serverOptions } from '../../cli/commands/serve.js';
import { loadConfig } from '../../core/config.js';
import { openCatalog } from '../../index-data/catalog.js';
import type { Catalog } from '../../index-data/types.js';
import type { Encoders } from '../../model/index.js';
import { catalogVocabulary } from '../../recommend/catalog-vocabulary.js';
import { Recommender } from '../../recommend/recommender.js';
import { createApplication, DEFAULT_LIMITS, DEFAULT_SESSION } from '../../stream-server/app.js';
import type { Ack, FrameResult, PicksPayload } from '../../stream-server/events.js';
import { recommenderPickSource } from '../../stream-server/recommender-pick-source.js';
import { TokenTable } from '../../stream-server/tokens.js';
import { fixtureCliEnv } from '../support/cli.js';
import { createFixtureEncoders } from '../support/models.js';
import { jpegOf } from './support/color-encoder.js';
import { closeClients, overlay, producer, request, waitFor } from './support/server.js';
import { objectContaining, stringContaining } from '../support/matchers.js';
import { ifSet } from '../support/if-set.js';

const repo = resolve(import.meta.dirname, '..', '..');
const work = mkdtempSync(join(tmpdir(), 'cuecast-serve-e2e-'));
const music = join(work, 'music');
const catalogDir = join(work, 'catalog');
const env = fixtureCliEnv(join(work, 'data'), { CUECAST_STREAM_TOKENS: 'live:producer-token-1', CUECAST_OVERLAY_TOKENS: 'live:overlay-token-1' });
const cli = (...args: string[]) => [join(repo, 'node_modules', 'tsx', 'dist', 'cli.mjs'), join(repo, 'cli', 'main.ts'), ...args];

const TRACKS = [
  { file: 'low.wav', source: 'sine=f=220:d=24', title: 'Low Hum', artist: 'Oscillators' },
  { file: 'high.wav', source: 'sine=f=880:d=24', title: 'High Whistle', artist: 'Oscillators Two' },
  { file: 'noise.wav', source: 'anoisesrc=d=24:a=0.3:seed=3', title: 'Static', artist: 'Noise Unit' },
];

beforeAll(() => {
  mkdirSync(music, { recursive: true });
  for (const t of TRACKS) {
    execFileSync('ffmpeg', ['-v', 'error', '-nostdin', '-y', '-f', 'lavfi', '-i', t.source, '-ac', '1', '-metadata', `title=${t.title}`, '-metadata', `artist=${t.artist}`, join(music, t.file)], {
      timeout: 30_000,
    });
  }
  // The real indexer, on the fixture models, builds the catalog the server serves.
  execFileSync(process.execPath, cli('index', music, '--catalog', catalogDir, '--jobs', '1'), { cwd: repo, env, stdio: 'ignore', timeout: 120_000 });
}, 150_000);
afterAll(() => {
  closeClients();
  rmSync(work, { recursive: true, force: true });
});

describe('cuecast serve on a real catalog and the fixture models', () => {
  it('serves picks of catalog tracks for frames sent over socket.io, their audio behind the overlay token, and drains on SIGTERM', async () => {
    const child: ChildProcess = spawn(process.execPath, cli('serve', '--port', '0', '--catalog', catalogDir), { cwd: repo, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    try {
      const line = await new Promise<string>((done, fail) => {
        // The first line names the address at once; this one says the server is ready.
        createInterface({ input: child.stdout! }).on('line', (text) => /ready on/.test(text) && done(text));
        child.once('exit', (code) => fail(new Error(`serve exited with ${code}: ${stderr}`)));
      });
      const url = /on (http:\/\/[^ ]+) \(3 tracks/.exec(line)?.[1];
      expect(url, line).toBeDefined();
      const ready = await fetch(`${url}/readyz`);
      expect(ready.status).toBe(200);
      // The fixture models are the random-weight stand-ins: /readyz says so (and the overlay shows a badge).
      // And each encoder's dtype with how it was chosen (the fixture env pins fp32).
      const dtype = { dtype: 'fp32', how: 'configured', reason: 'encoders.dtype is fp32' };
      expect(await ready.json()).toEqual({
        status: 'ready',
        checks: { accepting: true, models: true, catalog: true },
        standIn: true,
        dtypes: { clipImage: dtype, clipText: dtype, clapAudio: dtype, clapText: dtype },
      });

      const viewer = overlay(url!, { streamId: 'live', token: 'overlay-token-1' });
      expect(await waitFor(viewer, 'state')).toMatchObject({ streamId: 'live', picks: null, audio: true });
      const picked = waitFor<PicksPayload>(viewer, 'picks', 20_000);
      const cam = producer(url!, { streamId: 'live', token: 'producer-token-1' });
      expect(await request<FrameResult>(cam, 'frame', { image: await jpegOf([200, 120, 40], 320, 240), capturedAt: Date.now() })).toMatchObject({ data: { status: 'encoded' } });
      const picks = await picked;
      const titles = TRACKS.map((t) => t.title);
      expect(titles).toContain(picks.tracks[0]!.title);
      expect(picks.basis.frames).toBe(1);

      const audio = await fetch(`${url}/audio/${encodeURIComponent(picks.tracks[0]!.id)}?stream=live&token=overlay-token-1`, { headers: { range: 'bytes=0-43' } });
      expect(audio.status).toBe(206);
      expect(
        Buffer.from(await audio.arrayBuffer())
          .subarray(0, 4)
          .toString('ascii'),
      ).toBe('RIFF');

      const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      child.kill('SIGKILL');
    }
  });
});

describe('cuecast serve refuses to start without what it needs', () => {
  const serve = (extraEnv: Record<string, string>, ...args: string[]) =>
    new Promise<{ code: number | null; stderr: string }>((done) => {
      const child = spawn(process.execPath, cli('serve', '--port', '0', ...args), { cwd: repo, env: { ...env, ...extraEnv }, stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      child.on('close', (code) => done({ code, stderr }));
    });

  it('given no stream tokens or a malformed pair, refuses with CONFIG_INVALID naming the variable', () => {
    const config = (tokens: string) => loadConfig({ env: { CUECAST_STREAM_TOKENS: tokens } });
    expect(() => serverOptions(config(''), { allowFileUrls: false })).toThrow(objectContaining({ code: 'CONFIG_INVALID', message: stringContaining('CUECAST_STREAM_TOKENS') }));
    expect(() => serverOptions(config('live'), { allowFileUrls: false })).toThrow(objectContaining({ code: 'CONFIG_INVALID', message: stringContaining('CUECAST_STREAM_TOKENS') }));
    const options = serverOptions(config('live:producer-token-1'), { allowFileUrls: false });
    expect(options.session.windowSeconds).toBe(30);
    expect(options.streamTokens.verify('live', 'producer-token-1')).toBe(true);
  });

  it('given no catalog, exits 1 with CATALOG_MISSING', async () => {
    const noCatalog = await serve({}, '--catalog', join(work, 'nowhere'));
    expect(noCatalog.code).toBe(1);
    expect(noCatalog.stderr).toContain('error CATALOG_MISSING');
  });
});

describe('load: 20 streams at 1 fps on the fixture models in their worker pool', () => {
  let encoders: Encoders;
  let catalog: Catalog;
  beforeAll(async () => {
    encoders = await createFixtureEncoders({}, { preload: true });
    catalog = openCatalog(catalogDir, { expect: { clip: encoders.clipText.info, clap: encoders.clapAudio.info } });
  }, 60_000);
  afterAll(async () => {
    await ifSet(catalog)?.close();
    await ifSet(encoders)?.dispose();
  });

  it('sustains every stream with the event loop p99 delay under 50 ms, and reports frame-to-pick p95', async () => {
    const STREAMS = 20;
    const SECONDS = 6;
    const ids = Array.from({ length: STREAMS }, (_, i) => `s${i}`);
    const tokens = new TokenTable(ids.map((id) => [id, `token-${id}-xyz`] as const));
    const recommender = new Recommender({ catalog, clipText: encoders.clipText, clapText: encoders.clapText, vocabulary: catalogVocabulary(catalog) });
    const http = createServer();
    const app = createApplication(
      http,
      { frameEncoder: encoders.clipImage, picks: recommenderPickSource(recommender) },
      {
        streamTokens: tokens,
        overlayTokens: tokens,
        limits: DEFAULT_LIMITS,
        session: { ...DEFAULT_SESSION, updateIntervalMs: 1000 },
        encode: { maxInFlight: 16, timeoutMs: 30_000 },
        sessionGraceMs: 1000,
        allowFileUrls: false,
      },
    );
    await new Promise<void>((done) => http.listen(0, '127.0.0.1', done));
    const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
    try {
      const images = await Promise.all(ids.map((_, i) => jpegOf([(i * 37) % 256, (i * 91) % 256, (i * 53) % 256], 640, 360)));
      const delay = monitorEventLoopDelay({ resolution: 5 });
      delay.enable();
      const clients = new Worker(new URL('./support/load-clients.mjs', import.meta.url), {
        workerData: { url, seconds: SECONDS, streams: ids.map((id, i) => ({ streamId: id, token: `token-${id}-xyz`, image: images[i] })) },
      });
      const sent = await new Promise<{ ack: Ack<FrameResult>; ackMs: number }[]>((done, fail) => {
        clients.once('message', done);
        clients.once('error', fail);
      });
      await clients.terminate();
      const results = sent.flatMap((r) => ('data' in r.ack ? [r.ack.data] : []));
      const ackP95 = sent.map((r) => r.ackMs).sort((a, b) => a - b)[Math.floor(sent.length * 0.95)];
      await new Promise((r) => setTimeout(r, 1500));
      delay.disable();
      const p99 = delay.percentile(99) / 1e6;
      const encoded = results.filter((r) => r.status === 'encoded').length;
      const histogram = (await app.metrics.frameToPick.get()).values;
      const count = histogram.find((v) => v.metricName?.endsWith('_count'))?.value ?? 0;
      const quantiles = (await app.metrics.frameToPickQuantiles.get()).values;
      const p95 = quantiles.find((v) => v.labels.quantile === 0.95)?.value ?? NaN;
      console.log(
        `load: ${STREAMS} streams x ${SECONDS} s at 1 fps: ${encoded}/${STREAMS * SECONDS} frames encoded, frame ack p95 ${ackP95} ms, ` +
          `server event loop p99 ${p99.toFixed(1)} ms, frame-to-pick p95 ${(p95 * 1000).toFixed(0)} ms over ${count} updates`,
      );
      expect(sent.length).toBe(STREAMS * SECONDS);
      expect(encoded).toBe(STREAMS * SECONDS);
      expect(count).toBeGreaterThanOrEqual(STREAMS);
      expect(p99).toBeLessThan(50);
      // Bounded by the 1 s cadence plus a recommend call (slack for a loaded CI machine).
      expect(p95).toBeGreaterThan(0);
      expect(p95).toBeLessThan(3);
    } finally {
      closeClients();
      await app.close();
    }
  });
});
