import { MediaError } from '../errors.js';
import { failureFromExit } from './failure.js';
import { checkWindow, chooseStream, inputArgs, prepareInput, type PrepareOptions, type PreparedInput } from './prepare.js';
import { remainingMs } from './probe.js';
import { runChild } from './process.js';
import type { MediaInfo, StreamInfo } from './types.js';

export type SoundtrackContainer = 'mp4' | 'matroska';

export interface SoundtrackOptions extends PrepareOptions {
  /** Where in the soundtrack file the clip's first frame starts, in seconds. */
  readonly audioStart: number;
  /** The file to write (its extension should match `container(...)`); an existing file is replaced. */
  readonly output: string;
}

export interface Soundtracked {
  readonly output: string;
  readonly container: SoundtrackContainer;
  /** Seconds of the clip (and of the music laid under it, unless the track ends first). */
  readonly duration: number;
  readonly videoCodec: string;
}

/** Video codecs an MP4 holds when copied; anything else goes into Matroska, which holds them all. */
const MP4_VIDEO = new Set(['h264', 'hevc', 'mpeg4', 'av1', 'vp9', 'mpeg2video', 'mpeg1video', 'mjpeg']);
/** Codecs that are pictures rather than a stream a movie container can copy. */
const NOT_COPYABLE = new Set(['gif', 'png', 'apng', 'webp']);

/** The container a clip with this video stream is written to with its video copied. */
export function soundtrackContainer(video: StreamInfo): SoundtrackContainer {
  if (NOT_COPYABLE.has(video.codec)) {
    throw new MediaError('INPUT_INVALID', `a ${video.codec.toUpperCase()} clip has no video stream a movie file can copy; convert it to MP4 first`, { codec: video.codec });
  }
  return MP4_VIDEO.has(video.codec) ? 'mp4' : 'matroska';
}

const AUDIO_ARGS = ['-c:a', 'aac', '-b:a', '192k'];

/**
 * ffmpeg's arguments after the inputs: the clip's video copied, the music as AAC, metadata dropped,
 * the MP4 index at the front so players start at once.
 */
function outputArgs(video: StreamInfo, music: StreamInfo, container: SoundtrackContainer, output: string): string[] {
  return [
    ...['-map', `0:${video.index}`, '-map', `1:${music.index}`, '-c:v', 'copy', ...AUDIO_ARGS, '-map_metadata', '-1', '-sn', '-dn'],
    ...(container === 'mp4' ? ['-movflags', '+faststart', '-f', 'mp4'] : ['-f', 'matroska']),
    '-y',
    output,
  ];
}

function clipDuration(info: MediaInfo, label: string): number {
  if (info.duration === undefined || !(info.duration > 0)) throw new MediaError('MEDIA_UNREADABLE', `${label} has no known duration`, { input: label });
  return info.duration;
}

/**
 * Writes `clip` with its video stream copied and `music` from `audioStart` as its only audio (AAC),
 * as long as the clip. Both are files on this machine.
 */
export async function muxSoundtrack(clip: string, music: string, options: SoundtrackOptions): Promise<Soundtracked> {
  const video: PreparedInput = await prepareInput(clip, options, 'video');
  try {
    const duration = clipDuration(video.info, video.input.label);
    const videoStream = chooseStream(video.info, 'video');
    const container = soundtrackContainer(videoStream);
    const audio = await prepareInput(music, { ...options, info: undefined }, 'audio');
    try {
      checkWindow(audio.info, audio.input.label, options.audioStart, duration);
      const args = [
        ...inputArgs(video.input, 0, undefined),
        ...inputArgs(audio.input, options.audioStart, duration).slice(4),
        ...outputArgs(videoStream, chooseStream(audio.info, 'audio'), container, options.output),
      ];
      const { exit } = await runChild({ command: video.binaries.ffmpeg.path, args, timeoutMs: remainingMs(video.limits), signal: video.limits.signal, maxStdoutBytes: 64 * 1024 });
      const context = { operation: 'mux', label: video.input.label, timeoutMs: video.limits.timeoutMs };
      // The video is copied, not decoded; the music decodes as far as the clip lasts (a cut short
      // soundtrack still makes a playable file).
      if (exit.stopped || exit.code !== 0) throw failureFromExit(exit, context);
      return { output: options.output, container, duration, videoCodec: videoStream.codec };
    } finally {
      await audio.input.close();
    }
  } finally {
    await video.input.close();
  }
}

/** Quotes a word for a POSIX shell when it needs it. */
export function shellQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

export interface SoundtrackCommandSpec {
  readonly clipName: string;
  readonly musicName: string;
  readonly audioStart: number;
  readonly duration: number;
  readonly container: SoundtrackContainer;
  readonly outputName: string;
}

/** The command a person can run themselves for the same result as `muxSoundtrack` (first streams of each file). */
export function soundtrackCommand(spec: SoundtrackCommandSpec): string {
  const words = [
    'ffmpeg',
    ...['-i', spec.clipName],
    ...['-ss', spec.audioStart.toFixed(3), '-t', spec.duration.toFixed(3), '-i', spec.musicName],
    ...['-map', '0:v:0', '-map', '1:a:0', '-c:v', 'copy', ...AUDIO_ARGS],
    ...(spec.container === 'mp4' ? ['-movflags', '+faststart'] : []),
    spec.outputName,
  ];
  return words.map(shellQuote).join(' ');
}
