import { frames } from '../core/media/index.js';
import { DEFAULT_FRAME_SIZE } from '../features/frame-spec.js';
import type { FrameSource } from './ingest.js';

export interface MediaFrameSourceOptions {
  /** Short side of the decoded frames: the encoder's input size (features/frame-spec.ts frameSize). */
  readonly size?: number;
  /** Longest one ffmpeg run may last before it is restarted (live inputs never end by themselves). */
  readonly runTimeoutMs?: number;
  /** ffmpeg's network read/write timeout. */
  readonly networkTimeoutMs?: number;
}

/** Ingest frames through core/media's `frames` (ffmpeg), as many as the input gives. */
export function mediaFrameSource(options: MediaFrameSourceOptions = {}): FrameSource {
  return (url, { fps, signal, httpProxy, realtime }) =>
    frames(url, {
      fps,
      ...(realtime ? { realtime } : {}),
      ...(httpProxy ? { httpProxy } : {}),
      maxFrames: Number.MAX_SAFE_INTEGER,
      size: options.size ?? DEFAULT_FRAME_SIZE,
      signal,
      timeoutMs: options.runTimeoutMs ?? 6 * 3600 * 1000,
      ...(options.networkTimeoutMs !== undefined ? { networkTimeoutMs: options.networkTimeoutMs } : {}),
    });
}
