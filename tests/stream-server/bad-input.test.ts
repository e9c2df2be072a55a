import { afterEach, describe, expect, it } from 'vitest';
import type { FrameResult, PicksPayload, ProblemPayload } from '../../stream-server/events.js';
import { jpegOf } from './support/color-encoder.js';
import {
  OTHER_STREAM_ID,
  OTHER_STREAM_TOKEN,
  closeClients,
  errorCode,
  overlay,
  producer,
  request,
  startTestServer,
  waitFor,
  waitUntil,
  type ProducerSocket,
  type TestOptions,
  type TestServer,
} from './support/server.js';
import { stringContaining } from '../support/matchers.js';

const RED = [230, 20, 10] as const;
const BLUE = [10, 20, 240] as const;

let server: TestServer | undefined;
async function start(options: TestOptions = {}): Promise<TestServer> {
  server = await startTestServer(options);
  return server;
}
afterEach(async () => {
  closeClients();
  await server?.close();
  server = undefined;
});

const frame = (socket: ProducerSocket, image: unknown, capturedAt: unknown = Date.now()) => request<FrameResult>(socket, 'frame', { image, capturedAt });

/** A PNG whose header declares `width` x `height` (nothing after the header). */
function pngHeader(width: number, height: number): Buffer {
  const header = Buffer.alloc(33);
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]).copy(header, 0);
  header.writeUInt32BE(13, 8);
  header.write('IHDR', 12, 'ascii');
  header.writeUInt32BE(width, 16);
  header.writeUInt32BE(height, 20);
  return header;
}

/** After each bad input: the same producer, and another stream, still get their frames encoded. */
async function stillServes(s: TestServer, socket: ProducerSocket): Promise<void> {
  expect(await frame(socket, await jpegOf(BLUE))).toMatchObject({ data: { status: 'encoded' } });
  const other = producer(s.url, { streamId: OTHER_STREAM_ID, token: OTHER_STREAM_TOKEN });
  expect(await frame(other, await jpegOf(RED))).toMatchObject({ data: { status: 'encoded' } });
}

describe('stream server: bad input gets an error code for that client only', () => {
  it('given bytes that are not an image, answers INPUT_INVALID before decoding anything', async () => {
    const s = await start();
    const cam = producer(s.url);
    const ack = await frame(cam, Buffer.from('GIF89a this is not a supported frame'));
    expect(ack).toMatchObject({ error: { code: 'INPUT_INVALID', message: 'The frame is not a JPEG, PNG or WebP image' } });
    expect(s.encoder.batches).toEqual([]);
    await stillServes(s, cam);
  });

  it('given an image that is not binary (a base64 string) or a missing capture time, answers INPUT_INVALID', async () => {
    const s = await start();
    const cam = producer(s.url);
    const jpeg = await jpegOf(RED);
    expect(errorCode(await frame(cam, jpeg.toString('base64')))).toBe('INPUT_INVALID');
    expect(errorCode(await frame(cam, jpeg, 'yesterday'))).toBe('INPUT_INVALID');
    expect(errorCode(await frame(cam, jpeg, Date.now() + 3_600_000))).toBe('INPUT_INVALID');
    expect(errorCode(await request(cam, 'frame', 'just a string'))).toBe('INPUT_INVALID');
    await stillServes(s, cam);
  });

  it('given a frame over the byte limit, answers MEDIA_TOO_LARGE', async () => {
    const s = await start({ limits: { maxFrameBytes: 64 * 1024 } });
    const cam = producer(s.url);
    const big = Buffer.concat([await jpegOf(RED), Buffer.alloc(100 * 1024)]);
    expect(await frame(cam, big)).toMatchObject({ error: { code: 'MEDIA_TOO_LARGE' } });
    expect(s.encoder.batches).toEqual([]);
    await stillServes(s, cam);
  });

  it('given a small file that declares a huge bitmap (decompression bomb), answers MEDIA_TOO_LARGE from the header', async () => {
    const s = await start();
    const cam = producer(s.url);
    expect(await frame(cam, pngHeader(100_000, 100_000))).toMatchObject({ error: { code: 'MEDIA_TOO_LARGE', message: stringContaining('100000x100000') } });
    expect(s.encoder.batches).toEqual([]);
  });

  it('given a payload beyond what socket.io buffers, drops that connection only', async () => {
    const s = await start({ limits: { maxFrameBytes: 64 * 1024 } });
    const bystander = producer(s.url, { streamId: OTHER_STREAM_ID, token: OTHER_STREAM_TOKEN });
    await waitFor(bystander, 'connect');
    const cam = producer(s.url);
    await waitFor(cam, 'connect');
    const gone = waitFor(cam, 'disconnect');
    cam.emit('frame', { image: Buffer.alloc(1024 * 1024, 1), capturedAt: Date.now() }, () => {});
    await gone;
    expect(await frame(bystander, await jpegOf(RED))).toMatchObject({ data: { status: 'encoded' } });
  });

  it('given a malformed image in flight beside a good frame of another stream, fails only the malformed one with MEDIA_UNREADABLE', async () => {
    const s = await start();
    s.encoder.delayMs = 100;
    const cam = producer(s.url);
    const other = producer(s.url, { streamId: OTHER_STREAM_ID, token: OTHER_STREAM_TOKEN });
    await Promise.all([waitFor(cam, 'connect'), waitFor(other, 'connect')]);
    // A busy encoder, so the next two frames wait together (the worker pool batches them; the queue hands them on one by one).
    const warmup = frame(producer(s.url), await jpegOf(BLUE));
    const jpeg = await jpegOf(RED);
    const broken = Buffer.concat([jpeg.subarray(0, 200), Buffer.alloc(400, 0x55)]);
    const [bad, good] = await Promise.all([frame(cam, broken), frame(other, jpeg)]);
    await warmup;
    expect(bad).toMatchObject({ error: { code: 'MEDIA_UNREADABLE' } });
    expect(good).toMatchObject({ data: { status: 'encoded' } });
  });

  it('given an unknown event, answers INPUT_INVALID by ack or as a `problem` event, and the connection stays', async () => {
    const s = await start();
    const cam = producer(s.url);
    expect(await request(cam, 'delete-everything', { all: true })).toMatchObject({ error: { code: 'INPUT_INVALID', message: stringContaining('expected one of: frame, prompt, refine, ingest') } });
    const problem = waitFor<ProblemPayload>(cam, 'problem');
    (cam as unknown as { emit(e: string, ...a: unknown[]): void }).emit('shout', 'hello');
    expect(await problem).toMatchObject({ event: 'shout', error: { code: 'INPUT_INVALID' } });
    expect(cam.connected).toBe(true);
    await stillServes(s, cam);
  });

  it('given a frame without an acknowledgement, sends a `problem` event instead of failing silently', async () => {
    const s = await start();
    const cam = producer(s.url);
    const problem = waitFor<ProblemPayload>(cam, 'problem');
    (cam as unknown as { emit(e: string, ...a: unknown[]): void }).emit('frame', { image: await jpegOf(RED), capturedAt: Date.now() });
    expect(await problem).toMatchObject({ event: 'frame', error: { code: 'INPUT_INVALID' } });
  });

  it('given an overlong prompt or refinement, answers PROMPT_TOO_LONG and keeps the previous prompt', async () => {
    const s = await start({ limits: { maxPromptChars: 100 } });
    const cam = producer(s.url);
    expect(await request(cam, 'prompt', 'calm')).toMatchObject({ data: { prompt: 'calm' } });
    expect(await request(cam, 'prompt', 'x'.repeat(101))).toMatchObject({ error: { code: 'PROMPT_TOO_LONG', message: stringContaining('101 characters') } });
    expect(await request(cam, 'refine', 'y'.repeat(5000))).toMatchObject({ error: { code: 'PROMPT_TOO_LONG' } });
    expect(await request(cam, 'prompt', { text: 'calm' })).toMatchObject({ error: { code: 'INPUT_INVALID' } });
    expect(s.app.sessions.get('alpha')!.summary()).toMatchObject({ prompt: 'calm', refinements: [] });
  });

  it('given a flood beyond the per-stream rate, answers RATE_LIMITED for the excess while another stream keeps its frames', async () => {
    const s = await start({ limits: { maxFramesPerSecond: 2, frameBurst: 3 } });
    const cam = producer(s.url);
    const other = producer(s.url, { streamId: OTHER_STREAM_ID, token: OTHER_STREAM_TOKEN });
    const jpeg = await jpegOf(RED);
    const start0 = Date.now();
    const acks = await Promise.all(Array.from({ length: 40 }, (_, i) => frame(cam, jpeg, start0 + i)));
    const limited = acks.filter((a) => errorCode(a) === 'RATE_LIMITED').length;
    expect(limited).toBeGreaterThanOrEqual(36);
    expect(acks.length - limited).toBeLessThanOrEqual(4);
    expect(await frame(other, jpeg)).toMatchObject({ data: { status: 'encoded' } });
    const metrics = await s.app.metrics.registry.getSingleMetricAsString('cuecast_stream_frames_dropped_total');
    expect(metrics).toContain(`reason="rate_limited"} ${limited}`);
  });

  it('given a client that vanishes while its frame is being encoded, the server stays up, serves others and ends the session', async () => {
    const s = await start();
    s.encoder.delayMs = 150;
    const cam = producer(s.url);
    await waitFor(cam, 'connect');
    cam.emit('frame', { image: await jpegOf(RED), capturedAt: Date.now() }, () => {});
    await waitUntil(() => s.encoder.batches.length > 0, 2000, 'the encoder to start');
    cam.disconnect();
    const viewer = overlay(s.url, { streamId: OTHER_STREAM_ID, token: 'beta-overlay-token' });
    await waitFor(viewer, 'state');
    const picked = waitFor<PicksPayload>(viewer, 'picks');
    const other = producer(s.url, { streamId: OTHER_STREAM_ID, token: OTHER_STREAM_TOKEN });
    expect(await frame(other, await jpegOf(BLUE))).toMatchObject({ data: { status: 'encoded' } });
    expect((await picked).tracks[0]!.id).toBe('tide');
    await waitUntil(() => !s.app.sessions.has('alpha'), 3000, 'the vanished stream to end');
    expect(s.app.sessions.has(OTHER_STREAM_ID)).toBe(true);
  });
});
