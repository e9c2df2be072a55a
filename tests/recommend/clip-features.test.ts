import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ImageInput, FrameEncoder } from '../../model/types.js';
import type { Encoders } from '../../model/index.js';
import { clipEmbeddings } from '../../recommend/clip-features.js';
import { makeAudio, makeVideo } from '../support/media.js';
import { createFixtureEncoders } from '../support/models.js';
import { closeTo } from '../support/matchers.js';

/** The fixture CLIP image encoder, recording how many frames each request carried and when. */
function recordingEncoder(inner: FrameEncoder): FrameEncoder & { readonly requests: { frames: number; lastFrameTime: number }[] } {
  const requests: { frames: number; lastFrameTime: number }[] = [];
  return {
    info: inner.info,
    requests,
    encodeImages(images: readonly ImageInput[], signal?: AbortSignal) {
      const last = images[images.length - 1]!;
      requests.push({ frames: images.length, lastFrameTime: 'time' in last ? last.time : -1 });
      return inner.encodeImages(images, signal);
    },
  };
}

let encoders: Encoders;
beforeAll(async () => {
  encoders = await createFixtureEncoders();
});
afterAll(async () => {
  await encoders.dispose();
});

describe('clipEmbeddings', () => {
  it('sends the first frame at once, frames decoded while the encoder is busy as chunks, and returns them in time order', async () => {
    const video = await makeVideo({ seconds: 20, fps: 10 });
    const inner = recordingEncoder(encoders.clipImage);
    // Holds the first request until the fourth arrives (or 10 s pass), so the decoder runs ahead of a busy encoder.
    let release!: () => void;
    const released = new Promise<void>((resolve) => {
      release = resolve;
      setTimeout(resolve, 10_000).unref();
    });
    const encoder: FrameEncoder = {
      info: inner.info,
      async encodeImages(images, signal) {
        const result = inner.encodeImages(images, signal);
        if (inner.requests.length === 4) release();
        if (inner.requests.length === 1) await released;
        return result;
      },
    };
    const { embeddings, times } = await clipEmbeddings(video, encoder, { fps: 1, maxFrames: 20, encodeChunk: 8 });
    expect(inner.requests.map((r) => r.frames)).toEqual([1, 8, 8, 3]);
    expect(inner.requests[0]!.lastFrameTime).toBe(times[0]);
    expect(times).toEqual([...times].sort((a, b) => a - b));
    const reference = await clipEmbeddings(video, encoders.clipImage, { fps: 1, maxFrames: 20, encodeChunk: 100 });
    expect(embeddings).toHaveLength(20);
    embeddings.forEach((e, i) => expect(Array.from(e)).toEqual(Array.from(reference.embeddings[i]!).map((v) => closeTo(v, 4))));
  });

  it('given an idle encoder, sends the first frame as soon as it is decoded, and never more than a chunk at once', async () => {
    const video = await makeVideo({ seconds: 12, fps: 10 });
    const encoder = recordingEncoder(encoders.clipImage);
    const { times } = await clipEmbeddings(video, encoder, { fps: 1, maxFrames: 12, encodeChunk: 8 });
    expect(encoder.requests[0]).toEqual({ frames: 1, lastFrameTime: times[0] });
    expect(encoder.requests.reduce((sum, r) => sum + r.frames, 0)).toBe(12);
    expect(Math.max(...encoder.requests.map((r) => r.frames))).toBeLessThanOrEqual(8);
  });

  it('given an input with no video, rejects with the code the caller asked for', async () => {
    const audioOnly = await makeAudio('wav', 2);
    await expect(clipEmbeddings(audioOnly, encoders.clipImage, { fps: 1, maxFrames: 4 })).rejects.toMatchObject({ code: 'MEDIA_NO_VIDEO' });
  });
});
