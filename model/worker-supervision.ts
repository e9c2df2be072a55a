import type { Percentiles } from './types.js';

/**
 * Inference and generation threads run a little below normal priority, so on a busy machine the event
 * loop serving Discord or socket.io gets the CPU first; on an idle one it changes nothing.
 */
export const WORKER_NICENESS = 10;

/** The last `capacity` durations a worker supervisor saw, summarised as percentiles for its stats. */
export class RecentDurations {
  private readonly values: number[] = [];
  private next = 0;

  constructor(private readonly capacity: number) {}

  add(value: number): void {
    if (this.values.length < this.capacity) this.values.push(value);
    else this.values[this.next] = value;
    this.next = (this.next + 1) % this.capacity;
  }

  summary(): Percentiles {
    const sorted = [...this.values].sort((a, b) => a - b);
    const at = (q: number): number => (sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!);
    return { count: sorted.length, p50: at(0.5), p95: at(0.95), p99: at(0.99), max: sorted.at(-1) ?? 0 };
  }
}
