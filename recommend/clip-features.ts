import { MediaError } from '../core/errors.js';
import { frames } from '../core/media/index.js';
import type { MediaInput, RgbFrame } from '../core/media/types.js';
import type { FrameEncoder } from '../model/types.js';

export interface ClipFeatureOptions {
  /** Frames per second sampled (a long clip is sampled evenly instead, to stay within maxFrames). */
  readonly fps: number;
  readonly maxFrames: number;
  readonly signal?: AbortSignal;
}

/** CLIP image embeddings of a clip's frames, sampled evenly over the whole clip, in time order. */
export async function clipFeatures(input: MediaInput, encoder: FrameEncoder, options: ClipFeatureOptions): Promise<Float32Array[]> {
  const decoded: RgbFrame[] = [];
  for await (const frame of frames(input, {
    fps: options.fps,
    maxFrames: options.maxFrames,
    sampling: 'even',
    ...(options.signal ? { signal: options.signal } : {}),
  })) {
    decoded.push(frame);
  }
  if (decoded.length === 0) throw new MediaError('MEDIA_NO_VIDEO', 'The clip has no video frames to match music against');
  return encoder.encodeImages(decoded, options.signal);
}
