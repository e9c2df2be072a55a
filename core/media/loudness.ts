import { MediaError } from '../errors.js';
import { failureFromExit, judgeDamage, type DecodeDamage } from './failure.js';
import { chooseStream, inputArgs, prepareInput, type PrepareOptions } from './prepare.js';
import { remainingMs, type CallLimits } from './probe.js';
import { runChild, type ChildExit } from './process.js';
import type { MediaInfo, MediaInput, StreamInfo } from './types.js';

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
const TRACE_KEY = 'lavfi.r128.M';

/** The filter chain that measures a stream's trace and prints it to `pipe:<fd>`, and the trace's step. */
export function traceFilter(stream: StreamInfo, fd: 1 | 3): { filter: string; stepSeconds: number } {
  const rate = stream.sampleRate ?? 48_000;
  const step = Math.max(1, Math.round(rate * STEP_SECONDS));
  // `\\\\:` is `\:` once the filtergraph parser has read it: the colon belongs to the URL, not the option list.
  const filter = `asetnsamples=n=${step}:p=0,ebur128=metadata=1,ametadata=mode=print:key=${TRACE_KEY}:file=pipe\\\\:${fd}`;
  return { filter, stepSeconds: step / rate };
}

/** Most bytes the printed trace of this input may take. */
export function maxTraceBytes(info: MediaInfo, limits: CallLimits): number {
  return Math.ceil(((info.duration ?? limits.maxDurationSeconds) + 60) * TRACE_BYTES_PER_SECOND);
}

/**
 * The trace of a run that exited 0, judged like any decode of the whole track: MEDIA_UNREADABLE when it
 * is empty or (with damage reported) under 90% of the probed duration; the damage when it passes.
 */
export function readTrace(printed: Buffer, exit: ChildExit, info: MediaInfo, label: string, stepSeconds: number): { trace: LoudnessTrace; damage: DecodeDamage | undefined } {
  const momentary = parseTrace(printed.toString('utf8'));
  if (momentary.length === 0) throw new MediaError('MEDIA_UNREADABLE', `No audio of ${label} could be decoded`, { input: label });
  const damage = judgeDamage(exit, { operation: 'audio', label }, { decodedSeconds: momentary.length * stepSeconds, expectedSeconds: info.duration });
  return { trace: { stepSeconds, momentary }, damage };
}

/**
 * Momentary loudness (ITU-R BS.1770 K-weighting over all channels, as ffmpeg's `ebur128` filter measures
 * it) every 100 ms over the whole first audio stream, read from the filter's per-frame metadata.
 * `audioWithLoudness()` measures the same trace in the run that decodes a track's first chunk.
 */
export async function loudness(input: MediaInput, options: LoudnessOptions = {}): Promise<LoudnessTrace> {
  const prepared = await prepareInput(input, options, 'audio');
  const { info, limits, binaries } = prepared;
  const label = prepared.input.label;
  try {
    const stream = chooseStream(info, 'audio');
    const { filter, stepSeconds } = traceFilter(stream, 1);
    const args = [...inputArgs(prepared.input, 0, undefined), '-map', `0:${stream.index}`, '-vn', '-sn', '-dn', '-af', filter, '-f', 'null', '-'];
    const { stdout, exit } = await runChild({ command: binaries.ffmpeg.path, args, timeoutMs: remainingMs(limits), signal: limits.signal, maxStdoutBytes: maxTraceBytes(info, limits) });
    if (exit.stopped || exit.code !== 0) throw failureFromExit(exit, { operation: 'audio', label, timeoutMs: limits.timeoutMs });
    const { trace, damage } = readTrace(stdout, exit, info, label, stepSeconds);
    if (damage) options.onDamage?.(damage);
    return trace;
  } finally {
    await prepared.input.close();
  }
}

/**
 * `lavfi.r128.M=<LUFS>` lines in order; `-inf`/`nan` read as the silence floor. The lines come from the
 * ebur128 filter, never from the file: `ametadata` prints only this key, whose value ebur128 sets on every
 * frame (replacing any a stream's own metadata carried), and the frame lines it prints start otherwise.
 */
export function parseTrace(text: string): Float32Array {
  const values: number[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${TRACE_KEY}=`)) continue;
    const value = Number(line.slice(TRACE_KEY.length + 1));
    values.push(Number.isFinite(value) ? Math.max(SILENCE_FLOOR, value) : SILENCE_FLOOR);
  }
  return Float32Array.from(values);
}
