import { Worker, type WorkerOptions } from 'node:worker_threads';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * URL of a worker module beside the caller, in the caller's own flavour: `./x.js` in dist/, `./x.ts`
 * when running from source (vitest, tsx).
 */
export function siblingModule(callerUrl: string, name: string): URL {
  const ext = callerUrl.endsWith('.ts') ? '.ts' : '.js';
  const url = new URL(`./${name}${ext}`, callerUrl);
  if (!existsSync(fileURLToPath(url))) throw new Error(`worker module ${fileURLToPath(url)} does not exist`);
  return url;
}

// Worker threads do not inherit the TypeScript loader vitest or tsx gave the main thread, so a .ts
// entry is started through this bootstrap, which registers tsx in the worker first.
// tsx is resolved from this file's location, not the process's working directory, so running from
// source works from any folder.
const TS_BOOTSTRAP = `
const { workerData } = require('node:worker_threads');
import(workerData.__tsx).then(({ register }) => { register(); return import(workerData.__entry); });
`;

/** Starts a worker thread; TypeScript entry points get tsx's loader so they run from source. */
export function startWorker(moduleUrl: URL, options: WorkerOptions = {}): Worker {
  if (!moduleUrl.pathname.endsWith('.ts')) return new Worker(moduleUrl, options);
  const workerData = {
    ...(options.workerData as object | undefined),
    __entry: moduleUrl.href,
    __tsx: import.meta.resolve('tsx/esm/api'),
  };
  return new Worker(TS_BOOTSTRAP, { ...options, eval: true, workerData });
}
