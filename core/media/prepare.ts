import { MediaError } from '../errors.js';
import { mediaBinaries, type MediaBinaries } from './binaries.js';
import { openInput, type OpenedInput } from './input.js';
import { callLimits, probeOpened, throwIfAborted, type CallLimits, type ProbeOptions } from './probe.js';
import type { MediaInfo, MediaInput, StreamInfo } from './types.js';

/** An opened, probed and checked input, ready to decode. Close it when done. */
export interface PreparedInput {
  readonly binaries: MediaBinaries;
  readonly input: OpenedInput;
  readonly info: MediaInfo;
  readonly limits: CallLimits;
}

export interface PrepareOptions extends ProbeOptions {
  /** A MediaInfo from an earlier `probe()` of the same input, to skip probing again. */
  readonly info?: MediaInfo | undefined;
  /** Have the probe list the packets' times and keyframe flags (local inputs; see probe.ts). */
  readonly listPackets?: boolean;
}

function checkInfo(info: MediaInfo, label: string, needs: 'video' | 'audio', limits: CallLimits): void {
  if (info.duration !== undefined && info.duration > limits.maxDurationSeconds) {
    throw new MediaError('MEDIA_TOO_LONG', `${label} lasts ${Math.round(info.duration)} s, over the limit of ${limits.maxDurationSeconds} s`, {
      input: label,
      duration: info.duration,
      maxDurationSeconds: limits.maxDurationSeconds,
    });
  }
  if (needs === 'video' && !info.hasVideo) {
    throw new MediaError('MEDIA_NO_VIDEO', `${label} has no video (${info.hasAudio ? 'it is audio only' : 'no picture stream'})`, { input: label, format: info.format });
  }
  if (needs === 'audio' && !info.hasAudio) {
    throw new MediaError('MEDIA_NO_AUDIO', `${label} has no audio track`, { input: label, format: info.format });
  }
}

/** Opens, probes (unless `info` is given) and checks an input: length limit and the stream the caller needs. */
export async function prepareInput(input: MediaInput, options: PrepareOptions, needs: 'video' | 'audio'): Promise<PreparedInput> {
  const limits = callLimits(options);
  const binaries = options.binaries ?? (await mediaBinaries());
  const opened = await openInput(input, limits);
  try {
    const info = options.info ?? (await probeOpened(binaries, opened, limits, options.listPackets === true));
    checkInfo(info, opened.label, needs, limits);
    throwIfAborted(limits, needs === 'video' ? 'frames' : 'audio', opened.label);
    return { binaries, input: opened, info, limits };
  } catch (error) {
    await opened.close();
    throw error;
  }
}

/** The stream to decode: the first video stream that is not cover art, or the first audio stream. */
export function chooseStream(info: MediaInfo, type: 'video' | 'audio'): StreamInfo {
  const stream = info.streams.find((candidate) => candidate.type === type && !candidate.attachedPicture);
  if (!stream) throw new MediaError(type === 'video' ? 'MEDIA_NO_VIDEO' : 'MEDIA_NO_AUDIO', `No ${type} stream`);
  return stream;
}

/** Checks a [start, start + duration) window against the input's length. */
export function checkWindow(info: MediaInfo, label: string, start: number, duration: number | undefined): void {
  if (!(start >= 0) || !Number.isFinite(start)) throw new MediaError('INPUT_INVALID', `start must be a finite number >= 0, got ${start}`, { input: label });
  if (duration !== undefined && !(duration > 0 && Number.isFinite(duration))) {
    throw new MediaError('INPUT_INVALID', `duration must be a finite number > 0, got ${duration}`, { input: label });
  }
  if (info.duration !== undefined && start >= info.duration) {
    throw new MediaError('INPUT_INVALID', `start ${start} s is past the end of ${label} (${info.duration.toFixed(2)} s)`, { input: label, start, duration: info.duration });
  }
}

/** Arguments before the input: quiet logging, no console input, seek and window, protocol options. */
export function inputArgs(input: OpenedInput, start: number, duration: number | undefined, decoderOptions: readonly string[] = []): string[] {
  return [
    '-hide_banner',
    '-nostdin',
    '-v',
    'error',
    ...(start > 0 ? ['-ss', start.toFixed(6)] : []),
    ...(duration !== undefined ? ['-t', duration.toFixed(6)] : []),
    ...input.options,
    ...decoderOptions,
    '-i',
    input.arg,
  ];
}
