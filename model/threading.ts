import { availableParallelism } from 'node:os';

/**
 * Intra-op threads of an onnxruntime session: the configured count, or (0) the cores shared among the
 * pool's workers. onnxruntime-node's own default ran one thread per session on the 2-core benchmark
 * machine, leaving a core idle during every inference (q8 ViT-B/32, batch 4: 69 ms one thread, 48 ms two).
 */
export function intraOpThreads(configured: number, workers = 1): number {
  return configured > 0 ? configured : Math.max(1, Math.floor(availableParallelism() / Math.max(1, workers)));
}

/**
 * Session options for `threads` intra-op threads (> 0). Spinning is off: otherwise a session's threads
 * spin after each run (30 ms of CPU per 50 ms idle, measured with two threads), taking the cores from
 * ffmpeg, the log-mel and the event loop that share them, for a 2-5% slower run.
 */
export function threadingOptions(threads: number): { intraOpNumThreads: number; interOpNumThreads: number; extra: Record<string, unknown> } {
  return { intraOpNumThreads: Math.max(1, threads), interOpNumThreads: 1, extra: { session: { intra_op: { allow_spinning: '0' } } } };
}
