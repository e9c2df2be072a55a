/**
 * Silence and loudness per segment, from the EBU R128 momentary loudness that core/media measures with
 * ffmpeg's `ebur128` filter (400 ms blocks every 100 ms).
 */
import type { LoudnessTrace } from '../core/media/index.js';

/** Bump when BPM, loudness or silence analysis changes what it stores (finished work is redone). */
export const ANALYSIS_VERSION = 2;

/** A block quieter than this is inaudible in practice (R128's own absolute gate is -70 LUFS). */
export const AUDIBLE_LUFS = -60;
/** A segment is silent when less than this share of it is audible (under 7.5 s of a 30 s segment). */
export const MIN_AUDIBLE_SHARE = 0.25;
const ABSOLUTE_GATE_LUFS = -70;
const RELATIVE_GATE_LU = 10;

function blocksIn(trace: LoudnessTrace, start: number, end: number): Float32Array {
  const from = Math.max(0, Math.round(start / trace.stepSeconds));
  const to = Math.min(trace.momentary.length, Math.max(from + 1, Math.round(end / trace.stepSeconds)));
  return trace.momentary.subarray(from, to);
}

function meanLoudness(blocks: Iterable<number>): number | undefined {
  let power = 0;
  let count = 0;
  for (const lufs of blocks) {
    power += 10 ** (lufs / 10);
    count++;
  }
  return count === 0 ? undefined : 10 * Math.log10(power / count);
}

/**
 * Gated loudness (ITU-R BS.1770: blocks above -70 LUFS, then above the mean minus 10 LU) of the blocks in
 * [start, end); when no block passes the absolute gate, the plain mean (about -120 for digital silence).
 */
export function gatedLoudness(blocks: Float32Array): number {
  const loud = [...blocks].filter((b) => b > ABSOLUTE_GATE_LUFS);
  if (loud.length === 0) return meanLoudness(blocks) ?? -120;
  const relative = meanLoudness(loud)! - RELATIVE_GATE_LU;
  return meanLoudness(loud.filter((b) => b > relative)) ?? relative;
}

export function segmentLoudness(trace: LoudnessTrace, start: number, end: number): { loudnessLufs: number; silent: boolean } {
  const blocks = blocksIn(trace, start, end);
  let audible = 0;
  for (const b of blocks) if (b > AUDIBLE_LUFS) audible++;
  return { loudnessLufs: Math.round(gatedLoudness(blocks) * 10) / 10, silent: audible < MIN_AUDIBLE_SHARE * blocks.length };
}

export function trackLoudness(trace: LoudnessTrace): number {
  return gatedLoudness(trace.momentary);
}
