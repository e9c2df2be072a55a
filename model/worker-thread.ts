import { setPriority } from 'node:os';
import { env, LogLevel } from '@huggingface/transformers';
import { setLogLevel } from '../core/logger.js';

export interface WorkerThreadSettings {
  readonly logLevel: string;
  /** Added niceness for this thread (onnxruntime's pools created later inherit it). */
  readonly niceness: number;
  readonly allowRemote: boolean;
  readonly cacheDir?: string | undefined;
  /** The model hub downloads come from (transformers.js remoteHost). */
  readonly hubUrl?: string | undefined;
}

/** What every model worker thread does first: log level, priority, transformers.js's model sources. */
export function setUpModelWorkerThread(settings: WorkerThreadSettings): void {
  setLogLevel(settings.logLevel as Parameters<typeof setLogLevel>[0]);
  try {
    // On Linux this lowers only this thread, so the event loop of the main thread keeps its share.
    setPriority(0, settings.niceness);
  } catch {
    // Not permitted or not supported here: run at normal priority.
  }
  env.allowLocalModels = true;
  env.allowRemoteModels = settings.allowRemote;
  if (settings.cacheDir) env.cacheDir = settings.cacheDir;
  if (settings.hubUrl) env.remoteHost = settings.hubUrl.endsWith('/') ? settings.hubUrl : `${settings.hubUrl}/`;
  env.logLevel = LogLevel.ERROR;
}

/**
 * The onnxruntime work a model worker has in flight. On shutdown the thread waits for all of it
 * before it exits: see worker-stop.ts for why it must not be terminated mid-run.
 */
export class InFlightWork {
  readonly #pending = new Set<Promise<unknown>>();

  track<T>(work: Promise<T>): Promise<T> {
    this.#pending.add(work);
    const forget = (): void => {
      this.#pending.delete(work);
    };
    work.then(forget, forget);
    return work;
  }

  /** Resolves when nothing is in flight, including work started while waiting. */
  async drained(): Promise<void> {
    while (this.#pending.size > 0) await Promise.allSettled([...this.#pending]);
  }
}
