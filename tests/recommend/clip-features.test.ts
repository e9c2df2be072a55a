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
  it('sends frames to the encoder in chunks while decoding goes on, and returns them in time order', async () => {
    const video = await makeVideo({ seconds: 20, fps: 10 });
    const encoder = recordingEncoder(encoders.clipImage);
    const { embeddings, times } = await clipEmbeddings(video, encoder, { fps: 1, maxFrames: 20, encodeChunk: 8 });
    expect(encoder.requests.map((r) => r.frames)).toEqual([8, 8, 4]);
    // The first request left before the last frame was decoded.
    expect(encoder.requests[0]!.lastFrameTime).toBeLessThan(times[times.length - 1]!);
    expect(times).toEqual([...times].sort((a, b) => a - b));
    const reference = await clipEmbeddings(video, encoders.clipImage, { fps: 1, maxFrames: 20, encodeChunk: 100 });
    expect(embeddings).toHaveLength(20);
    embeddings.forEach((e, i) => expect(Array.from(e)).toEqual(Array.from(reference.embeddings[i]!).map((v) => closeTo(v, 4))));
  });

  it('given an input with no video, rejects with the code the caller asked for', async () => {
    const audioOnly = await makeAudio('wav', 2);
    await expect(clipEmbeddings(audioOnly, encoders.clipImage, { fps: 1, maxFrames: 4 })).rejects.toMatchObject({ code: 'MEDIA_NO_VIDEO' });
  });
});
