import { describe, expect, it } from 'vitest';
import { frames, probe, type PacketListing, type RgbFrame } from '../../core/media/index.js';
import { parseFfprobeJson } from '../../core/media/ffprobe-json.js';
import { chooseKeyframeDecode, type DecodeChoice } from '../../core/media/keyframe-decode.js';
import type { FrameOptions } from '../../core/media/frames.js';
import { makeGopVideo, makeManyPacketVideo } from '../support/media.js';

/** 30 fps packets for `seconds`, a keyframe every `every` frames (presentation order). */
function listing(seconds: number, every: number, complete = true, offset = 0): PacketListing {
  const count = Math.round(seconds * 30);
  return {
    streams: { 0: { times: Array.from({ length: count }, (_, i) => offset + i / 30), keyframe: Array.from({ length: count }, (_, i) => i % every === 0) } },
    complete,
  };
}

const oneFps = (count: number) => ({ start: 0, count, rate: { num: 1, den: 1 } });

describe('chooseKeyframeDecode', () => {
  it('decodes keyframes only when every slot shows one', () => {
    const choice = chooseKeyframeDecode(listing(10, 30), 0, oneFps(10));
    expect(choice).toMatchObject({ keyframesOnly: true, frames: 271, keyframes: 10 });
  });

  it('decodes every frame when a slot falls between keyframes', () => {
    expect(chooseKeyframeDecode(listing(10, 60), 0, oneFps(10))).toMatchObject({ keyframesOnly: false, reason: expect.stringContaining('slot 1 (1.000 s)') as string });
    // Two slots a second on a keyframe a second: the half-second slots show other frames.
    expect(chooseKeyframeDecode(listing(10, 30), 0, { start: 0, count: 20, rate: { num: 2, den: 1 } }).keyframesOnly).toBe(false);
    // Slots every 2 s (a long clip sampled evenly) on a keyframe a second: fine.
    expect(chooseKeyframeDecode(listing(20, 30), 0, { start: 0, count: 10, rate: { num: 1, den: 2 } }).keyframesOnly).toBe(true);
  });

  it('gives a slot the frame at its exact time, and the first frame to slots before it', () => {
    // Keyframes one frame after each whole second: slot k shows the frame before, which is not a keyframe.
    const late = listing(5, 30, true);
    const shifted: PacketListing = { complete: true, streams: { 0: { times: late.streams[0]!.times, keyframe: late.streams[0]!.times.map((_, i) => i === 0 || i % 30 === 1) } } };
    expect(chooseKeyframeDecode(shifted, 0, oneFps(5)).keyframesOnly).toBe(false);
    // The picture starts 0.2 s in: slot 0 gets the first frame, a keyframe.
    expect(chooseKeyframeDecode(listing(5, 30, true, 0.2), 0, { start: 0, count: 1, rate: { num: 1, den: 1 } }).keyframesOnly).toBe(true);
  });

  it('decodes every frame when it cannot know', () => {
    expect(chooseKeyframeDecode(undefined, 0, oneFps(3)).keyframesOnly).toBe(false);
    expect(chooseKeyframeDecode(listing(10, 30), 1, oneFps(3)).keyframesOnly).toBe(false);
    expect(chooseKeyframeDecode(listing(10, 30), 0, { ...oneFps(3), start: 2 }).keyframesOnly).toBe(false);
    expect(chooseKeyframeDecode(listing(10, 30), 0, oneFps(Infinity)).keyframesOnly).toBe(false);
    // A listing cut at its cap before the last slot.
    expect(chooseKeyframeDecode(listing(5, 30, false), 0, oneFps(10))).toMatchObject({ keyframesOnly: false, reason: expect.stringContaining('stops before') as string });
  });
});

describe('packet listing from ffprobe JSON', () => {
  const json = (packets: unknown[], start = '1.400000') =>
    JSON.stringify({ streams: [{ index: 0, codec_type: 'video', width: 64, height: 48 }], format: { format_name: 'mpegts', start_time: start }, packets });

  it('puts times on the output timeline, in presentation order, per stream', () => {
    const info = parseFfprobeJson(
      json([
        { stream_index: 0, pts_time: '1.400000', flags: 'K_' },
        { stream_index: 0, pts_time: '1.500000', flags: '__' },
        { stream_index: 0, pts_time: '1.433333', flags: '__' },
        { stream_index: 1, pts_time: '1.390000', flags: 'K_' },
      ]),
      undefined,
      100,
    );
    expect(info.packets?.complete).toBe(true);
    expect(info.packets?.streams[0]?.times.map((t) => Number(t.toFixed(6)))).toEqual([0, 0.033333, 0.1]);
    expect(info.packets?.streams[0]?.keyframe).toEqual([true, false, false]);
  });

  it('leaves out a stream with a packet of unknown time, and marks a listing at its cap incomplete', () => {
    const info = parseFfprobeJson(
      json(
        [
          { stream_index: 0, pts_time: 'N/A', flags: 'K_' },
          { stream_index: 0, pts_time: '1.5', flags: '__' },
        ],
        'N/A',
      ),
      undefined,
      2,
    );
    expect(info.packets?.streams[0]).toBeUndefined();
    expect(info.packets?.complete).toBe(false);
    expect(parseFfprobeJson(json([])).packets?.complete).toBe(true);
  });
});

async function decode(path: string, options: FrameOptions): Promise<{ frames: RgbFrame[]; choice: DecodeChoice | undefined }> {
  let choice: DecodeChoice | undefined;
  const out: RgbFrame[] = [];
  for await (const frame of frames(path, { fps: 1, maxFrames: 30, size: 64, sampling: 'even', ...options, onDecodeChoice: (c) => (choice = c) })) out.push(frame);
  return { frames: out, choice };
}

const same = (a: RgbFrame, b: RgbFrame) => Buffer.compare(Buffer.from(a.data), Buffer.from(b.data)) === 0;

describe('frames(): keyframes only where they give the same frames', () => {
  it('decodes only the keyframes of a clip with one each second, frame for frame as a full decode', async () => {
    const clip = await makeGopVideo({ seconds: 4, keyframeSeconds: 1 });
    const auto = await decode(clip, {});
    const full = await decode(clip, { decode: 'every-frame' });
    expect(auto.choice).toMatchObject({ keyframesOnly: true, keyframes: 4 });
    expect(full.choice?.keyframesOnly).toBe(false);
    expect(auto.frames.map((f) => f.time)).toEqual([0, 1, 2, 3]);
    expect(auto.frames.every((frame, i) => same(frame, full.frames[i]!))).toBe(true);
    // Two slots a second on the same clip: half of them fall between keyframes.
    expect((await decode(clip, { fps: 2 })).choice?.keyframesOnly).toBe(false);
  });

  it('decodes every frame of a clip whose keyframes are sparse, where keyframes alone would show other frames', async () => {
    const clip = await makeGopVideo({ seconds: 4 });
    const auto = await decode(clip, {});
    const full = await decode(clip, { decode: 'every-frame' });
    const keyframes = await decode(clip, { decode: 'keyframes' });
    expect(auto.choice?.keyframesOnly).toBe(false);
    expect(auto.frames.every((frame, i) => same(frame, full.frames[i]!))).toBe(true);
    // Keyframes alone: the single keyframe stands for the whole clip (fewer frames, or the same one repeated).
    const matching = keyframes.frames.filter((frame, i) => same(frame, full.frames[i]!)).length;
    expect(matching).toBeLessThan(full.frames.length);
  });

  it('lists packets only for the keyframe choice: a window after 0 s or a given probe decodes every frame', async () => {
    const clip = await makeGopVideo({ seconds: 4, keyframeSeconds: 1 });
    expect((await decode(clip, { start: 1 })).choice?.keyframesOnly).toBe(false);
    const info = await probe(clip);
    expect(info.packets).toBeUndefined();
    expect((await decode(clip, { info })).choice).toMatchObject({ keyframesOnly: false, reason: 'no packet listing for the video stream' });
  });

  it('given more packets than the probe lists, decodes every frame: the listing (capped) does not reach the last slot', async () => {
    const clip = await makeManyPacketVideo();
    // A slot every 10 s falls on a keyframe (one each second), but the listing stops at 200 s of 240.
    const run = await decode(clip, { fps: 0.1, maxFrames: 25, sampling: 'rate', size: 16 });
    expect(run.choice).toMatchObject({ keyframesOnly: false, reason: 'the packet listing stops before the last slot' });
    expect(run.frames).toHaveLength(25);
    // Within the listed part the same clip decodes keyframes only.
    expect((await decode(clip, { fps: 0.1, maxFrames: 15, sampling: 'rate', size: 16 })).choice).toMatchObject({ keyframesOnly: true });
  });
});
