import { readFile } from 'node:fs/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import { audio, cutSegment, findBinaries, frames, mediaBinaries, probe, type MediaBinaries, type RgbFrame } from '../../core/media/index.js';
import { GRAY_PER_SECOND, makeAudio, makeImage, makeTrack, makeVideo, type AudioFormat, type VideoContainer } from '../support/media.js';

async function collect(iterable: AsyncIterable<RgbFrame>): Promise<RgbFrame[]> {
  const out: RgbFrame[] = [];
  for await (const frame of iterable) out.push(frame);
  return out;
}

/** Mean of the R channel: the `clock` picture's gray level, which encodes the time shown. */
function meanRed(frame: RgbFrame): number {
  let sum = 0;
  for (let i = 0; i < frame.data.length; i += 3) sum += frame.data[i]!;
  return sum / (frame.data.length / 3);
}

function pixel(frame: RgbFrame, x: number, y: number): [number, number, number] {
  const at = (y * frame.width + x) * 3;
  return [frame.data[at]!, frame.data[at + 1]!, frame.data[at + 2]!];
}

/** Sign changes of a sine: about 2 * freq per second. */
function zeroCrossings(samples: Float32Array): number {
  let count = 0;
  for (let i = 1; i < samples.length; i++) if (samples[i - 1]! < 0 !== samples[i]! < 0) count += 1;
  return count;
}

/** Gray level of every source frame (25 fps), decoded without resampling: the reference for frame times. */
async function sourceLevels(path: string): Promise<number[]> {
  return (await collect(frames(path, { fps: 25, maxFrames: 1000, size: 16 }))).map(meanRed);
}

/** A frame sampled at `time` must show the source frame on screen then (or, right after a seek, the next one). */
function expectShowsTime(frame: RgbFrame, levels: readonly number[]): void {
  const index = Math.floor(frame.time * 25 + 1e-6);
  const candidates = [levels[index], levels[index + 1]].filter((level) => level !== undefined);
  expect(
    candidates.some((level) => Math.abs(level - meanRed(frame)) < 0.5),
    `frame at ${frame.time} s shows level ${meanRed(frame)}, source has ${candidates.join(' or ')}`,
  ).toBe(true);
}

let binaries: MediaBinaries;
const videos = {} as Record<VideoContainer, string>;

beforeAll(async () => {
  binaries = await mediaBinaries();
  videos.mp4 = await makeVideo({ container: 'mp4' });
  videos.webm = await makeVideo({ container: 'webm' });
  videos.mov = await makeVideo({ container: 'mov' });
  videos.gif = await makeVideo({ container: 'gif', seconds: 3, fps: 10, width: 160, height: 120 });
});

describe('probe', () => {
  it.each([
    ['mp4', 'h264', 'aac'],
    ['webm', 'vp9', 'opus'],
    ['mov', 'mpeg4', 'aac'],
  ] as const)('given a 10 s %s clip, reports its duration, size and codecs', async (container, videoCodec, audioCodec) => {
    const info = await probe(videos[container]);
    expect(info.duration).toBeCloseTo(10, 1);
    expect(info.hasVideo).toBe(true);
    expect(info.hasAudio).toBe(true);
    expect(info.streams.find((s) => s.type === 'video')).toMatchObject({ codec: videoCodec, width: 320, height: 240 });
    expect(info.streams.find((s) => s.type === 'audio')).toMatchObject({ codec: audioCodec, sampleRate: 48_000, channels: 1 });
  });

  it('given a gif, reports a video stream without audio', async () => {
    const info = await probe(videos.gif);
    expect(info).toMatchObject({ format: 'gif', hasVideo: true, hasAudio: false });
    expect(info.duration).toBeCloseTo(3, 1);
  });

  it.each(['wav', 'mp3', 'flac', 'ogg', 'opus', 'm4a'] as const)('given a tagged %s track, reports audio only with its tags', async (format: AudioFormat) => {
    const path = await makeTrack({ format, seconds: 3, title: 'Night Drive', artist: 'Test Band', genre: 'synthwave' });
    const info = await probe(path);
    expect(info.hasVideo).toBe(false);
    expect(info.hasAudio).toBe(true);
    expect(info.duration).toBeCloseTo(3, 1);
    expect(info.tags).toMatchObject({ title: 'Night Drive', artist: 'Test Band', genre: 'synthwave' });
  });

  it('does not count cover art as video', async () => {
    const info = await probe(await makeAudio('mp3', 3, { cover: true }));
    expect(info.streams.some((s) => s.type === 'video' && s.attachedPicture)).toBe(true);
    expect(info.hasVideo).toBe(false);
  });

  it('marks a single PNG as a still without duration', async () => {
    const info = await probe(await makeImage());
    expect(info).toMatchObject({ hasVideo: true, hasAudio: false, still: true });
    expect(info.duration).toBeUndefined();
  });

  it('without ffprobe, parses ffmpeg -i output into the same description', async () => {
    const ffmpegOnly = { ffmpeg: binaries.ffmpeg };
    for (const path of [videos.mp4, videos.webm, await makeAudio('mp3', 3, { cover: true }), await makeImage()]) {
      const [viaProbe, viaFfmpeg] = await Promise.all([probe(path), probe(path, { binaries: ffmpegOnly })]);
      const shape = (info: typeof viaProbe) => ({
        hasVideo: info.hasVideo,
        hasAudio: info.hasAudio,
        still: info.still,
        streams: info.streams.map((s) => ({ type: s.type, codec: s.codec, width: s.width, height: s.height, sampleRate: s.sampleRate, channels: s.channels, cover: s.attachedPicture })),
      });
      expect(shape(viaFfmpeg)).toEqual(shape(viaProbe));
      expect(viaFfmpeg.duration ?? 0).toBeCloseTo(viaProbe.duration ?? 0, 1);
    }
  });

  it('without ffprobe, parses the banner of the ffmpeg on PATH as well (another ffmpeg version)', async () => {
    const onPath = await findBinaries({ ffmpegPath: 'ffmpeg' }).catch(() => undefined);
    if (!onPath) return; // no ffmpeg on PATH here: the resolved one is covered above
    for (const path of [videos.mp4, videos.gif, await makeAudio('mp3', 3, { cover: true }), await makeImage()]) {
      const [viaProbe, viaFfmpeg] = await Promise.all([probe(path), probe(path, { binaries: { ffmpeg: onPath.ffmpeg } })]);
      expect(viaFfmpeg.streams.map((s) => [s.type, s.codec, s.width, s.sampleRate, s.attachedPicture])).toEqual(
        viaProbe.streams.map((s) => [s.type, s.codec, s.width, s.sampleRate, s.attachedPicture]),
      );
      expect([viaFfmpeg.hasVideo, viaFfmpeg.hasAudio, viaFfmpeg.still]).toEqual([viaProbe.hasVideo, viaProbe.hasAudio, viaProbe.still]);
    }
  });

  it('without ffprobe, frames and audio still work', async () => {
    const ffmpegOnly = { ffmpeg: binaries.ffmpeg };
    const got = await collect(frames(videos.webm, { fps: 1, size: 32, binaries: ffmpegOnly }));
    expect(got.map((f) => f.time)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect((await audio(videos.mp4, { start: 1, duration: 5, binaries: ffmpegOnly })).length).toBe(240_000);
  });

  it('reads tags without ffprobe too', async () => {
    const info = await probe(await makeTrack({ format: 'mp3', seconds: 2, title: 'Solo', artist: 'Someone' }), { binaries: { ffmpeg: binaries.ffmpeg } });
    expect(info.tags).toMatchObject({ title: 'Solo', artist: 'Someone' });
  });
});

describe('frames', () => {
  it.each(['mp4', 'webm', 'mov'] as const)('given a 10 s %s clip at 1 fps, gives 10 frames with short side 224, at whole seconds', async (container) => {
    const got = await collect(frames(videos[container], { fps: 1, maxFrames: 30, size: 224 }));
    expect(got.map((f) => f.time)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    for (const frame of got) {
      expect([frame.width, frame.height]).toEqual([298, 224]);
      expect(frame.data.length).toBe(298 * 224 * 3);
    }
    // Each frame shows the picture at its own time, not a neighbour's.
    const levels = await sourceLevels(videos[container]);
    expect(levels).toHaveLength(250);
    got.forEach((frame) => expectShowsTime(frame, levels));
    expect(meanRed(got[9]!)).toBeGreaterThan(GRAY_PER_SECOND * 9 * 0.9);
  });

  it('starts at `start`, samples at `fps` and stops at `maxFrames`', async () => {
    const got = await collect(frames(videos.mp4, { fps: 2, start: 2.5, maxFrames: 4, size: 64 }));
    expect(got.map((f) => f.time)).toEqual([2.5, 3, 3.5, 4]);
    const levels = await sourceLevels(videos.mp4);
    got.forEach((frame) => expectShowsTime(frame, levels));
  });

  it('with even sampling, spreads maxFrames over a clip longer than maxFrames / fps', async () => {
    const got = await collect(frames(videos.mp4, { fps: 10, maxFrames: 5, sampling: 'even', size: 64 }));
    expect(got.map((f) => f.time)).toEqual([0, 2, 4, 6, 8]);
    const levels = await sourceLevels(videos.mp4);
    got.forEach((frame) => expectShowsTime(frame, levels));
  });

  it('with even sampling on a short clip, keeps the asked rate', async () => {
    const got = await collect(frames(videos.mp4, { fps: 1, maxFrames: 30, sampling: 'even', size: 32, start: 6 }));
    expect(got.map((f) => f.time)).toEqual([6, 7, 8, 9]);
  });

  it('decodes a gif as video', async () => {
    const got = await collect(frames(videos.gif, { fps: 2, size: 60 }));
    expect(got).toHaveLength(6);
    expect([got[0]!.width, got[0]!.height]).toEqual([80, 60]);
  });

  it('gives one frame for a PNG, scaled on its short side', async () => {
    const got = await collect(frames(await makeImage(), { fps: 1, size: 32 }));
    expect(got).toHaveLength(1);
    const [frame] = got;
    expect([frame!.width, frame!.height, frame!.time]).toEqual([42, 32, 0]);
    expect(pixel(frame!, 2, 16)[0]).toBeGreaterThan(200); // left half red
    expect(pixel(frame!, 39, 16)[2]).toBeGreaterThan(200); // right half blue
  });

  it('gives portrait frames for a portrait clip (short side is the width)', async () => {
    const portrait = await makeVideo({ width: 180, height: 320, seconds: 2, audio: false });
    const got = await collect(frames(portrait, { size: 224 }));
    expect(got.map((f) => [f.width, f.height, f.time])).toEqual([
      [224, 398, 0],
      [224, 398, 1],
    ]);
  });

  it('with maxFrames Infinity (live pulls), reads until the input ends', async () => {
    // As for a live stream: no duration known, so nothing but the end of input stops ffmpeg.
    const { duration: _known, ...described } = await probe(videos.gif, { binaries: { ffmpeg: binaries.ffmpeg } });
    expect(described.streams.every((stream) => stream.duration === undefined)).toBe(true);
    const got = await collect(frames(videos.gif, { info: described, fps: 5, maxFrames: Infinity, size: 16 }));
    expect(got.length).toBeGreaterThanOrEqual(15);
    expect(got.length).toBeLessThanOrEqual(16);
  });

  it('keeps the decoded size when no size is given', async () => {
    const [frame] = await collect(frames(videos.mp4, { maxFrames: 1 }));
    expect([frame!.width, frame!.height]).toEqual([320, 240]);
  });

  it('reads the same frames from bytes as from the file (mp4 with its index at the end, and webm)', async () => {
    for (const path of [videos.mp4, videos.webm]) {
      const bytes = new Uint8Array(await readFile(path));
      const [fromFile, fromBytes] = [await collect(frames(path, { size: 32 })), await collect(frames(bytes, { size: 32 }))];
      expect(fromBytes.map((f) => f.time)).toEqual(fromFile.map((f) => f.time));
      expect(Buffer.from(fromBytes[3]!.data).equals(Buffer.from(fromFile[3]!.data))).toBe(true);
    }
  });
});

describe('audio', () => {
  it.each(['wav', 'mp3', 'flac', 'ogg', 'opus', 'm4a'] as const)('given a 12 s %s track, an exact 10 s crop at 48 kHz has exactly 480000 samples of the tone', async (format) => {
    const path = await makeTrack({ format, seconds: 12, freq: 440, volume: 0.5 });
    const samples = await audio(path, { sampleRate: 48_000, channels: 1, start: 1, duration: 10 });
    expect(samples.length).toBe(480_000);
    expect(zeroCrossings(samples) / 10 / 2).toBeGreaterThan(435);
    expect(zeroCrossings(samples) / 10 / 2).toBeLessThan(445);
    expect(Math.max(...samples.subarray(0, 48_000))).toBeCloseTo(0.5, 1);
  });

  it('decodes to the end when no duration is given', async () => {
    const samples = await audio(await makeTrack({ format: 'wav', seconds: 5, sampleRate: 44_100 }), { sampleRate: 48_000 });
    expect(samples.length).toBe(240_000);
  });

  it('clips a window that runs past the end to what the input holds', async () => {
    const samples = await audio(await makeTrack({ format: 'flac', seconds: 5 }), { sampleRate: 16_000, start: 3, duration: 10 });
    expect(samples.length).toBe(32_000);
  });

  it('reads the soundtrack of a video, from a file and from bytes', async () => {
    const fromFile = await audio(videos.mp4, { start: 0, duration: 10 });
    const fromBytes = await audio(new Uint8Array(await readFile(videos.mp4)), { start: 0, duration: 10 });
    expect(fromFile.length).toBe(480_000);
    expect(fromBytes).toEqual(fromFile);
  });
});

describe('cutSegment', () => {
  it.each([
    ['mp3', 'audio/mpeg', 'mp3'],
    ['ogg', 'audio/ogg', 'ogg'],
  ] as const)('cuts a %s preview that probes as the asked length', async (format, mimeType, probedFormat) => {
    const track = await makeTrack({ format: 'flac', seconds: 12, bpm: 100, timbre: 'sawtooth', freq: 220 });
    const segment = await cutSegment(track, { start: 2, duration: 5, format });
    expect(segment).toMatchObject({ format, mimeType, start: 2, duration: 5 });
    const info = await probe(segment.data);
    expect(info.format).toBe(probedFormat);
    expect(info.duration).toBeCloseTo(5, 0);
  });

  it('refuses a preview larger than maxBytes with MEDIA_TOO_LARGE', async () => {
    const track = await makeTrack({ format: 'flac', seconds: 12 });
    await expect(cutSegment(track, { start: 0, duration: 10, format: 'mp3', maxBytes: 10_000 })).rejects.toMatchObject({ code: 'MEDIA_TOO_LARGE' });
  });
});
