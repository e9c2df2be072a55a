/** Segment and window layout of a track (DESIGN §4): segments of `segmentSeconds` every `hopSeconds`, each the mean of consecutive exact windows. */

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

/**
 * Full-length segments at multiples of the hop; a track shorter than one segment gets a single segment
 * over its whole length. Windows start at the segment start and step by the window length while they fit
 * (at least one window per segment; a window running past the end is zero-padded by the caller).
 */
export function planSegments(durationSeconds: number, spec: SegmentSpec): SegmentPlan[] {
  const { segmentSeconds, hopSeconds, windowSeconds } = spec;
  const windowsIn = (start: number, end: number): number[] => {
    const starts: number[] = [];
    for (let w = start; w + windowSeconds <= end + 1e-6; w += windowSeconds) starts.push(round(w));
    return starts.length > 0 ? starts : [round(start)];
  };
  if (durationSeconds < segmentSeconds) {
    return [{ index: 0, start: 0, end: round(durationSeconds), windowStarts: windowsIn(0, durationSeconds) }];
  }
  const plans: SegmentPlan[] = [];
  for (let start = 0; start + segmentSeconds <= durationSeconds + 1e-6; start += hopSeconds) {
    plans.push({ index: plans.length, start: round(start), end: round(start + segmentSeconds), windowStarts: windowsIn(start, start + segmentSeconds) });
  }
  return plans;
}

/** Every distinct window start over all segments, ascending (each window is embedded once). */
export function distinctWindows(plans: readonly SegmentPlan[]): number[] {
  return [...new Set(plans.flatMap((p) => p.windowStarts))].sort((a, b) => a - b);
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
