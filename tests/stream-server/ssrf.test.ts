import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { IngestStatus } from '../../stream-server/events.js';
import { mediaFrameSource } from '../../stream-server/media-frame-source.js';
import { closeClients, errorCode, producer, request, startTestServer, waitUntil, type TestOptions, type TestServer } from './support/server.js';
import { stringContaining, stringMatching } from '../support/matchers.js';

let dir: string;
let server: TestServer | undefined;
const origins: Server[] = [];

/** A loopback HTTP server on `host` that records every request and answers with `handler`. */
async function origin(host: string, handler: (request: IncomingMessage, response: ServerResponse) => void): Promise<{ base: string; requests: string[] }> {
  const requests: string[] = [];
  const http = createServer((request, response) => {
    requests.push(request.url ?? '');
    handler(request, response);
  });
  await new Promise<void>((resolve) => http.listen(0, host, resolve));
  origins.push(http);
  const { port } = http.address() as { port: number };
  return { base: `http://${host}:${port}`, requests };
}

const serveDir = (request: IncomingMessage, response: ServerResponse) => {
  try {
    response.end(readFileSync(join(dir, new URL(request.url ?? '/', 'http://x').pathname.slice(1))));
  } catch {
    response.writeHead(404).end();
  }
};

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'cuecast-ssrf-'));
  const made = spawnSync(
    'ffmpeg',
    [
      '-v',
      'error',
      '-f',
      'lavfi',
      '-i',
      'color=c=0xE6140A:s=96x64:r=10:d=4',
      '-c:v',
      'libx264',
      '-pix_fmt',
      'yuv420p',
      '-f',
      'hls',
      '-hls_time',
      '1',
      '-hls_list_size',
      '0',
      '-hls_playlist_type',
      'vod',
      '-hls_segment_filename',
      join(dir, 'seg%d.ts'),
      join(dir, 'index.m3u8'),
    ],
    { timeout: 30_000 },
  );
  if (made.status !== 0) throw new Error(`ffmpeg could not make the test playlist: ${made.stderr.toString()}`);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(async () => {
  closeClients();
  await server?.close();
  server = undefined;
  for (const http of origins.splice(0)) {
    http.closeAllConnections();
    http.close();
  }
});

const ingest = (extra: Partial<TestOptions> = {}): TestOptions => ({
  session: { ingest: { fps: 2, stallTimeoutMs: 5000, backoffInitialMs: 100, backoffMaxMs: 400, maxFailedAttempts: 3 } },
  ...extra,
});

function statuses(socket: ReturnType<typeof producer>): IngestStatus[] {
  const seen: IngestStatus[] = [];
  socket.on('ingest', (status) => seen.push(status));
  return seen;
}

describe('ingest reaches only public addresses unless the operator allows more', () => {
  it('refuses loopback in every notation (and rtmp/srt to it) with URL_FORBIDDEN, before any request is made', async () => {
    const local = await origin('127.0.0.1', serveDir);
    const port = new URL(local.base).port;
    server = await startTestServer(ingest({ allowFileUrls: false }), { frameSource: mediaFrameSource() });
    const cam = producer(server.url);
    for (const url of [
      `${local.base}/index.m3u8`,
      `http://0x7f000001:${port}/index.m3u8`,
      `http://2130706433:${port}/index.m3u8`,
      `http://0177.0.0.1:${port}/index.m3u8`,
      `http://127.1:${port}/index.m3u8`,
      `http://localhost:${port}/index.m3u8`,
      `http://[::1]:${port}/index.m3u8`,
      `http://[::ffff:127.0.0.1]:${port}/index.m3u8`,
      `https://127.0.0.1:${port}/index.m3u8`,
      `rtmp://127.0.0.1:${port}/live/key`,
      `srt://127.0.0.1:${port}`,
      `http://169.254.169.254/latest/meta-data/`,
    ]) {
      const ack = await request(cam, 'ingest', url);
      expect(errorCode(ack), url).toBe('URL_FORBIDDEN');
      expect(JSON.stringify(ack)).not.toMatch(/ffmpeg|Connection refused/);
    }
    expect(local.requests).toEqual([]);
  });

  it('refuses rtsp, udp and tcp URLs as unsupported', async () => {
    server = await startTestServer(ingest(), { frameSource: mediaFrameSource() });
    const cam = producer(server.url);
    for (const url of ['rtsp://127.0.0.1:8554/x', 'udp://127.0.0.1:1234', 'tcp://127.0.0.1:1234']) {
      expect(errorCode(await request(cam, 'ingest', url)), url).toBe('INPUT_INVALID');
    }
  });

  it('with 127.0.0.1 allowed, an HLS playlist there is ingested through the checked proxy', async () => {
    const local = await origin('127.0.0.1', serveDir);
    server = await startTestServer(ingest({ ingestAllowCidrs: ['127.0.0.1/32'] }), { frameSource: mediaFrameSource({ size: 32 }) });
    const cam = producer(server.url);
    const seen = statuses(cam);
    expect(await request(cam, 'ingest', `${local.base}/index.m3u8`)).toMatchObject({ data: { ingest: { state: 'starting' } } });
    await waitUntil(() => seen.some((s) => s.state === 'running'), 20_000, 'the playlist to play');
    expect(local.requests).toContain('/seg0.ts');
  });

  it('segments on a refused host are not fetched: the ingest fails with URL_FORBIDDEN at once', async () => {
    const segments = await origin('127.0.0.2', serveDir);
    const playlist = readFileSync(join(dir, 'index.m3u8'), 'utf8').replace(/^(seg\d+\.ts)$/gm, `${segments.base}/$1`);
    const local = await origin('127.0.0.1', (_request, response) => response.writeHead(200, { 'content-type': 'application/vnd.apple.mpegurl' }).end(playlist));
    server = await startTestServer(ingest({ ingestAllowCidrs: ['127.0.0.1/32'] }), { frameSource: mediaFrameSource() });
    const cam = producer(server.url);
    const seen = statuses(cam);
    await request(cam, 'ingest', `${local.base}/live.m3u8`);
    await waitUntil(() => seen.some((s) => s.state === 'failed'), 20_000, 'the ingest to fail');
    expect(seen.map((s) => s.state)).toEqual(['failed']);
    expect(seen.at(-1)!.lastError).toMatchObject({ code: 'URL_FORBIDDEN', message: stringContaining('loopback') });
    expect(segments.requests).toEqual([]);
    expect(local.requests.length).toBeGreaterThan(0);
  });

  it('a redirect to a refused host is not followed', async () => {
    const target = await origin('127.0.0.2', serveDir);
    const local = await origin('127.0.0.1', (_request, response) => response.writeHead(302, { location: `${target.base}/index.m3u8` }).end());
    server = await startTestServer(ingest({ ingestAllowCidrs: ['127.0.0.1/32'] }), { frameSource: mediaFrameSource() });
    const cam = producer(server.url);
    const seen = statuses(cam);
    await request(cam, 'ingest', `${local.base}/start.m3u8`);
    await waitUntil(() => seen.some((s) => s.state === 'failed'), 20_000, 'the ingest to fail');
    expect(seen.at(-1)!.lastError).toMatchObject({ code: 'URL_FORBIDDEN' });
    expect(target.requests).toEqual([]);
  });

  it('statuses carry the URL without credentials or query, and a plain reason instead of ffmpeg stderr', async () => {
    const local = await origin('127.0.0.1', (_request, response) => response.writeHead(404).end('nope'));
    server = await startTestServer(ingest({ ingestAllowCidrs: ['127.0.0.1/32'] }), { frameSource: mediaFrameSource() });
    const cam = producer(server.url);
    const seen = statuses(cam);
    const url = `${local.base.replace('http://', 'http://bob:hunter2@')}/live.m3u8?token=s3cr3t`;
    const ack = await request(cam, 'ingest', url);
    await waitUntil(() => seen.some((s) => s.state === 'failed'), 20_000, 'the ingest to fail');
    const text = JSON.stringify([ack, seen]);
    for (const secret of ['hunter2', 's3cr3t', 'bob']) expect(text).not.toContain(secret);
    expect(text).not.toMatch(/ffmpeg|http @|Server returned/);
    expect(seen.at(-1)!.lastError).toMatchObject({ code: 'MEDIA_NOT_FOUND' });
    expect(seen.map((s) => s.state)).toEqual(['failed']);
  });

  it('a non-faststart mp4 from a server without Range support gets its own message, not "corrupt" or "unreachable"', async () => {
    const big = join(dir, 'moov-at-end.mp4');
    const made = spawnSync('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc=s=640x360:r=25:d=20', '-c:v', 'libx264', '-preset', 'ultrafast', '-b:v', '4M', '-y', big], { timeout: 60_000 });
    expect(made.status).toBe(0);
    // Like `python3 -m http.server`: the whole file, 200, whatever Range asks for.
    const local = await origin('127.0.0.1', (_request, response) => response.writeHead(200, { 'content-type': 'video/mp4' }).end(readFileSync(big)));
    server = await startTestServer(ingest({ ingestAllowCidrs: ['127.0.0.1/32'] }), { frameSource: mediaFrameSource() });
    const cam = producer(server.url);
    const seen = statuses(cam);
    await request(cam, 'ingest', `${local.base}/moov-at-end.mp4`);
    await waitUntil(() => seen.some((s) => s.state === 'failed'), 30_000, 'the ingest to fail');
    expect(seen.at(-1)!.lastError).toMatchObject({ code: 'MEDIA_UNREADABLE', message: stringMatching(/Range.*faststart|faststart.*Range/) });
  }, 90_000);
});
