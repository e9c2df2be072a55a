/**
 * The catalog benchmark's raw CLAP audio session, in a worker thread at the inference pool's niceness:
 * the pool's workers run below normal priority (model/index.ts), so on a shared machine a raw session
 * on the main thread at normal priority would get a larger share of the CPU than the pipeline it is
 * the ceiling for. The session is created after the priority is set, so onnxruntime's threads inherit it.
 */
import { setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { RawAudioSession } from './raw-onnx.js';

export interface RawAudioWorkerData {
  readonly path: string;
  readonly threads: number;
  readonly niceness: number;
}

export type RawAudioRequest = { readonly type: 'time'; readonly windows: number; readonly batch: number } | { readonly type: 'close' };
export type RawAudioReply =
  { readonly type: 'ready'; readonly niceness: boolean } | { readonly type: 'timed'; readonly windowsPerSecond: number } | { readonly type: 'error'; readonly message: string };

const port = parentPort!;
const data = workerData as RawAudioWorkerData;
let niced = true;
try {
  setPriority(0, data.niceness);
} catch {
  niced = false;
}

try {
  const session = await RawAudioSession.open(data.path, { device: 'cpu', threads: data.threads });
  // onnxruntime's first run at a batch size allocates for that shape: each size is run once untimed.
  const warmed = new Set<number>();
  port.on('message', (request: RawAudioRequest) => {
    if (request.type === 'close') {
      void session.dispose().finally(() => port.close());
      return;
    }
    void (async () => {
      const features = session.features(request.batch);
      if (!warmed.has(request.batch)) {
        await session.run(features);
        warmed.add(request.batch);
      }
      const runs = Math.max(1, Math.ceil(request.windows / request.batch));
      const begin = performance.now();
      for (let r = 0; r < runs; r++) await session.run(features);
      port.postMessage({ type: 'timed', windowsPerSecond: (runs * request.batch * 1000) / (performance.now() - begin) } satisfies RawAudioReply);
    })().catch((error: unknown) => port.postMessage({ type: 'error', message: (error as Error).message } satisfies RawAudioReply));
  });
  port.postMessage({ type: 'ready', niceness: niced } satisfies RawAudioReply);
} catch (error) {
  port.postMessage({ type: 'error', message: (error as Error).message } satisfies RawAudioReply);
}
