/** Summary statistics for benchmark repetitions: medians and spreads, never a single sample. */

export interface Summary {
  readonly n: number;
  readonly median: number;
  readonly q1: number;
  readonly q3: number;
  readonly iqr: number;
  readonly min: number;
  readonly max: number;
  readonly mean: number;
}

function sortedCopy(samples: readonly number[]): number[] {
  if (samples.length === 0) throw new RangeError('no samples to summarise');
  for (const value of samples) if (!Number.isFinite(value)) throw new RangeError(`sample ${value} is not a finite number`);
  return [...samples].sort((a, b) => a - b);
}

/** Quantile `q` in [0, 1] of already sorted values, linear interpolation between order statistics. */
export function quantileSorted(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) throw new RangeError('no samples');
  if (!(q >= 0 && q <= 1)) throw new RangeError(`quantile ${q} is outside [0, 1]`);
  const position = (sorted.length - 1) * q;
  const lower = Math.floor(position);
  const upper = Math.ceil(position);
  const a = sorted[lower]!;
  const b = sorted[upper]!;
  return a + (b - a) * (position - lower);
}

export function quantile(samples: readonly number[], q: number): number {
  return quantileSorted(sortedCopy(samples), q);
}

export function median(samples: readonly number[]): number {
  return quantile(samples, 0.5);
}

export function summarize(samples: readonly number[]): Summary {
  const sorted = sortedCopy(samples);
  const q1 = quantileSorted(sorted, 0.25);
  const q3 = quantileSorted(sorted, 0.75);
  return {
    n: sorted.length,
    median: quantileSorted(sorted, 0.5),
    q1,
    q3,
    iqr: q3 - q1,
    min: sorted[0]!,
    max: sorted[sorted.length - 1]!,
    mean: sorted.reduce((sum, v) => sum + v, 0) / sorted.length,
  };
}

/** Ratio of two summaries' medians (a / b), the figure the targets are stated in. */
export function medianRatio(a: Summary, b: Summary): number {
  return a.median / b.median;
}

/** Runs `fn` `reps` times after `warmup` unmeasured runs; returns each run's duration in ms. */
export async function timeRepetitions(reps: number, fn: () => unknown, warmup = 1): Promise<number[]> {
  for (let i = 0; i < warmup; i++) await fn();
  const out: number[] = [];
  for (let i = 0; i < reps; i++) {
    const start = performance.now();
    await fn();
    out.push(performance.now() - start);
  }
  return out;
}

/** "12.3 (IQR 11.9-12.8)": a median with its spread, for the printed table. */
export function formatSummary(summary: Summary, digits = 1): string {
  const f = (v: number) => formatNumber(v, digits);
  return `${f(summary.median)} (${f(summary.q1)}-${f(summary.q3)})`;
}

export function formatNumber(value: number, digits = 1): string {
  if (!Number.isFinite(value)) return String(value);
  const abs = Math.abs(value);
  if (abs >= 1_000) return Math.round(value).toLocaleString('en-US');
  if (abs >= 100) return value.toFixed(Math.max(0, digits - 1));
  if (abs > 0 && abs < 0.1) return value.toPrecision(2);
  return value.toFixed(digits);
}
