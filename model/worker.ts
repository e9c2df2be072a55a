/**
 * Inference worker: owns its sessions (CLIP, CLAP via transformers.js; ViML heads via runtime.ts) and
 * runs the batches the pool sends. Sessions load lazily on first use, or on a `warmup`.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { InputError, ModelError } from '../core/errors.js';
import { ClapAudioEncoder } from './encoders/audio.js';
import { ClipImageEncoder } from './encoders/image.js';
import { ClapTextEncoder, ClipTextEncoder } from './encoders/text.js';
import type { OnnxEncoder } from './encoders/base.js';
import { VimlHeads } from './heads.js';
import { InFlightWork, setUpModelWorkerThread } from './worker-thread.js';
import { serializeError, type ControlOp, type FromWorker, type ItemResult, type TaskKind, type ToWorker, type WorkerInit } from './protocol.js';

const port = parentPort;
if (!port) throw new Error('model/worker.ts must run in a worker thread');
const init = (workerData as { init: WorkerInit }).init;

setUpModelWorkerThread(init);

const settings = { dtype: init.dtype, device: init.device, threads: init.threads, allowRemote: init.allowRemote };
const encoders = {
  clipImage: new ClipImageEncoder(init.clip, settings),
  clipText: new ClipTextEncoder(init.clip, settings),
  clapAudio: new ClapAudioEncoder(init.clap, settings),
  clapText: new ClapTextEncoder(init.clap, settings),
} satisfies Record<string, OnnxEncoder<never, unknown>>;
type EncoderKind = keyof typeof encoders;

let heads: Promise<VimlHeads> | undefined;

function send(message: FromWorker, transfer: ArrayBuffer[] = []): void {
  port!.postMessage(message, transfer);
}

function requireHeads(): Promise<VimlHeads> {
  if (!heads) throw new ModelError('MODEL_MISSING', 'ViML heads are not loaded; load them with loadVimlHeads() first');
  return heads;
}

async function runBatch(kind: TaskKind, items: readonly unknown[]): Promise<ItemResult[]> {
  if (kind === 'vimlQuery' || kind === 'vimlMusic') {
    const loaded = await requireHeads();
    const vectors = kind === 'vimlQuery' ? await loaded.encodeQueries(items as never) : await loaded.encodeMusic(items as never);
    return vectors.map((value) => ({ ok: true, value }));
  }
  const encoder = encoders[kind as EncoderKind];
  if (!encoder) throw new InputError('INPUT_INVALID', `Unknown task "${kind}"`);
  return encoder.encode(items as never[]);
}

async function control(op: ControlOp): Promise<unknown> {
  switch (op.op) {
    case 'describe': {
      const entries = await Promise.all(Object.entries(encoders).map(async ([kind, encoder]) => [kind, await encoder.describe()] as const));
      return Object.fromEntries(entries);
    }
    case 'warmup':
      await Promise.all(op.kinds.map((kind) => (kind in encoders ? encoders[kind as EncoderKind].load() : requireHeads())));
      return null;
    case 'loadHeads': {
      const previous = heads;
      const next = VimlHeads.load(op.spec, settings);
      heads = next;
      next.catch(() => {
        if (heads === next) heads = previous;
      });
      await next;
      await (await previous?.catch(() => undefined))?.dispose();
      return null;
    }
  }
}

const inFlight = new InFlightWork();
let stopping = false;

async function shutDown(): Promise<void> {
  stopping = true;
  await inFlight.drained();
  process.exit(0);
}

port.on('message', (message: ToWorker) => {
  if (message.type === 'shutdown') {
    void shutDown();
    return;
  }
  if (stopping) return;
  if (message.type === 'batch') {
    const started = performance.now();
    inFlight.track(runBatch(message.kind, message.items)).then(
      (results) => {
        const transfer = results.flatMap((r) => (r.ok ? [r.value.buffer as ArrayBuffer] : []));
        send({ type: 'batch', id: message.id, results, runMs: performance.now() - started }, transfer);
      },
      (error: unknown) => {
        const failed: ItemResult = { ok: false, error: serializeError(error) };
        send({ type: 'batch', id: message.id, results: message.items.map(() => failed), runMs: performance.now() - started });
      },
    );
    return;
  }
  inFlight.track(control(message)).then(
    (value) => send({ type: 'control', id: message.id, ok: true, value }),
    (error: unknown) => send({ type: 'control', id: message.id, ok: false, error: serializeError(error) }),
  );
});

send({ type: 'ready' });
