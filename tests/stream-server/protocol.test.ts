import { io as connect } from 'socket.io-client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FrameResult, OverlayState, PicksPayload, SessionSummary } from '../../stream-server/events.js';
import { jpegOf } from './support/color-encoder.js';
import { OTHER_OVERLAY_TOKEN, OTHER_STREAM_ID, OVERLAY_TOKEN, STREAM_ID, STREAM_TOKEN, closeClients, overlay, producer, request, startTestServer, waitFor, type TestServer } from './support/server.js';
import { stringContaining } from '../support/matchers.js';

const RED = [230, 20, 10] as const;

let server: TestServer;
beforeEach(async () => {
  server = await startTestServer();
});
afterEach(async () => {
  closeClients();
  await server.close();
});

async function sendFrame(socket: ReturnType<typeof producer>, image: Buffer, capturedAt = Date.now()) {
  return request<FrameResult>(socket, 'frame', { image, capturedAt });
}

describe('stream protocol: frames in, picks out', () => {
  it('given red frames from a producer, the overlay receives picks for the red scene with seq and basis', async () => {
    const viewer = overlay(server.url);
    const initial = await waitFor<OverlayState>(viewer, 'state');
    expect(initial).toEqual({ streamId: STREAM_ID, picks: null, audio: false });

    const cam = producer(server.url);
    const picksArrived = waitFor<PicksPayload>(viewer, 'picks');
    const red = await jpegOf(RED);
    const ack = await sendFrame(cam, red);
    expect(ack).toEqual({ data: { status: 'encoded', windowFrames: 1 } });

    const picks = await picksArrived;
    expect(picks.seq).toBe(1);
    expect(picks.streamId).toBe(STREAM_ID);
    expect(picks.basis).toEqual({ frames: 1, prompt: '' });
    expect(picks.tracks[0]).toMatchObject({ id: 'ember', title: 'Ember Run', artist: 'The Reds', segmentStart: 15 });
    expect(picks.tracks.map((t) => t.id)).not.toContain('tide');
    expect(picks.tracks[0]!.why).toMatch(/scene/);
    expect(typeof picks.at).toBe('number');
  });

  it('given a prompt and a refinement, acknowledges with the session summary and re-picks at once', async () => {
    const viewer = overlay(server.url);
    await waitFor(viewer, 'state');
    const cam = producer(server.url);
    const prompted = waitFor<PicksPayload>(viewer, 'picks');
    const ack = await request<SessionSummary>(cam, 'prompt', 'calm water at night');
    expect(ack).toEqual({ data: { streamId: STREAM_ID, prompt: 'calm water at night', refinements: [], windowFrames: 0, ingest: null } });
    expect((await prompted).tracks[0]!.id).toBe('tide');

    const refined = waitFor<PicksPayload>(viewer, 'picks');
    const refineAck = await request<SessionSummary>(cam, 'refine', 'no calm');
    expect(refineAck).toMatchObject({ data: { refinements: ['no calm'] } });
    const after = await refined;
    expect(after.seq).toBe(2);
    expect(after.basis.prompt).toBe('calm water at night; no calm');
    expect(after.tracks.map((t) => t.id)).not.toContain('tide');
  });

  it('given an overlay that connects after picks were made, sends them in `state` and answers a `state` request', async () => {
    const cam = producer(server.url);
    const first = overlay(server.url);
    await waitFor(first, 'state');
    const picked = waitFor<PicksPayload>(first, 'picks');
    await sendFrame(cam, await jpegOf(RED));
    const picks = await picked;

    const late = overlay(server.url);
    const state = await waitFor<OverlayState>(late, 'state');
    expect(state.picks).toEqual(picks);
    expect(await request<OverlayState>(late, 'state')).toEqual({ data: state });
  });

  it('keeps streams apart: an overlay of another stream sees none of these picks', async () => {
    const mine = overlay(server.url);
    const theirs = overlay(server.url, { streamId: OTHER_STREAM_ID, token: OTHER_OVERLAY_TOKEN });
    await Promise.all([waitFor(mine, 'state'), waitFor(theirs, 'state')]);
    let leaked = 0;
    theirs.on('picks', () => (leaked += 1));
    const picked = waitFor<PicksPayload>(mine, 'picks');
    await sendFrame(producer(server.url), await jpegOf(RED));
    await picked;
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(leaked).toBe(0);
  });
});

describe('stream protocol: sessions', () => {
  it('given two producers of one stream (a capture page and a chat bot), one leaving keeps the session and its prompt', async () => {
    const capture = producer(server.url);
    const bot = producer(server.url);
    await request(bot, 'prompt', 'calm water');
    await sendFrame(capture, await jpegOf(RED));
    bot.disconnect();
    await new Promise((resolve) => setTimeout(resolve, 400)); // past the 200 ms grace
    expect(server.app.sessions.get(STREAM_ID)?.summary()).toMatchObject({ prompt: 'calm water', windowFrames: 1 });
  });

  it('given a producer that reconnects within the grace period, keeps the window; after it, starts afresh', async () => {
    const first = producer(server.url);
    await sendFrame(first, await jpegOf(RED));
    first.disconnect();
    const again = producer(server.url);
    expect(await request(again, 'prompt', 'x')).toMatchObject({ data: { windowFrames: 1 } });
    again.disconnect();
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(server.app.sessions.has(STREAM_ID)).toBe(false);
    expect(await request(producer(server.url), 'prompt', 'x')).toMatchObject({ data: { windowFrames: 0 } });
  });
});

describe('stream protocol: auth', () => {
  const rejected = async (socket: ReturnType<typeof producer> | ReturnType<typeof overlay>) => {
    const error = await waitFor<Error & { data?: { code: string } }>(socket, 'connect_error');
    return error.data?.code;
  };

  it('given no token, a producer is refused with UNAUTHORIZED', async () => {
    expect(await rejected(producer(server.url, { streamId: STREAM_ID }))).toBe('UNAUTHORIZED');
  });

  it('given a wrong token, a producer is refused with UNAUTHORIZED', async () => {
    expect(await rejected(producer(server.url, { streamId: STREAM_ID, token: 'not-the-token' }))).toBe('UNAUTHORIZED');
  });

  it("given another stream's token, a producer is refused with UNAUTHORIZED", async () => {
    expect(await rejected(producer(server.url, { streamId: OTHER_STREAM_ID, token: STREAM_TOKEN }))).toBe('UNAUTHORIZED');
  });

  it('given an unknown or malformed stream id, both namespaces refuse with UNAUTHORIZED', async () => {
    expect(await rejected(producer(server.url, { streamId: '../etc', token: STREAM_TOKEN }))).toBe('UNAUTHORIZED');
    expect(await rejected(overlay(server.url, { streamId: 42, token: OVERLAY_TOKEN }))).toBe('UNAUTHORIZED');
  });

  it('given an overlay token, the producer namespace refuses it, and a producer token does not open an overlay', async () => {
    expect(await rejected(producer(server.url, { streamId: STREAM_ID, token: OVERLAY_TOKEN }))).toBe('UNAUTHORIZED');
    expect(await rejected(overlay(server.url, { streamId: STREAM_ID, token: STREAM_TOKEN }))).toBe('UNAUTHORIZED');
  });

  it('given a connection to the main namespace or an unknown one, refuses it', async () => {
    const main = connect(server.url, { transports: ['websocket'], reconnection: false, forceNew: true, auth: { streamId: STREAM_ID, token: STREAM_TOKEN } });
    const unknown = connect(`${server.url}/admin`, { transports: ['websocket'], reconnection: false, forceNew: true });
    try {
      expect(await rejected(main as never)).toBe('NOT_FOUND');
      expect((await waitFor<Error>(unknown, 'connect_error')).message).toBe('Invalid namespace');
    } finally {
      main.disconnect();
      unknown.disconnect();
    }
  });

  it('given an overlay trying to send a frame, answers INPUT_INVALID: overlays are read-only', async () => {
    const viewer = overlay(server.url);
    await waitFor(viewer, 'state');
    const ack = await request(viewer, 'frame', { image: await jpegOf(RED), capturedAt: Date.now() });
    expect(ack).toMatchObject({ error: { code: 'INPUT_INVALID', message: stringContaining('Unknown event "frame"') } });
    expect(server.encoder.batches).toEqual([]);
  });
});
