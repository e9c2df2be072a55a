import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_FRAME_SIZE, frameSize, frameSpec } from '../../features/frame-spec.js';
import type { Encoders } from '../../model/index.js';
import type { EncoderInfo, FrameEncoder, ImageInput } from '../../model/types.js';
import { clipEmbeddings } from '../../recommend/clip-features.js';
import { makeVideo } from '../support/media.js';
import { createFixtureEncoders } from '../support/models.js';
import { ifSet } from '../support/if-set.js';

/** Records the size of every frame it is given; embeds nothing useful. */
class SizeRecorder implements FrameEncoder {
  readonly info: EncoderInfo = { modelId: 'test/sizes', dim: 1, dtype: 'fp32', device: 'cpu' };
  readonly sizes: string[] = [];
  constructor(readonly imageSize: number) {}
  encodeImages(images: readonly ImageInput[]): Promise<Float32Array[]> {
    for (const image of images) this.sizes.push('encoded' in image ? 'encoded' : `${image.width}x${image.height}`);
    return Promise.resolve(images.map(() => Float32Array.of(1)));
  }
}

let encoders: Encoders;
beforeAll(async () => {
  encoders = await createFixtureEncoders({ 'encoders.dtype': 'fp32' });
}, 60_000);
afterAll(async () => {
  await ifSet(encoders)?.dispose();
});

describe('frame specification (features/frame-spec.ts)', () => {
  it("takes the size from the CLIP model's preprocessor config and fps / maxFrames from the video settings", () => {
    expect(encoders.clipImage.imageSize).toBe(224);
    expect(frameSpec({ fps: 2, maxFrames: 12 }, encoders.clipImage)).toEqual({ fps: 2, maxFrames: 12, size: 224 });
    expect(frameSize({})).toBe(DEFAULT_FRAME_SIZE);
  });

  it("given a 640x360 clip, the recommend path decodes its frames at the encoder's size, not at full resolution", async () => {
    const video = await makeVideo({ seconds: 3, width: 640, height: 360, fps: 10, audio: false });
    const small = new SizeRecorder(112);
    await clipEmbeddings(video, small, { fps: 1, maxFrames: 30 });
    expect(small.sizes.length).toBeGreaterThan(0);
    expect(new Set(small.sizes)).toEqual(new Set(['200x112']));
    const clip = new SizeRecorder(encoders.clipImage.imageSize!);
    await clipEmbeddings(video, clip, { fps: 1, maxFrames: 30 });
    expect(new Set(clip.sizes)).toEqual(new Set(['398x224']));
  }, 60_000);
});
