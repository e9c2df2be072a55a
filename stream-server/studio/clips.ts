import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CuecastError, MediaError } from '../../core/errors.js';
import { probe } from '../../core/media/index.js';
import type { VideoContainer } from '../../core/media/clip-rules.js';
import type { FrameEncoder } from '../../model/types.js';
import { clipEmbeddings } from '../../recommend/clip-features.js';
import type { ReceivedClip } from './uploads.js';

export interface ClipAnalysis {
  readonly fps: number;
  readonly maxFrames: number;
  /** Longest clip, in seconds (the bot's `discord.maxClipSeconds`). */
  readonly maxClipSeconds: number;
  readonly timeoutMs: number;
}

/** What the studio keeps of a clip besides the file. */
export interface ClipInfo {
  readonly id: string;
  readonly name: string;
  readonly size: number;
  readonly container: VideoContainer;
  readonly duration: number;
  readonly width?: number;
  readonly height?: number;
  readonly videoCodec: string;
  readonly createdAt: number;
}

const MIME: Readonly<Record<VideoContainer, string>> = {
  mp4: 'video/mp4',
  matroska: 'video/webm',
  avi: 'video/x-msvideo',
  'mpeg-ps': 'video/mpeg',
  'mpeg-ts': 'video/mp2t',
  ogg: 'video/ogg',
  gif: 'image/gif',
  flv: 'video/x-flv',
  asf: 'video/x-ms-asf',
  y4m: 'video/x-yuv4mpeg',
};

export const clipMimeType = (clip: ClipInfo): string => (clip.container === 'matroska' && !/\.webm$/i.test(clip.name) ? 'video/x-matroska' : MIME[clip.container]);

const isClipId = (id: string): boolean => /^[A-Za-z0-9_-]{16}$/.test(id);

/**
 * Uploaded clips on disk (`<dataDir>/studio/clips/<id>/`), kept while their conversations may be
 * reopened: probed for the duration limit, frames encoded once (the embeddings go into the conversation).
 */
export class ClipStore {
  constructor(
    private readonly dir: string,
    private readonly encoder: FrameEncoder,
    private readonly analysis: ClipAnalysis,
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Checks a received upload as a clip and encodes its frames; the upload's files are moved or removed. */
  async admit(upload: ReceivedClip, signal: AbortSignal): Promise<{ clip: ClipInfo; frameEmbeddings: Float32Array[] }> {
    try {
      const info = await probe(upload.path, { signal, timeoutMs: this.analysis.timeoutMs, maxInputBytes: upload.size });
      if (info.duration !== undefined && info.duration > this.analysis.maxClipSeconds) {
        throw new MediaError('MEDIA_TOO_LONG', `${upload.name} lasts ${Math.round(info.duration)} s, over the limit of ${this.analysis.maxClipSeconds} s`, {
          duration: info.duration,
          maxDurationSeconds: this.analysis.maxClipSeconds,
        });
      }
      const video = info.streams.find((s) => s.type === 'video' && !s.attachedPicture);
      if (!video) throw new MediaError('MEDIA_NO_VIDEO', `${upload.name} has no video (${info.hasAudio ? 'it is audio only' : 'no picture stream'})`);
      const { embeddings, times } = await clipEmbeddings(upload.path, this.encoder, {
        fps: this.analysis.fps,
        maxFrames: this.analysis.maxFrames,
        size: 224,
        signal,
        timeoutMs: this.analysis.timeoutMs,
        maxDurationSeconds: this.analysis.maxClipSeconds,
        noFramesCode: 'MEDIA_EMPTY',
      });
      const duration = info.duration ?? times.at(-1) ?? 0;
      const id = randomBytes(12).toString('base64url');
      const clip: ClipInfo = {
        id,
        name: upload.name,
        size: upload.size,
        container: upload.container,
        duration,
        ...(video.width !== undefined ? { width: video.width } : {}),
        ...(video.height !== undefined ? { height: video.height } : {}),
        videoCodec: video.codec,
        createdAt: this.now(),
      };
      await mkdir(this.dir, { recursive: true, mode: 0o700 });
      await writeFile(join(upload.dir, 'clip.json'), JSON.stringify(clip), { mode: 0o600 });
      await rename(upload.dir, join(this.dir, id));
      return { clip, frameEmbeddings: embeddings };
    } catch (error) {
      await rm(upload.dir, { recursive: true, force: true });
      throw error;
    }
  }

  /** A kept clip; `touch` marks it used, so it stays as long as a conversation keeps using it. */
  async get(id: string, touch = false): Promise<ClipInfo> {
    if (!isClipId(id)) throw new CuecastError('NOT_FOUND', 'No such clip');
    try {
      const folder = join(this.dir, id);
      if ((await stat(folder)).mtimeMs < this.now() - this.ttlMs) throw new Error('expired');
      const clip = JSON.parse(await readFile(join(folder, 'clip.json'), 'utf8')) as ClipInfo;
      if (touch) await utimes(folder, new Date(this.now()), new Date(this.now()));
      return clip;
    } catch {
      throw new CuecastError('EXPIRED', 'That clip is no longer kept; upload it again');
    }
  }

  /** Path of a clip's video file. */
  path(id: string): string {
    return join(this.dir, id, 'clip');
  }

  /** Removes clips unused for longer than the time they are kept; returns how many. */
  async sweep(): Promise<number> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch {
      return 0;
    }
    let removed = 0;
    for (const name of names) {
      const info = await stat(join(this.dir, name)).catch(() => undefined);
      if (info && info.mtimeMs < this.now() - this.ttlMs) {
        await rm(join(this.dir, name), { recursive: true, force: true });
        removed++;
      }
    }
    return removed;
  }
}
