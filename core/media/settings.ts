import type { Config } from '../config.js';
import { configureBinaries } from './binaries.js';

/** Limits every media call runs under; each call may override them. */
export interface MediaSettings {
  /** Hard limit for one call (probe and decode together), in ms. */
  readonly timeoutMs: number;
  /** Longest input accepted, in seconds; longer inputs are refused before decoding. */
  readonly maxDurationSeconds: number;
  /** Largest byte input accepted (and the default cap on decoded output). */
  readonly maxInputBytes: number;
  /** ffmpeg's own connect/read timeout for network inputs (`-rw_timeout`), in ms. */
  readonly networkTimeoutMs: number;
}

/** Same values as the config defaults (`core/config.ts`). */
export const DEFAULT_MEDIA_SETTINGS: MediaSettings = {
  timeoutMs: 120_000,
  maxDurationSeconds: 4 * 3600,
  maxInputBytes: 512 * 1024 * 1024,
  networkTimeoutMs: 15_000,
};

let current: MediaSettings = DEFAULT_MEDIA_SETTINGS;

/** Applies `config.media` once at start: limits and the FFMPEG_PATH / FFPROBE_PATH overrides. */
export function configureMedia(media: Config['media'], extra: Partial<Pick<MediaSettings, 'networkTimeoutMs'>> = {}): void {
  current = {
    timeoutMs: media.timeoutMs,
    maxDurationSeconds: media.maxDurationSeconds,
    maxInputBytes: media.maxInputBytes,
    networkTimeoutMs: extra.networkTimeoutMs ?? DEFAULT_MEDIA_SETTINGS.networkTimeoutMs,
  };
  configureBinaries({ ffmpegPath: media.ffmpegPath, ffprobePath: media.ffprobePath });
}

export function mediaSettings(): MediaSettings {
  return current;
}
