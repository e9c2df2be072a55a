import { MediaError } from '../errors.js';
import { failureFromExit, judgeDamage, type DecodeDamage } from './failure.js';
import { checkWindow, chooseStream, inputArgs, prepareInput, type PrepareOptions } from './prepare.js';
import { remainingMs } from './probe.js';
import { runChild, type ChildExit } from './process.js';
import type { MediaInfo, MediaInput } from './types.js';

export interface AudioOptions extends PrepareOptions {
  /** Output rate in Hz (default 48000, CLAP's). */
  readonly sampleRate?: number;
  /** Output channels: mono only (mixed down). */
  readonly channels?: 1;
  /** Seconds from the start (default 0). */
  readonly start?: number;
  /** Seconds to decode (default: to the end). */
  readonly duration?: number;
  /**
   * Told when ffmpeg skipped damaged data but at least 90% of the window decoded (the documented rule);
   * below that the call throws MEDIA_UNREADABLE. Without it a damaged decode that passes is kept silently.
   */
  readonly onDamage?: ((damage: DecodeDamage) => void) | undefined;
  /**
   * Samples in a SharedArrayBuffer (when not padded to the window's length), so windows cut as views go
   * to a worker thread without a copy (the indexer's decodes).
   */
  readonly shared?: boolean | undefined;
}

/**
 * Decoders end a few ms early or late (codec frame sizes, encoder delay). Within this slack, the
 * output is trimmed or zero-padded to exactly round(seconds * sampleRate) samples.
 */
const EXACT_SLACK_SECONDS = 0.1;

/** Samples the window holds, when its end is known. */
export function expectedSamples(info: MediaInfo, start: number, duration: number | undefined, sampleRate: number): number | undefined {
  const toEnd = info.duration !== undefined ? info.duration - start : undefined;
  const seconds = duration !== undefined && toEnd !== undefined ? Math.min(duration, toEnd) : (duration ?? toEnd);
  return seconds === undefined ? undefined : Math.round(seconds * sampleRate);
}

/** Trims or pads `samples` to `expected` when they differ by less than the slack. */
export function exactLength(samples: Float32Array, expected: number | undefined, sampleRate: number): Float32Array {
  if (expected === undefined || samples.length === expected) return samples;
  if (samples.length > expected) return samples.subarray(0, expected);
  if (expected - samples.length > EXACT_SLACK_SECONDS * sampleRate) return samples;
  const padded = new Float32Array(expected);
  padded.set(samples);
  return padded;
}

function toFloat32(bytes: Buffer): Float32Array {
  const count = Math.floor(bytes.length / 4);
  // A Buffer that owns its memory (Buffer.concat of more than 4 KiB allocates its own; a shared one too) is
  // read in place; a small one may be a slice of Node's shared pool, at any offset: copied.
  if (bytes.byteOffset === 0 && bytes.buffer.byteLength === bytes.length) return new Float32Array(bytes.buffer, 0, count);
  const samples = new Float32Array(count);
  new Uint8Array(samples.buffer).set(bytes.subarray(0, count * 4));
  return samples;
}

/** The checked output rate of an audio call (mono only). */
export function audioSampleRate(options: Pick<AudioOptions, 'sampleRate' | 'channels'>): number {
  const sampleRate = options.sampleRate ?? 48_000;
  if (!(Number.isInteger(sampleRate) && sampleRate >= 1000 && sampleRate <= 384_000)) {
    throw new MediaError('INPUT_INVALID', `sampleRate must be an integer between 1000 and 384000, got ${sampleRate}`);
  }
  const channels: unknown = options.channels; // from plain JavaScript or a settings file, anything
  if (channels !== undefined && channels !== 1) throw new MediaError('INPUT_INVALID', `channels must be 1, got ${JSON.stringify(channels)}`);
  return sampleRate;
}

/** Output options of the mono f32le stream on stdout. */
export function pcmOutputArgs(sampleRate: number): string[] {
  return ['-ac', '1', '-ar', String(sampleRate), '-f', 'f32le', 'pipe:1'];
}

/** Most stdout bytes the window's samples may take. */
export function maxPcmBytes(expected: number | undefined, sampleRate: number, maxInputBytes: number): number {
  return expected !== undefined ? (expected + sampleRate) * 4 : maxInputBytes;
}

/**
 * The samples of a run that exited 0: MEDIA_UNREADABLE when there are none or (with damage reported)
 * under 90% of the window; trimmed or padded to the expected length; with the damage when it passes.
 */
export function readPcm(stdout: Buffer, exit: ChildExit, label: string, expected: number | undefined, sampleRate: number): { samples: Float32Array; damage: DecodeDamage | undefined } {
  if (stdout.length === 0) throw new MediaError('MEDIA_UNREADABLE', `No audio of ${label} could be decoded`, { input: label });
  const decodedSeconds = Math.floor(stdout.length / 4) / sampleRate;
  const damage = judgeDamage(exit, { operation: 'audio', label }, { decodedSeconds, expectedSeconds: expected !== undefined ? expected / sampleRate : undefined });
  return { samples: exactLength(toFloat32(stdout), expected, sampleRate), damage };
}

/** Mono float samples in [-1, 1] at `sampleRate`, decoded through ffmpeg's f32le pipe. */
export async function audio(input: MediaInput, options: AudioOptions = {}): Promise<Float32Array> {
  const sampleRate = audioSampleRate(options);
  const prepared = await prepareInput(input, options, 'audio');
  const { info, limits, binaries } = prepared;
  const label = prepared.input.label;
  try {
    const start = options.start ?? 0;
    checkWindow(info, label, start, options.duration);
    const expected = expectedSamples(info, start, options.duration, sampleRate);
    const stream = chooseStream(info, 'audio');
    const args = [...inputArgs(prepared.input, start, options.duration), '-map', `0:${stream.index}`, '-vn', '-sn', '-dn', ...pcmOutputArgs(sampleRate)];
    const maxStdoutBytes = maxPcmBytes(expected, sampleRate, limits.maxInputBytes);
    const { stdout, exit } = await runChild({ command: binaries.ffmpeg.path, args, timeoutMs: remainingMs(limits), signal: limits.signal, maxStdoutBytes, sharedStdout: options.shared });
    if (exit.stopped || exit.code !== 0) throw failureFromExit(exit, { operation: 'audio', label, timeoutMs: limits.timeoutMs });
    const { samples, damage } = readPcm(stdout, exit, label, expected, sampleRate);
    if (damage) options.onDamage?.(damage);
    return samples;
  } finally {
    await prepared.input.close();
  }
}
