import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, extname, join } from 'node:path';
import { CuecastError, InputError } from '../../core/errors.js';
import { cutSegment, muxSoundtrack, soundtrackCommand, soundtrackContainer } from '../../core/media/index.js';
import type { ClipInfo } from './clips.js';

export type ExportKind = 'segment' | 'mix' | 'command';
export const EXPORT_KINDS: readonly ExportKind[] = ['segment', 'mix', 'command'];

export interface ExportRequest {
  readonly clip: ClipInfo;
  readonly clipPath: string;
  readonly trackPath: string;
  readonly title: string;
  readonly artist: string;
  readonly start: number;
  /** Seconds of music: the segment's length for `segment`; the clip's for `mix`. */
  readonly segmentSeconds: number;
}

export interface ExportFile {
  readonly name: string;
  readonly type: string;
  /** The file to send, and the folder to remove afterwards. */
  readonly path?: string;
  readonly bytes?: Uint8Array;
  readonly cleanup: () => Promise<void>;
}

/** 320 kbit/s for the longest segment a catalog has is far below this. */
const MAX_SEGMENT_BYTES = 64 * 1024 * 1024;

const clock = (s: number): string => `${Math.floor(s / 60)}m${String(Math.floor(s % 60)).padStart(2, '0')}s`;
/** What a file name on Windows, macOS or Linux cannot hold, and the control characters. */
// eslint-disable-next-line no-control-regex -- the control characters are what this strips from a download's file name
const UNSAFE_IN_FILE_NAMES = /[/\\\0-\x1f:*?"<>|]+/g;
const safe = (text: string): string => text.replace(UNSAFE_IN_FILE_NAMES, ' ').replace(/\s+/g, ' ').trim().slice(0, 80) || 'track';
const stem = (name: string): string => safe(basename(name, extname(name)));

/**
 * Exports through core/media, which runs ffmpeg: the segment as MP3, or the clip with its video
 * copied and the segment as its AAC soundtrack. At most `concurrency` at once; more get BUSY.
 */
export class Exporter {
  #running = 0;

  constructor(
    private readonly timeoutMs: number,
    private readonly concurrency = 2,
  ) {}

  /** The shell command doing what `mix` does, with the clip's and the track's file names. */
  command(request: ExportRequest): string {
    const container = soundtrackContainer({ index: 0, type: 'video', codec: request.clip.videoCodec });
    return soundtrackCommand({
      clipName: request.clip.name,
      musicName: basename(request.trackPath),
      audioStart: request.start,
      duration: request.clip.duration,
      container,
      outputName: `${stem(request.clip.name)} with ${safe(request.title)}.${container === 'mp4' ? 'mp4' : 'mkv'}`,
    });
  }

  async segment(request: ExportRequest, signal: AbortSignal): Promise<ExportFile> {
    return this.#limited(async () => {
      const cut = await cutSegment(request.trackPath, { start: request.start, duration: request.segmentSeconds, format: 'mp3', maxBytes: MAX_SEGMENT_BYTES, signal, timeoutMs: this.timeoutMs });
      return {
        name: `${safe(request.artist)} - ${safe(request.title)} (${clock(request.start)}-${clock(request.start + cut.duration)}).mp3`,
        type: cut.mimeType,
        bytes: cut.data,
        cleanup: async () => {},
      };
    });
  }

  async mix(request: ExportRequest, signal: AbortSignal): Promise<ExportFile> {
    return this.#limited(async () => {
      const dir = await mkdtemp(join(tmpdir(), 'cuecast-studio-export-'));
      try {
        const container = soundtrackContainer({ index: 0, type: 'video', codec: request.clip.videoCodec });
        const ext = container === 'mp4' ? 'mp4' : 'mkv';
        const output = join(dir, `mix.${ext}`);
        await muxSoundtrack(request.clipPath, request.trackPath, {
          audioStart: request.start,
          output,
          signal,
          timeoutMs: this.timeoutMs,
          maxDurationSeconds: Math.max(request.clip.duration + 60, 3600 * 3),
        });
        return {
          name: `${stem(request.clip.name)} with ${safe(request.title)}.${ext}`,
          type: container === 'mp4' ? 'video/mp4' : 'video/x-matroska',
          path: output,
          cleanup: () => rm(dir, { recursive: true, force: true }),
        };
      } catch (error) {
        await rm(dir, { recursive: true, force: true });
        throw error;
      }
    });
  }

  async #limited<T>(work: () => Promise<T>): Promise<T> {
    if (this.#running >= this.concurrency) throw new CuecastError('BUSY', `${this.concurrency} exports are running; try again in a moment`);
    this.#running++;
    try {
      return await work();
    } finally {
      this.#running--;
    }
  }
}

export function parseExportKind(value: string | null): ExportKind {
  if (value && (EXPORT_KINDS as readonly string[]).includes(value)) return value as ExportKind;
  throw new InputError('INPUT_INVALID', `kind must be one of: ${EXPORT_KINDS.join(', ')}`);
}
