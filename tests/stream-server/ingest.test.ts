import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket as NetSocket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { IngestStatus, PicksPayload, SessionSummary } from '../../stream-server/events.js';
import { liveChildPids } from '../../core/media/process.js';
import { mediaFrameSource } from '../../stream-server/media-frame-source.js';
import { STREAM_ID, closeClients, errorCode, overlay, producer, request, startTestServer, waitFor, waitUntil, type TestOptions, type TestServer } from './support/server.js';

let dir: string;
let redClip: string;
let server: TestServer | undefined;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'cuecast-ingest-'));
  redClip = join(dir, 'red.mp4');
  const made = spawnSync('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'color=c=0xE6140A:s=160x120:r=10:d=3', '-pix_fmt', 'yuv420p', '-c:v', 'libx264', '-y', redClip], { timeout: 30_000 });
  if (made.status !== 0) throw new Error(`ffmpeg could not make the test clip: ${made.stderr.toString()}`);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(async () => {
  closeClients();
  await server?.close();
  server = undefined;
});

// The test servers live on loopback, which the server refuses unless the operator allows it.
const ingestOptions = (ingest: Partial<NonNullable<TestOptions['session']>['ingest']>): TestOptions => ({
  ingestAllowCidrs: ['127.0.0.0/8'],
  session: { ingest: { fps: 2, stallTimeoutMs: 5000, backoffInitialMs: 100, backoffMaxMs: 400, maxFailedAttempts: 3, ...ingest } },
});

/** A TCP server that accepts connections and never says a word; counts the ones still open. */
async function silentServer(): Promise<{ url: string; open: () => number; close: () => Promise<void> }> {
  const sockets = new Set<NetSocket>();
  const tcp: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    socket.resume(); // read (and ignore) what ffmpeg sends, so its hang-up is seen
  });
  await new Promise<void>((resolve) => tcp.listen(0, '127.0.0.1', resolve));
  const { port } = tcp.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}/live/stream.m3u8`,
    open: () => sockets.size,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        tcp.close(() => resolve());
      }),
  };
}

function statuses(socket: ReturnType<typeof producer>): IngestStatus[] {
  const seen: IngestStatus[] = [];
  socket.on('ingest', (status) => seen.push(status));
  return seen;
}

describe('ingest: the server pulls frames from a URL with ffmpeg', () => {
  it('given a generated red clip as a file URL, its frames go through the pipeline and the overlay gets the red pick', async () => {
    server = await startTestServer(ingestOptions({ stallTimeoutMs: 15_000 }), { frameSource: mediaFrameSource({ size: 64 }) });
    const viewer = overlay(server.url);
    await waitFor(viewer, 'state');
    const cam = producer(server.url);
    const seen = statuses(cam);
    const picked = waitFor<PicksPayload>(viewer, 'picks', 30_000);
    const ack = await request<SessionSummary>(cam, 'ingest', pathToFileURL(redClip).href);
    expect(ack).toMatchObject({ data: { streamId: STREAM_ID, ingest: { url: pathToFileURL(redClip).href, state: 'starting', restarts: 0 } } });
    const picks = await picked;
    expect(picks.tracks[0]!.id).toBe('ember');
    await waitUntil(() => seen.some((s) => s.state === 'ended'), 30_000, 'the clip to end');
    expect(
      seen.map((s) => s.state),
      JSON.stringify(seen),
    ).toEqual(['running', 'ended']);
    const text = await server.app.metrics.registry.getSingleMetricAsString('cuecast_stream_frames_received_total');
    expect(text).toMatch(/source="ingest"} [3-7]\b/);
  });

  it('given a URL that never answers, reports MEDIA_TIMEOUT, retries with back-off, gives up, and leaves no ffmpeg connected', async () => {
    const silent = await silentServer();
    try {
      server = await startTestServer(ingestOptions({ stallTimeoutMs: 1500, maxFailedAttempts: 2 }), { frameSource: mediaFrameSource() });
      const cam = producer(server.url);
      const seen = statuses(cam);
      expect(await request(cam, 'ingest', silent.url)).toMatchObject({ data: { ingest: { state: 'starting' } } });
      await waitUntil(() => silent.open() > 0, 10_000, 'ffmpeg to connect');
      await waitUntil(() => seen.some((s) => s.state === 'failed'), 15_000, 'the ingest to give up');
      expect(seen.map((s) => s.state)).toEqual(['restarting', 'failed']);
      expect(seen.at(-1)).toMatchObject({ restarts: 1, lastError: { code: 'MEDIA_TIMEOUT' } });
      await waitUntil(() => silent.open() === 0, 5000, 'ffmpeg to be gone');
      // The producer's other events still work.
      expect(await request(cam, 'prompt', 'calm')).toMatchObject({ data: { prompt: 'calm' } });
    } finally {
      await silent.close();
    }
  });

  it('given an input that dies at once (connection refused), restarts with back-off and counts the restarts', async () => {
    const silent = await silentServer();
    const url = silent.url;
    await silent.close(); // nothing listens there now
    server = await startTestServer(ingestOptions({ maxFailedAttempts: 3 }), { frameSource: mediaFrameSource() });
    const cam = producer(server.url);
    const seen = statuses(cam);
    await request(cam, 'ingest', url);
    await waitUntil(() => seen.some((s) => s.state === 'failed'), 20_000, 'the ingest to give up');
    expect(seen.map((s) => s.state)).toEqual(['restarting', 'restarting', 'failed']);
    expect(seen.at(-1)!.lastError!.code).toMatch(/^MEDIA_/);
    expect(await server.app.metrics.registry.getSingleMetricAsString('cuecast_stream_ingest_restarts_total')).toContain('cuecast_stream_ingest_restarts_total 2');
  });

  it('stops the ingest (and its ffmpeg) when the session ends', async () => {
    const silent = await silentServer();
    try {
      server = await startTestServer(ingestOptions({ stallTimeoutMs: 60_000 }), { frameSource: mediaFrameSource() });
      const cam = producer(server.url);
      await request(cam, 'ingest', silent.url);
      await waitUntil(() => silent.open() > 0, 10_000, 'ffmpeg to connect');
      cam.disconnect();
      await waitUntil(() => !server!.app.sessions.has(STREAM_ID), 5000, 'the session to end');
      await waitUntil(() => silent.open() === 0, 5000, 'ffmpeg to be stopped');
      await waitUntil(() => liveChildPids().length === 0, 5000, 'no ffmpeg child left');
    } finally {
      await silent.close();
    }
  });

  it('a finite file over HTTP is read once at real time and ends with `ended`, never restarted', async () => {
    const { createServer: createHttp } = await import('node:http');
    const { readFileSync } = await import('node:fs');
    let requests = 0;
    const http = createHttp((_request, response) => {
      requests += 1;
      response.writeHead(200, { 'content-type': 'video/mp4' }).end(readFileSync(redClip));
    });
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    try {
      server = await startTestServer(ingestOptions({ stallTimeoutMs: 15_000 }), { frameSource: mediaFrameSource({ size: 32 }) });
      const cam = producer(server.url);
      const seen = statuses(cam);
      const started = Date.now();
      await request(cam, 'ingest', `http://127.0.0.1:${(http.address() as { port: number }).port}/red.mp4`);
      await waitUntil(() => seen.some((s) => s.state === 'ended' || s.state === 'failed'), 20_000, 'the file to end');
      // The 3-second clip took at least its own length (-re), not the blink of a decode as fast as possible.
      expect(Date.now() - started).toBeGreaterThanOrEqual(2500);
      expect(seen.map((s) => s.state)).toEqual(['running', 'ended']);
      await new Promise((resolve) => setTimeout(resolve, 1500));
      expect(seen.at(-1)!.state).toBe('ended');
      expect(requests).toBeLessThanOrEqual(2); // probe + decode, and no restart after
    } finally {
      http.closeAllConnections();
      http.close();
    }
  });

  it('refuses URLs it must not open: file URLs when not allowed, other schemes, garbage', async () => {
    server = await startTestServer({ allowFileUrls: false }, { frameSource: mediaFrameSource() });
    const cam = producer(server.url);
    expect(errorCode(await request(cam, 'ingest', pathToFileURL(redClip).href))).toBe('INPUT_INVALID');
    expect(errorCode(await request(cam, 'ingest', 'concat:/etc/passwd|/etc/hosts'))).toBe('INPUT_INVALID');
    expect(errorCode(await request(cam, 'ingest', 'not a url'))).toBe('INPUT_INVALID');
    expect(errorCode(await request(cam, 'ingest', { url: 'rtmp://x' }))).toBe('INPUT_INVALID');
    expect(await request(cam, 'ingest', null)).toMatchObject({ data: { ingest: null } });
  });
});
