import { mkdtempSync, writeFileSync } from 'node:fs';
import { connect as connectTcp } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { FrameResult, PicksPayload } from '../../stream-server/events.js';
import { jpegOf } from './support/color-encoder.js';
import { OTHER_STREAM_ID, OTHER_STREAM_TOKEN, OVERLAY_TOKEN, STREAM_ID, closeClients, overlay, producer, request, startTestServer, waitFor, type TestServer } from './support/server.js';

let server: TestServer | undefined;
afterEach(async () => {
  closeClients();
  await server?.close();
  server = undefined;
});

const RED = [230, 20, 10] as const;
const BLUE = [10, 20, 240] as const;

describe('throughput: one shared encoder, latest wins, no starvation', () => {
  it('given a slow encoder and a stream sending far faster, keeps only its newest frame and still serves a second stream', async () => {
    server = await startTestServer({ encode: { maxInFlight: 2, timeoutMs: 5000 } });
    server.encoder.delayMs = 120;
    const fast = producer(server.url);
    const slow = producer(server.url, { streamId: OTHER_STREAM_ID, token: OTHER_STREAM_TOKEN });
    await Promise.all([waitFor(fast, 'connect'), waitFor(slow, 'connect')]);
    const red = await jpegOf(RED);
    const blue = await jpegOf(BLUE);

    const t0 = Date.now();
    const fastAcks: Promise<{ data?: FrameResult }>[] = [];
    const slowAcks: Promise<{ data?: FrameResult }>[] = [];
    for (let i = 0; i < 30; i += 1) {
      fastAcks.push(request<FrameResult>(fast, 'frame', { image: red, capturedAt: t0 + i }) as Promise<{ data?: FrameResult }>);
      if (i % 10 === 0) slowAcks.push(request<FrameResult>(slow, 'frame', { image: blue, capturedAt: t0 + i }) as Promise<{ data?: FrameResult }>);
      await new Promise((resolve) => setTimeout(resolve, 15));
    }
    const fastResults = (await Promise.all(fastAcks)).map((a) => a.data!);
    const slowResults = (await Promise.all(slowAcks)).map((a) => a.data!);

    const encoded = fastResults.filter((r) => r.status === 'encoded').length;
    const superseded = fastResults.filter((r) => r.status === 'dropped' && r.reason === 'superseded').length;
    expect(encoded + superseded).toBe(30);
    // The encoder fell far behind; each call carried one frame (the pool batches, not the queue).
    const batchCount = server.encoder.batches.length;
    expect(server.encoder.batches.every((size) => size === 1)).toBe(true);
    expect(batchCount).toBeLessThan(15);
    expect(encoded).toBeLessThanOrEqual(batchCount);
    expect(superseded).toBeGreaterThanOrEqual(30 - batchCount);
    // The last frame sent is never the one dropped: latest wins.
    expect(fastResults.at(-1)).toMatchObject({ status: 'encoded' });
    // The quiet stream loses nothing.
    expect(slowResults.every((r) => r.status === 'encoded')).toBe(true);

    const dropped = await server.app.metrics.registry.getSingleMetricAsString('cuecast_stream_frames_dropped_total');
    expect(dropped).toContain(`reason="superseded"} ${superseded}`);
    const encodes = await server.app.metrics.registry.getSingleMetricAsString('cuecast_stream_encode_seconds');
    expect(encodes).toContain(`cuecast_stream_encode_seconds_count ${server.encoder.batches.length}`);
  });

  it('given a frame older than the newest one accepted, drops it as stale', async () => {
    server = await startTestServer();
    const cam = producer(server.url);
    const red = await jpegOf(RED);
    const now = Date.now();
    expect(await request(cam, 'frame', { image: red, capturedAt: now })).toMatchObject({ data: { status: 'encoded' } });
    expect(await request(cam, 'frame', { image: red, capturedAt: now - 500 })).toEqual({ data: { status: 'dropped', reason: 'stale' } });
  });
});

describe('operations', () => {
  it('answers /healthz, /readyz with its checks, and /metrics in the Prometheus format', async () => {
    let modelsLoaded = false;
    server = await startTestServer({}, { readiness: () => ({ models: modelsLoaded, catalog: true }) });
    expect(await (await fetch(`${server.url}/healthz`)).json()).toEqual({ status: 'ok' });
    const notReady = await fetch(`${server.url}/readyz`);
    expect(notReady.status).toBe(503);
    expect(await notReady.json()).toEqual({ status: 'not ready', checks: { accepting: true, models: false, catalog: true }, standIn: false });
    modelsLoaded = true;
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200);

    const viewer = overlay(server.url);
    await waitFor(viewer, 'state');
    const picked = waitFor<PicksPayload>(viewer, 'picks');
    await request(producer(server.url), 'frame', { image: await jpegOf(RED), capturedAt: Date.now() });
    await picked;
    const metrics = await fetch(`${server.url}/metrics`);
    expect(metrics.headers.get('content-type')).toContain('text/plain');
    const text = await metrics.text();
    expect(text).toContain('cuecast_stream_sessions 1');
    expect(text).toContain('cuecast_overlay_connections 1');
    expect(text).toContain('cuecast_stream_frames_received_total{source="socket"} 1');
    expect(text).toContain('cuecast_stream_picks_emitted_total 1');
    expect(text).toMatch(/cuecast_stream_encode_seconds_count 1/);
    expect(text).toMatch(/cuecast_stream_frame_to_pick_seconds_count [1-9]/);
    // Node's default metrics keep their standard names, so stock dashboards read them.
    expect(text).toContain('nodejs_eventloop_lag_p99_seconds');
    expect(text).toContain('process_cpu_seconds_total');
    expect(text).not.toMatch(/cuecast_(?:process|nodejs)_/);
    expect((await fetch(`${server.url}/nope`)).status).toBe(404);
  });

  it("serves socket.io's client bundle and the pages", async () => {
    server = await startTestServer();
    const bundle = await fetch(`${server.url}/socket.io/socket.io.min.js`);
    expect(bundle.status).toBe(200);
    expect((await bundle.text()).length).toBeGreaterThan(10_000);
    for (const path of ['/overlay', '/capture', '/pages/overlay.js', '/pages/capture.js', '/pages/overlay.css']) {
      expect((await fetch(`${server.url}${path}`)).status, path).toBe(200);
    }
    expect((await fetch(`${server.url}/pages/../app.ts`)).status).toBe(404);
  });

  it('on shutdown, finishes and acknowledges the frames it accepted, refuses new ones with SHUTTING_DOWN, then refuses connections', async () => {
    server = await startTestServer();
    server.encoder.delayMs = 200;
    const cam = producer(server.url);
    await waitFor(cam, 'connect');
    const pending = request(cam, 'frame', { image: await jpegOf(RED), capturedAt: Date.now() });
    await new Promise((resolve) => setTimeout(resolve, 50));
    const closing = server.close();
    expect((await fetch(`${server.url}/readyz`)).status).toBe(503);
    expect(await request(cam, 'frame', { image: await jpegOf(BLUE), capturedAt: Date.now() })).toMatchObject({ error: { code: 'SHUTTING_DOWN' } });
    expect(await pending).toMatchObject({ data: { status: 'encoded' } });
    await closing;
    const late = producer(server.url);
    await expect(waitFor(late, 'connect', 1000)).rejects.toThrow();
    server = undefined;
  });

  it('on shutdown, ends a connection still mid-request after the grace period instead of waiting for it', async () => {
    server = await startTestServer({ closeGraceMs: 300 });
    // A request whose headers never finish: the connection is active, so closing the HTTP server
    // alone would wait for Node's headers timeout (a minute) before it closed.
    const peer = connectTcp(server.port, '127.0.0.1');
    await new Promise((resolve, reject) => peer.once('connect', resolve).once('error', reject));
    peer.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n');
    const ended = new Promise((resolve) => peer.once('close', resolve));
    const started = Date.now();
    await server.close();
    await ended;
    expect(Date.now() - started).toBeLessThan(5000);
    server = undefined;
  });

  it("serves the picked track's audio with byte ranges behind the overlay token, and nothing else from the catalog", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cuecast-audio-'));
    const audio = Buffer.from(Array.from({ length: 1000 }, (_, i) => i % 256));
    writeFileSync(join(dir, 'ember.mp3'), audio);
    writeFileSync(join(dir, 'tide.mp3'), audio);
    server = await startTestServer({}, { audioPath: (id) => join(dir, `${id}.mp3`) });
    const viewer = overlay(server.url);
    expect(await waitFor(viewer, 'state')).toMatchObject({ audio: true });
    const picked = waitFor<PicksPayload>(viewer, 'picks');
    await request(producer(server.url), 'frame', { image: await jpegOf(RED), capturedAt: Date.now() });
    expect((await picked).tracks[0]!.id).toBe('ember');

    const base = `${server.url}/audio/ember?stream=${STREAM_ID}&token=${OVERLAY_TOKEN}`;
    const ranged = await fetch(base, { headers: { range: 'bytes=100-199' } });
    expect(ranged.status).toBe(206);
    expect(ranged.headers.get('content-range')).toBe('bytes 100-199/1000');
    expect(ranged.headers.get('content-type')).toBe('audio/mpeg');
    expect(Buffer.from(await ranged.arrayBuffer())).toEqual(audio.subarray(100, 200));
    const suffix = await fetch(base, { headers: { range: 'bytes=-10' } });
    expect(Buffer.from(await suffix.arrayBuffer())).toEqual(audio.subarray(990));
    expect((await fetch(base, { headers: { range: 'bytes=5000-' } })).status).toBe(416);
    const whole = await fetch(base);
    expect(whole.status).toBe(200);
    expect(whole.headers.get('accept-ranges')).toBe('bytes');

    expect((await fetch(`${server.url}/audio/ember?stream=${STREAM_ID}&token=wrong-token`)).status).toBe(401);
    expect((await fetch(`${server.url}/audio/ember?stream=${STREAM_ID}`)).status).toBe(401);
    // 'tide' is in the catalog but not among the stream's picks.
    expect((await fetch(`${server.url}/audio/tide?stream=${STREAM_ID}&token=${OVERLAY_TOKEN}`)).status).toBe(404);
  });
});
