/** Segment and window layout of a track (DESIGN §4), the same for the catalog and the training data: segments of `segmentSeconds` every `hopSeconds`, each the mean of consecutive exact windows. */
import { InputError } from '../core/errors.js';

export interface SegmentPlan {
  readonly index: number;
  readonly start: number;
  readonly end: number;
  /** Start times of the exact windows whose embeddings this segment averages. */
  readonly windowStarts: readonly number[];
}

export interface SegmentSpec {
  readonly segmentSeconds: number;
  readonly hopSeconds: number;
  readonly windowSeconds: number;
}

/** Times are kept to the millisecond; a tail shorter than this is already covered. */
const EPSILON = 1e-3;
/** A tail shorter than this share of the hop moves the last segment instead of adding one. */
const SHIFT_FRACTION = 1 / 3;

/**
 * Full-length segments at multiples of the hop, and the last segment always ends at the end of the track,
 * so every second of a track can be recommended: when the hop grid leaves a tail uncovered, one more
 * full-length segment ending at the track end is added (a 50 s track: [0,30], [15,45], [20,50]), or, for a
 * tail under a third of the hop, the last grid segment is moved to end there (62 s: [0,30], [15,45],
 * [32,62]) when a segment before it still covers what it leaves (the tail is shorter than the hop). A track no longer than one segment gets a single segment over
 * its whole length. Windows start at the segment start and step by the window length while they fit (at
 * least one window per segment; a window running past the end is zero-padded by the caller).
 */
export function planSegments(durationSeconds: number, spec: SegmentSpec): SegmentPlan[] {
  const { segmentSeconds, hopSeconds, windowSeconds } = spec;
  if (!(durationSeconds > 0) || !Number.isFinite(durationSeconds)) {
    throw new InputError('INPUT_INVALID', `Cannot cut a track of ${durationSeconds} s into segments: its duration must be a positive number of seconds`);
  }
  for (const [name, value] of Object.entries(spec)) {
    if (!(value > 0) || !Number.isFinite(value)) throw new InputError('INPUT_INVALID', `Segment layout: ${name} must be a positive number of seconds (got ${value})`);
  }
  const plan = (index: number, start: number, end: number): SegmentPlan => ({ index, start: round(start), end: round(end), windowStarts: windowStarts(start, end, windowSeconds) });
  if (durationSeconds <= segmentSeconds + EPSILON) return [plan(0, 0, Math.min(durationSeconds, segmentSeconds))];
  const plans: SegmentPlan[] = [];
  for (let start = 0; start + segmentSeconds <= durationSeconds + EPSILON; start += hopSeconds) plans.push(plan(plans.length, start, start + segmentSeconds));
  const last = plans.at(-1)!;
  const tail = durationSeconds - last.end;
  if (tail <= EPSILON) return plans;
  // A short tail (encoder padding, a fade's last seconds) moves the last segment rather than adding one that nearly repeats it.
  if (tail < hopSeconds * SHIFT_FRACTION && plans.length > 1) plans[plans.length - 1] = plan(last.index, durationSeconds - segmentSeconds, durationSeconds);
  else plans.push(plan(plans.length, durationSeconds - segmentSeconds, durationSeconds));
  return plans;
}

/**
 * Start times of the consecutive exact windows of [start, end]: from `start`, one window length apart,
 * while they fit (at least one; a window running past the end is zero-padded by the caller).
 */
export function windowStarts(start: number, end: number, windowSeconds: number): number[] {
  const starts: number[] = [];
  for (let w = start; w + windowSeconds <= end + EPSILON; w += windowSeconds) starts.push(round(w));
  return starts.length > 0 ? starts : [round(start)];
}

/** Every distinct window start over all segments, ascending (each window is embedded once). */
export function distinctWindows(plans: readonly SegmentPlan[]): number[] {
  return [...new Set(plans.flatMap((p) => p.windowStarts))].sort((a, b) => a - b);
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
