import { MediaError } from '../errors.js';
import { mediaBinaries, type MediaBinaries } from './binaries.js';
import { parseFfmpegBanner } from './ffmpeg-banner.js';
import { parseFfprobeJson } from './ffprobe-json.js';
import { failureFromExit } from './failure.js';
import { openInput, type OpenedInput } from './input.js';
import { runChild } from './process.js';
import { mediaSettings, type MediaSettings } from './settings.js';
import type { MediaInfo, MediaInput } from './types.js';

const PROBE_OUTPUT_BYTES = 4 * 1024 * 1024;
/**
 * Most packets a probe lists (all streams together): about 4 minutes of 30 fps video with its audio,
 * about 2.5 MB of JSON. A listing past the output cap (packets with large side data) is dropped, and
 * the input probed again without it.
 */
export const PACKET_LISTING_CAP = 20_000;

/** Options every media call takes; unset limits come from `configureMedia()` (config `media.*`). */
export interface MediaCallOptions {
  readonly signal?: AbortSignal | undefined;
  /** Limit for the whole call (probe and decode), ms. */
  readonly timeoutMs?: number | undefined;
  readonly maxDurationSeconds?: number | undefined;
  readonly maxInputBytes?: number | undefined;
  /** `-rw_timeout` for network inputs, ms. */
  readonly networkTimeoutMs?: number | undefined;
  /** An HTTP proxy every http(s) request of ffmpeg goes through (redirects and HLS segments included). */
  readonly httpProxy?: string | undefined;
}

/** A call's limits with its deadline. */
export interface CallLimits extends MediaSettings {
  readonly deadline: number;
  readonly signal?: AbortSignal | undefined;
  readonly httpProxy?: string | undefined;
}

export function callLimits(options: MediaCallOptions): CallLimits {
  const settings = mediaSettings();
  const timeoutMs = options.timeoutMs ?? settings.timeoutMs;
  return {
    timeoutMs,
    maxDurationSeconds: options.maxDurationSeconds ?? settings.maxDurationSeconds,
    maxInputBytes: options.maxInputBytes ?? settings.maxInputBytes,
    networkTimeoutMs: Math.min(options.networkTimeoutMs ?? settings.networkTimeoutMs, timeoutMs),
    deadline: Date.now() + timeoutMs,
    signal: options.signal,
    httpProxy: options.httpProxy,
  };
}

/**
 * How long one probe may take: the time left, and for a network input at most the network timeout,
 * since ffmpeg's own -rw_timeout does not reach HLS segment requests (a live playlist whose segments
 * never answer would otherwise hold the probe for the whole call limit).
 */
export function probeTimeoutMs(limits: CallLimits, input: OpenedInput): number {
  return input.kind === 'url' ? Math.min(remainingMs(limits), limits.networkTimeoutMs) : remainingMs(limits);
}

const probeLimit = (limits: CallLimits, input: OpenedInput): number => (input.kind === 'url' ? Math.min(limits.timeoutMs, limits.networkTimeoutMs) : limits.timeoutMs);

/** Time left before the call's deadline (at least 1 ms, so a late child still starts and times out). */
export function remainingMs(limits: CallLimits): number {
  return Math.max(1, limits.deadline - Date.now());
}

export function throwIfAborted(limits: CallLimits, operation: string, label: string): void {
  if (limits.signal?.aborted) throw new MediaError('MEDIA_ABORTED', `${operation} of ${label} was aborted`, { input: label, operation });
}

async function probeWithFfprobe(ffprobe: string, input: OpenedInput, limits: CallLimits, listPackets: boolean): Promise<MediaInfo> {
  const listing = listPackets ? ['-show_entries', 'packet=stream_index,pts_time,flags', '-read_intervals', `%+#${PACKET_LISTING_CAP}`] : [];
  const args = ['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', ...listing, ...input.options, '-i', input.arg];
  const { stdout, exit } = await runChild({ command: ffprobe, args, timeoutMs: probeTimeoutMs(limits, input), signal: limits.signal, maxStdoutBytes: PROBE_OUTPUT_BYTES });
  if (exit.code !== 0 || exit.stopped) throw failureFromExit(exit, { operation: 'probe', label: input.label, timeoutMs: probeLimit(limits, input) });
  try {
    return parseFfprobeJson(stdout.toString('utf8'), input.sizeBytes, listPackets ? PACKET_LISTING_CAP : undefined);
  } catch (error) {
    throw new MediaError('MEDIA_UNREADABLE', `Cannot probe ${input.label}: ffprobe printed no valid JSON`, { input: input.label }, { cause: error });
  }
}

/** Without ffprobe: `ffmpeg -i INPUT` with no output describes the input on stderr, then exits 1. */
async function probeWithFfmpeg(ffmpeg: string, input: OpenedInput, limits: CallLimits): Promise<MediaInfo> {
  const args = ['-hide_banner', '-nostdin', ...input.options, '-i', input.arg];
  const { exit } = await runChild({ command: ffmpeg, args, timeoutMs: probeTimeoutMs(limits, input), signal: limits.signal, maxStdoutBytes: PROBE_OUTPUT_BYTES, stderrBytes: 256 * 1024 });
  const info = exit.stopped ? undefined : parseFfmpegBanner(exit.stderr, input.sizeBytes);
  if (!info) throw failureFromExit(exit, { operation: 'probe', label: input.label, timeoutMs: probeLimit(limits, input) });
  return info;
}

/** ffprobe, with the packet listing when asked; a listing too large for the output cap is given up. */
async function probeWithListing(ffprobe: string, input: OpenedInput, limits: CallLimits, listPackets: boolean): Promise<MediaInfo> {
  if (!listPackets) return probeWithFfprobe(ffprobe, input, limits, false);
  try {
    return await probeWithFfprobe(ffprobe, input, limits, true);
  } catch (error) {
    if (error instanceof MediaError && error.code === 'MEDIA_TOO_LARGE') return probeWithFfprobe(ffprobe, input, limits, false);
    throw error;
  }
}

/**
 * Probes an opened input with ffprobe, or with ffmpeg when no ffprobe runs. `listPackets`: also list the
 * packets' times and keyframe flags (ffprobe only, local inputs only: it reads the packets, not just the header).
 */
export async function probeOpened(binaries: MediaBinaries, input: OpenedInput, limits: CallLimits, listPackets = false): Promise<MediaInfo> {
  throwIfAborted(limits, 'probe', input.label);
  const info = binaries.ffprobe ? await probeWithListing(binaries.ffprobe.path, input, limits, listPackets && input.kind !== 'url') : await probeWithFfmpeg(binaries.ffmpeg.path, input, limits);
  if (info.streams.length === 0) {
    throw new MediaError('MEDIA_UNREADABLE', `${input.label} has no audio or video streams`, { input: input.label, format: info.format });
  }
  return info;
}

export interface ProbeOptions extends MediaCallOptions {
  /** Use these binaries instead of the process-wide ones (tests force the ffmpeg-only path). */
  readonly binaries?: MediaBinaries | undefined;
}

/** Duration, streams, codecs and tags of a file, URL or byte buffer. */
export async function probe(input: MediaInput, options: ProbeOptions = {}): Promise<MediaInfo> {
  const limits = callLimits(options);
  const binaries = options.binaries ?? (await mediaBinaries());
  const opened = await openInput(input, limits);
  try {
    return await probeOpened(binaries, opened, limits);
  } finally {
    await opened.close();
  }
}
