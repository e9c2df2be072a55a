import { MediaError } from '../errors.js';
import { failureFromExit } from './failure.js';
import { checkWindow, chooseStream, inputArgs, prepareInput, type PrepareOptions } from './prepare.js';
import { remainingMs } from './probe.js';
import { runChild } from './process.js';
import type { MediaInput } from './types.js';

export type SegmentFormat = 'mp3' | 'ogg';

export interface SegmentOptions extends PrepareOptions {
  /** Seconds from the start. */
  readonly start: number;
  /** Seconds to cut. */
  readonly duration: number;
  readonly format: SegmentFormat;
  /** Largest result accepted (a Discord attachment limit, say); over it: `MEDIA_TOO_LARGE`. */
  readonly maxBytes?: number;
}

/** A short encoded audio preview. */
export interface AudioSegment {
  readonly data: Uint8Array;
  readonly format: SegmentFormat;
  readonly mimeType: 'audio/mpeg' | 'audio/ogg';
  readonly start: number;
  readonly duration: number;
}

const ENCODERS: Readonly<Record<SegmentFormat, { args: readonly string[]; mimeType: AudioSegment['mimeType'] }>> = {
  mp3: { args: ['-c:a', 'libmp3lame', '-b:a', '128k', '-f', 'mp3'], mimeType: 'audio/mpeg' },
  ogg: { args: ['-c:a', 'libopus', '-b:a', '96k', '-ar', '48000', '-f', 'ogg'], mimeType: 'audio/ogg' },
};

const isSegmentFormat = (value: unknown): value is SegmentFormat => typeof value === 'string' && Object.hasOwn(ENCODERS, value);

const DEFAULT_MAX_BYTES = 8 * 1024 * 1024;

/** Cuts [start, start + duration) of the first audio track and encodes it as mp3 or ogg/opus. */
export async function cutSegment(input: MediaInput, options: SegmentOptions): Promise<AudioSegment> {
  const format: unknown = options.format; // from plain JavaScript or a request, anything
  if (!isSegmentFormat(format)) throw new MediaError('INPUT_INVALID', `format must be one of: mp3, ogg (got "${String(format)}")`);
  const encoder = ENCODERS[format];
  const prepared = await prepareInput(input, options, 'audio');
  const { info, limits, binaries } = prepared;
  const label = prepared.input.label;
  try {
    checkWindow(info, label, options.start, options.duration);
    const stream = chooseStream(info, 'audio');
    const args = [...inputArgs(prepared.input, options.start, options.duration), ...['-map', `0:${stream.index}`, '-vn', '-sn', '-dn', '-map_metadata', '-1', ...encoder.args, 'pipe:1']];
    const maxStdoutBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
    const { stdout, exit } = await runChild({ command: binaries.ffmpeg.path, args, timeoutMs: remainingMs(limits), signal: limits.signal, maxStdoutBytes });
    if (exit.stopped || exit.code !== 0) throw failureFromExit(exit, { operation: 'cut', label, timeoutMs: limits.timeoutMs });
    const duration = info.duration !== undefined ? Math.min(options.duration, info.duration - options.start) : options.duration;
    // An encoded cut's length is not known without decoding it again: a damaged source that still produced
    // output is kept (the preview plays what decoded); no output at all is refused.
    if (stdout.length === 0) throw new MediaError('MEDIA_UNREADABLE', `Cannot cut a segment from ${label}: nothing decoded`, { input: label });
    return { data: new Uint8Array(stdout.buffer, stdout.byteOffset, stdout.length), format: options.format, mimeType: encoder.mimeType, start: options.start, duration };
  } finally {
    await prepared.input.close();
  }
}
