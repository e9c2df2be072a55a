import { MediaError } from '../errors.js';
import { audioSampleRate, expectedSamples, maxPcmBytes, pcmOutputArgs, readPcm, type AudioOptions } from './audio.js';
import { failureFromExit } from './failure.js';
import { maxTraceBytes, readTrace, traceFilter, type LoudnessTrace } from './loudness.js';
import { checkWindow, chooseStream, inputArgs, prepareInput } from './prepare.js';
import { remainingMs } from './probe.js';
import { runChild } from './process.js';
import type { MediaInput } from './types.js';

export interface AudioWithLoudness {
  /** What `audio()` returns for the same options. */
  readonly samples: Float32Array;
  /** What `loudness()` returns: the whole first audio stream's trace, not only the window's. */
  readonly loudness: LoudnessTrace;
}

/**
 * `audio()` of the window [0, duration) and `loudness()` of the whole track from one ffmpeg run: the
 * stream is decoded once and feeds two outputs, the samples (trimmed to the window, on stdout) and the
 * loudness trace (to the end, printed on fd 3). After the window ends ffmpeg keeps reading for the trace
 * only; memory stays that of one decode. Errors are those of `audio()`, then those of `loudness()` (a
 * trace under 90% of the track with damage reported). `onDamage` is told once per run, with the span
 * of the whole track, since the run decoded all of it.
 */
export async function audioWithLoudness(input: MediaInput, options: AudioOptions = {}): Promise<AudioWithLoudness> {
  const sampleRate = audioSampleRate(options);
  if (options.start !== undefined && options.start !== 0) {
    throw new MediaError('INPUT_INVALID', `audio with its loudness trace starts at 0 (the trace covers the whole track), got start ${options.start}`);
  }
  const prepared = await prepareInput(input, options, 'audio');
  const { info, limits, binaries } = prepared;
  const label = prepared.input.label;
  try {
    checkWindow(info, label, 0, options.duration);
    const expected = expectedSamples(info, 0, options.duration, sampleRate);
    const stream = chooseStream(info, 'audio');
    const map = ['-map', `0:${stream.index}`, '-vn', '-sn', '-dn'];
    // atrim with audio()'s `-t` value cuts the same frames at the same sample as the input option does,
    // before the resampler, so the samples are byte-identical; the trace's output is not cut.
    const window = options.duration !== undefined ? ['-af', `atrim=duration=${options.duration.toFixed(6)}`] : [];
    const { filter, stepSeconds } = traceFilter(stream, 3);
    const args = [...inputArgs(prepared.input, 0, undefined), ...map, ...window, ...pcmOutputArgs(sampleRate), ...map, '-af', filter, '-f', 'null', '-'];
    const { stdout, side, exit } = await runChild({
      command: binaries.ffmpeg.path,
      args,
      timeoutMs: remainingMs(limits),
      signal: limits.signal,
      maxStdoutBytes: maxPcmBytes(expected, sampleRate, limits.maxInputBytes),
      maxSideBytes: maxTraceBytes(info, limits),
      sharedStdout: options.shared,
    });
    if (exit.stopped || exit.code !== 0) throw failureFromExit(exit, { operation: 'audio', label, timeoutMs: limits.timeoutMs });
    const pcm = readPcm(stdout, exit, label, expected, sampleRate);
    const { trace, damage } = readTrace(side ?? Buffer.alloc(0), exit, info, label, stepSeconds);
    const reported = damage ?? pcm.damage;
    if (reported) options.onDamage?.(reported);
    return { samples: pcm.samples, loudness: trace };
  } finally {
    await prepared.input.close();
  }
}
