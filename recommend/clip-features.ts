import { MediaError } from '../core/errors.js';
import { frames } from '../core/media/index.js';
import type { MediaInput, RgbFrame } from '../core/media/types.js';
import { frameSize } from '../features/frame-spec.js';
import type { FrameEncoder } from '../model/types.js';

export interface ClipFeatureOptions {
  /** Frames per second sampled (a long clip is sampled evenly instead, to stay within maxFrames). */
  readonly fps: number;
  readonly maxFrames: number;
  /** Short side of the decoded frames; default the encoder's input size (features/frame-spec.ts). */
  readonly size?: number;
  /** Limit for the whole decode (core/media's default otherwise). */
  readonly timeoutMs?: number;
  /** Longer clips are refused with MEDIA_TOO_LONG before any decoding. */
  readonly maxDurationSeconds?: number;
  /** Most frames sent to the encoder per request while decoding goes on (default 8); an idle encoder gets each frame as it is decoded. */
  readonly encodeChunk?: number;
  /** Error code when the clip yields no frame (the bot says MEDIA_EMPTY, the CLI MEDIA_NO_VIDEO). */
  readonly noFramesCode?: 'MEDIA_NO_VIDEO' | 'MEDIA_EMPTY';
  readonly signal?: AbortSignal;
}

export interface ClipEmbeddings {
  /** CLIP image embeddings, in time order. */
  readonly embeddings: Float32Array[];
  /** Presentation time of each embedded frame, in seconds. */
  readonly times: number[];
}

/**
 * CLIP image embeddings of a clip's frames, sampled evenly over the whole clip. Frames go to the
 * encoder in chunks while ffmpeg is still decoding, so decoding and encoding overlap instead of
 * adding up.
 */
export async function clipEmbeddings(input: MediaInput, encoder: FrameEncoder, options: ClipFeatureOptions): Promise<ClipEmbeddings> {
  const chunkSize = Math.max(1, options.encodeChunk ?? 8);
  const encoding: Promise<Float32Array[]>[] = [];
  const times: number[] = [];
  let pending: RgbFrame[] = [];
  let inFlight = 0;
  const send = (): void => {
    const request = encoder.encodeImages(pending, options.signal);
    inFlight++;
    // Awaited below; a decode failure first must not leave it as an unhandled rejection.
    request.then(
      () => inFlight--,
      () => inFlight--,
    );
    encoding.push(request);
    pending = [];
  };
  for await (const frame of frames(input, {
    fps: options.fps,
    maxFrames: options.maxFrames,
    sampling: 'even',
    size: options.size ?? frameSize(encoder),
    ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
    ...(options.maxDurationSeconds !== undefined ? { maxDurationSeconds: options.maxDurationSeconds } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  })) {
    times.push(frame.time);
    pending.push(frame);
    // An idle encoder gets the frame at once (it would otherwise wait for a whole chunk to decode); a busy
    // one gets the frames decoded meanwhile as one batch.
    if (pending.length >= chunkSize || inFlight === 0) send();
  }
  if (pending.length > 0) send();
  if (times.length === 0) {
    const code = options.noFramesCode ?? 'MEDIA_NO_VIDEO';
    throw new MediaError(code, code === 'MEDIA_EMPTY' ? 'the clip has no decodable frames' : 'The clip has no video frames to match music against');
  }
  return { embeddings: (await Promise.all(encoding)).flat(), times };
}

/** CLIP image embeddings of a clip's frames, sampled evenly over the whole clip, in time order. */
export async function clipFeatures(input: MediaInput, encoder: FrameEncoder, options: ClipFeatureOptions): Promise<Float32Array[]> {
  return (await clipEmbeddings(input, encoder, options)).embeddings;
}
