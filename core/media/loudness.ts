import { MediaError } from '../errors.js';
import { failureFromExit, judgeDamage, type DecodeDamage } from './failure.js';
import { chooseStream, inputArgs, prepareInput, type PrepareOptions } from './prepare.js';
import { remainingMs } from './probe.js';
import { runChild } from './process.js';
import type { MediaInput } from './types.js';

/** EBU R128 momentary loudness of a whole audio track, one value per step. */
export interface LoudnessTrace {
  /** Seconds between values (0.1: R128's 400 ms blocks with 75% overlap). */
  readonly stepSeconds: number;
  /** LUFS of the 400 ms block ending at (i + 1) * stepSeconds; about -120 for digital silence. */
  readonly momentary: Float32Array;
}

export interface LoudnessOptions extends PrepareOptions {
  /** Told when damaged data was skipped but at least 90% of the track decoded. */
  readonly onDamage?: ((damage: DecodeDamage) => void) | undefined;
}

const STEP_SECONDS = 0.1;
/** Bytes of the printed trace per second of audio (two short lines per step), with room to spare. */
const TRACE_BYTES_PER_SECOND = 1024;
const SILENCE_FLOOR = -120;

/**
 * Momentary loudness (ITU-R BS.1770 K-weighting over all channels, as ffmpeg's `ebur128` filter measures
 * it) every 100 ms over the whole first audio stream, read from the filter's per-frame metadata.
 */
export async function loudness(input: MediaInput, options: LoudnessOptions = {}): Promise<LoudnessTrace> {
  const prepared = await prepareInput(input, options, 'audio');
  const { info, limits, binaries } = prepared;
  const label = prepared.input.label;
  try {
    const stream = chooseStream(info, 'audio');
    const rate = stream.sampleRate ?? 48_000;
    const step = Math.max(1, Math.round(rate * STEP_SECONDS));
    const filter = `asetnsamples=n=${step}:p=0,ebur128=metadata=1,ametadata=mode=print:key=lavfi.r128.M:file=pipe\\\\:1`;
    const args = [...inputArgs(prepared.input, 0, undefined), '-map', `0:${stream.index}`, '-vn', '-sn', '-dn', '-af', filter, '-f', 'null', '-'];
    const maxStdoutBytes = Math.ceil(((info.duration ?? limits.maxDurationSeconds) + 60) * TRACE_BYTES_PER_SECOND);
    const { stdout, exit } = await runChild({ command: binaries.ffmpeg.path, args, timeoutMs: remainingMs(limits), signal: limits.signal, maxStdoutBytes });
    if (exit.stopped || exit.code !== 0) throw failureFromExit(exit, { operation: 'audio', label, timeoutMs: limits.timeoutMs });
    const momentary = parseTrace(stdout.toString('utf8'));
    if (momentary.length === 0) throw new MediaError('MEDIA_UNREADABLE', `No audio of ${label} could be decoded`, { input: label });
    const stepSeconds = step / rate;
    const damage = judgeDamage(exit, { operation: 'audio', label }, { decodedSeconds: momentary.length * stepSeconds, expectedSeconds: info.duration });
    if (damage) options.onDamage?.(damage);
    return { stepSeconds, momentary };
  } finally {
    await prepared.input.close();
  }
}

/** `lavfi.r128.M=<LUFS>` lines in order; `-inf`/`nan` read as the silence floor. */
export function parseTrace(text: string): Float32Array {
  const values: number[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith('lavfi.r128.M=')) continue;
    const value = Number(line.slice('lavfi.r128.M='.length));
    values.push(Number.isFinite(value) ? Math.max(SILENCE_FLOOR, value) : SILENCE_FLOOR);
  }
  return Float32Array.from(values);
}
