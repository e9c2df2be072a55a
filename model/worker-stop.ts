/**
 * Stopping a model worker thread safely. Terminating a thread while onnxruntime still runs in it
 * (a batch, a session load) aborts the whole process ("terminate called after throwing an instance
 * of 'Napi::Error'"), so the thread is asked to finish its work and exit by itself; it is terminated
 * only if it does not exit in time.
 */
import { once } from 'node:events';
import type { Worker } from 'node:worker_threads';
import { logger } from '../core/logger.js';

/** The message every model worker understands: finish what is in flight, then exit. */
export const SHUTDOWN_MESSAGE = { type: 'shutdown' } as const;
export type ShutdownMessage = typeof SHUTDOWN_MESSAGE;

export const DEFAULT_STOP_TIMEOUT_MS = 30_000;

const log = logger('model.worker');

/** Resolves once `worker` has exited: by itself after SHUTDOWN_MESSAGE, or terminated after `timeoutMs`. */
export async function stopWorker(worker: Worker, timeoutMs = DEFAULT_STOP_TIMEOUT_MS): Promise<void> {
  // threadId is -1 once the thread has exited.
  if (worker.threadId === -1) return;
  const exited = once(worker, 'exit').then(
    () => true,
    () => true,
  );
  try {
    worker.postMessage(SHUTDOWN_MESSAGE);
  } catch {
    await worker.terminate();
    return;
  }
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  const inTime = await Promise.race([exited, late]);
  clearTimeout(timer);
  if (!inTime) {
    log.warn({ threadId: worker.threadId, timeoutMs }, 'a model worker did not finish its work in time; terminating it');
    await worker.terminate();
  }
}
