import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { probe } from '../../core/media/index.js';
import { makeAudio, makeImage, makeVideo, pseudoRandomBytes } from '../support/media.js';
import { auth, bytesOf, startStudioServer, STUDIO_TOKEN, uploadClip, type StudioServer } from './support/studio.js';
import { stringMatching } from '../support/matchers.js';

let server: StudioServer | undefined;
let work: string;

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'cuecast-studio-test-'));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));
afterEach(async () => {
  await server?.stop(true);
  server = undefined;
});

const post = (url: string, body: unknown) => fetch(url, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify(body) });
const errorOf = async (response: Response) => ((await response.json()) as { error: { code: string; message: string } }).error;

interface View {
  key: string;
  clip: { id: string; name: string; duration: number; videoCodec: string };
  prompt: string;
  history: string[];
  canUndo: boolean;
  notes: string[];
  picks: { trackId: string; title: string; why: string; tags: string[]; parts: Record<string, number>; segmentStart: number; suggestedStart: number; segmentSeconds: number; trackSeconds: number }[];
}

describe('the studio over HTTP', () => {
  it('refuses the page and the API without the studio token, and serves the page with a strict CSP with it', async () => {
    server = await startStudioServer();
    expect((await fetch(`${server.url}/studio`)).status).toBe(401);
    const wrong = await fetch(`${server.url}/studio?token=not-the-token`);
    expect(wrong.status).toBe(401);
    expect(await wrong.text()).toMatch(/UNAUTHORIZED: the studio needs its token/);
    const api = await fetch(`${server.url}/studio/api/uploads`, { method: 'POST', body: '{}' });
    expect(api.status).toBe(401);
    expect((await errorOf(api)).code).toBe('UNAUTHORIZED');
    expect((await fetch(`${server.url}/studio/api/clips/${'a'.repeat(16)}/video?token=nope`)).status).toBe(401);

    const page = await fetch(`${server.url}/studio?token=${STUDIO_TOKEN}`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toMatch(/default-src 'none'; script-src 'self'; style-src 'self'/);
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    expect(page.headers.get('referrer-policy')).toBe('no-referrer');
    const html = await page.text();
    expect(html).not.toMatch(/<script>|<style>|\sstyle="|\son\w+="/);
    expect(html).not.toMatch(/https?:\/\//);
    expect((await fetch(`${server.url}/studio/studio.js`)).headers.get('content-type')).toMatch(/javascript/);
    // The other routes still answer as before.
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  });

  it('refuses, with a specific code and message each, clips declared too large or not video, and contents that are not video', async () => {
    server = await startStudioServer();
    const big = await post(`${server.url}/studio/api/uploads`, { name: 'holiday.mp4', size: 5 * 1024 * 1024, type: 'video/mp4' });
    expect(big.status).toBe(413);
    expect(await errorOf(big)).toMatchObject({ code: 'MEDIA_TOO_LARGE', message: stringMatching(/holiday\.mp4 is 5242880 bytes, over the 4194304 byte limit/) });

    const image = await post(`${server.url}/studio/api/uploads`, { name: 'still.png', size: 1000, type: 'image/png' });
    expect(image.status).toBe(415);
    expect(await errorOf(image)).toMatchObject({ code: 'MEDIA_NO_VIDEO', message: stringMatching(/still\.png is not a video \(image\/png\)/) });

    const empty = await post(`${server.url}/studio/api/uploads`, { name: 'empty.mp4', size: 0, type: 'video/mp4' });
    expect((await errorOf(empty)).code).toBe('MEDIA_EMPTY');

    // A PNG renamed to .mp4 and declared as video: its first bytes give it away.
    const renamed = await uploadClip(server.url, await bytesOf(await makeImage()), { name: 'clip.mp4', type: 'video/mp4' });
    expect(renamed.status).toBe(415);
    expect(renamed.body.error).toMatchObject({ code: 'MEDIA_NO_VIDEO', message: 'clip.mp4 is not a video: its content is a PNG image' });
    const text = await uploadClip(server.url, new TextEncoder().encode('just some notes, not a film\n'.repeat(20)), { name: 'notes.mp4', type: '' });
    expect(text.body.error).toMatchObject({ code: 'MEDIA_NO_VIDEO', message: 'notes.mp4 is not a video: its content is text' });

    // An audio-only MP4 passes the sniff (it is an MP4) and is refused when probed.
    const audioOnly = await uploadClip(server.url, await bytesOf(await makeAudio('m4a', 3)), { name: 'song.mp4', type: 'video/mp4' });
    expect(audioOnly.body.error).toMatchObject({ code: 'MEDIA_NO_VIDEO', message: stringMatching(/no video \(it is audio only\)/) });
  });

  it('refuses clips over the duration limit, corrupt clips, out-of-order or oversized chunks, and bytes past the declared size', async () => {
    server = await startStudioServer({ limits: { maxClipSeconds: 4 } });
    const long = await uploadClip(server.url, await bytesOf(await makeVideo({ container: 'webm', seconds: 6, width: 64, height: 48 })), { name: 'long.webm', type: 'video/webm' });
    expect(long.status).toBe(422);
    expect(long.body.error).toMatchObject({ code: 'MEDIA_TOO_LONG', message: stringMatching(/long\.webm lasts 6 s, over the limit of 4 s/) });

    const good = await bytesOf(await makeVideo({ container: 'mp4', seconds: 3, width: 64, height: 48 }));
    const corrupt = good.slice();
    corrupt.set(
      pseudoRandomBytes(corrupt.length - 64).map((b, i) => (i < 32 ? corrupt[i]! : b)),
      0,
    );
    const broken = await uploadClip(server.url, corrupt, { name: 'broken.mp4', type: 'video/mp4' });
    expect(broken.body.error?.code).toMatch(/^MEDIA_(UNREADABLE|EMPTY|NO_VIDEO)$/);

    const begin = (await (await post(`${server.url}/studio/api/uploads`, { name: 'a.mp4', size: good.length, type: 'video/mp4' })).json()) as { id: string; chunkBytes: number };
    const skip = await fetch(`${server.url}/studio/api/uploads/${begin.id}?offset=100`, { method: 'PUT', headers: auth, body: Buffer.from(good.subarray(100, 200)) });
    expect(skip.status).toBe(400);
    expect((await errorOf(skip)).message).toBe('The next chunk must start at byte 0, not 100');
    const huge = await fetch(`${server.url}/studio/api/uploads/${begin.id}?offset=0`, { method: 'PUT', headers: auth, body: Buffer.alloc(begin.chunkBytes + 1) });
    expect((await errorOf(huge)).message).toMatch(/A chunk is at most 65536 bytes/);

    const small = (await (await post(`${server.url}/studio/api/uploads`, { name: 'b.mp4', size: 1000, type: 'video/mp4' })).json()) as { id: string };
    const over = await fetch(`${server.url}/studio/api/uploads/${small.id}?offset=0`, { method: 'PUT', headers: auth, body: Buffer.from(good.subarray(0, 2000)) });
    expect(over.status).toBe(413);
    expect((await errorOf(over)).message).toMatch(/longer than the 1000 bytes it declared/);
    const early = await post(`${server.url}/studio/api/uploads/${small.id}/finish`, {});
    expect((await errorOf(early)).code).toBe('NOT_FOUND');
    // At most maxActiveUploads (4) at once; the fifth waits with BUSY, and a finished one frees a place.
    const open: string[] = [];
    for (let i = 0; i < 4; i++) open.push(((await (await post(`${server.url}/studio/api/uploads`, { name: `c${i}.mp4`, size: 10, type: 'video/mp4' })).json()) as { id: string }).id);
    const fifth = await post(`${server.url}/studio/api/uploads`, { name: 'c5.mp4', size: 10, type: 'video/mp4' });
    expect(fifth.status).toBe(503);
    expect((await errorOf(fifth)).code).toBe('BUSY');
    for (const id of open) expect((await fetch(`${server.url}/studio/api/uploads/${id}`, { method: 'DELETE', headers: auth })).status).toBe(200);
    // The server still serves a good clip after all that.
    const fine = await uploadClip(server.url, good, { name: 'fine.mp4', type: 'video/mp4' });
    expect(fine.status).toBe(201);
  });

  it('runs a whole conversation: picks from the clip, refine, more like, not this, undo, a moved segment, audio by range, waveform, exports; it survives a restart', async () => {
    server = await startStudioServer();
    const clipBytes = await bytesOf(await makeVideo({ container: 'webm', seconds: 5, width: 160, height: 120, scenes: ['red'] }));
    const started = await uploadClip(server.url, clipBytes, { name: 'sunset ride.webm', type: 'video/webm' }, 'energetic');
    expect(started.status).toBe(201);
    let view = started.body as unknown as View;
    expect(view.clip).toMatchObject({ name: 'sunset ride.webm', videoCodec: 'vp9' });
    expect(view.clip.duration).toBeCloseTo(5, 0);
    expect(view.picks.map((p) => p.trackId)[0]).toBe('ember');
    expect(view.picks[0]).toMatchObject({ title: 'Ember Run', segmentStart: 15, suggestedStart: 15, segmentSeconds: 30, trackSeconds: 60, tags: ['fire', 'energetic'] });
    expect(view.canUndo).toBe(false);
    const key = view.key;

    const turn = async (body: unknown) => {
      const response = await post(`${server!.url}/studio/api/conversations/${key}/turns`, body);
      expect(response.status, JSON.stringify(body)).toBe(200);
      return (await response.json()) as View;
    };
    view = await turn({ refine: 'no fire' });
    expect(view.picks.map((p) => p.trackId)).not.toContain('ember');
    expect(view.history).toEqual(['no fire']);
    view = await turn({ not: 'crimson' });
    expect(view.picks.map((p) => p.trackId)).not.toContain('crimson');
    view = await turn({ like: view.picks[0]!.trackId });
    expect(view.history).toHaveLength(3);
    view = await turn({ undo: true });
    expect(view.history).toEqual(['no fire', 'not "Crimson Tide"']);
    await turn({ undo: true });
    view = await turn({ undo: true });
    expect(view.history).toEqual([]);
    expect(view.picks[0]!.trackId).toBe('ember');
    expect(view.canUndo).toBe(false);
    const nothing = await post(`${server.url}/studio/api/conversations/${key}/turns`, { undo: true });
    expect((await errorOf(nothing)).message).toBe('There is nothing to undo');
    const longText = await post(`${server.url}/studio/api/conversations/${key}/turns`, { refine: 'x'.repeat(301) });
    expect(await errorOf(longText)).toMatchObject({ code: 'PROMPT_TOO_LONG', message: 'The refinement is 301 characters; the limit is 300' });

    // A new prompt on the same clip starts over: a new conversation, nothing to undo, the clip kept.
    const over = await post(`${server.url}/studio/api/conversations/${key}/prompt`, { prompt: 'calm water' });
    expect(over.status).toBe(201);
    const fresh = (await over.json()) as View;
    expect(fresh.key).not.toBe(key);
    expect(fresh).toMatchObject({ prompt: 'calm water', history: [], canUndo: false, clip: { id: view.clip.id } });

    const moved = await fetch(`${server.url}/studio/api/conversations/${key}/segment`, {
      method: 'PUT',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ trackId: 'ember', start: 20.5 }),
    });
    expect(((await moved.json()) as View).picks[0]).toMatchObject({ segmentStart: 20.5, suggestedStart: 15 });

    const audio = await fetch(`${server.url}/studio/api/conversations/${key}/audio?track=ember&token=${STUDIO_TOKEN}`, { headers: { range: 'bytes=1000-1999' } });
    expect(audio.status).toBe(206);
    expect(audio.headers.get('content-range')).toMatch(/^bytes 1000-1999\//);
    expect((await audio.arrayBuffer()).byteLength).toBe(1000);
    const notShown = await fetch(`${server.url}/studio/api/conversations/${key}/audio?track=meadow&token=${STUDIO_TOKEN}`);
    expect(notShown.status).toBe(404);
    const video = await fetch(`${server.url}/studio/api/clips/${view.clip.id}/video?token=${STUDIO_TOKEN}`, { headers: { range: 'bytes=0-99' } });
    expect(video.status).toBe(206);
    expect(video.headers.get('content-type')).toBe('video/webm');

    const wave = (await (await fetch(`${server.url}/studio/api/conversations/${key}/waveform?track=ember`, { headers: auth })).json()) as { duration: number; peaks: number[] };
    expect(wave.duration).toBeCloseTo(60, 0);
    expect(wave.peaks).toHaveLength(600);
    expect(Math.max(...wave.peaks)).toBe(1);
    // A beating track: its slices are not all equally loud.
    expect(Math.min(...wave.peaks)).toBeLessThan(0.9);

    const segment = await fetch(`${server.url}/studio/api/conversations/${key}/export?kind=segment&track=ember`, { headers: auth });
    expect(segment.status).toBe(200);
    expect(segment.headers.get('content-disposition')).toMatch(/filename="The Reds - Ember Run \(0m20s-0m50s\)\.mp3"/);
    const segmentFile = join(work, 'segment.mp3');
    writeFileSync(segmentFile, Buffer.from(await segment.arrayBuffer()));
    const segmentInfo = await probe(segmentFile);
    expect(segmentInfo.hasVideo).toBe(false);
    expect(segmentInfo.streams[0]!.codec).toBe('mp3');
    expect(segmentInfo.duration!).toBeGreaterThan(29);
    expect(segmentInfo.duration!).toBeLessThan(31);

    const mix = await fetch(`${server.url}/studio/api/conversations/${key}/export?kind=mix&track=ember`, { headers: auth });
    expect(mix.status).toBe(200);
    expect(mix.headers.get('content-type')).toBe('video/mp4');
    const mixFile = join(work, 'mix.mp4');
    writeFileSync(mixFile, Buffer.from(await mix.arrayBuffer()));
    const mixInfo = await probe(mixFile);
    expect(mixInfo.streams.map((s) => `${s.type}:${s.codec}`).sort()).toEqual(['audio:aac', 'video:vp9']);
    expect(mixInfo.duration!).toBeCloseTo(5, 0);

    const command = (await (await fetch(`${server.url}/studio/api/conversations/${key}/export?kind=command&track=ember`, { headers: auth })).json()) as { command: string };
    expect(command.command).toMatch(
      /^ffmpeg -i 'sunset ride\.webm' -ss 20\.500 -t 5\.\d{3} -i \S+\.wav -map 0:v:0 -map 1:a:0 -c:v copy -c:a aac -b:a 192k -movflags \+faststart 'sunset ride with Ember Run\.mp4'$/,
    );

    // A restart: a new server and studio on the same data dir reopen the conversation as it was.
    const { dir } = server;
    await server.stop();
    server = await startStudioServer({ dir });
    const reopened = (await (await fetch(`${server.url}/studio/api/conversations/${key}`, { headers: auth })).json()) as View;
    expect(reopened.picks.map((p) => p.trackId)).toEqual(view.picks.map((p) => p.trackId));
    expect(reopened.picks[0]!.segmentStart).toBe(20.5);
    expect(reopened.clip.id).toBe(view.clip.id);
    const unknown = await fetch(`${server.url}/studio/api/conversations/nope`, { headers: auth });
    expect((await errorOf(unknown)).code).toBe('EXPIRED');
  });
});
