/**
 * Inference worker: owns its sessions (CLIP, CLAP via transformers.js; ViML heads via runtime.ts) and
 * runs the batches the pool sends. Sessions load lazily on first use, or on a `warmup`.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { InputError, ModelError } from '../core/errors.js';
import { ClapAudioEncoder } from './encoders/audio.js';
import { ClipImageEncoder } from './encoders/image.js';
import { ClapTextEncoder, ClipTextEncoder } from './encoders/text.js';
import type { OnnxEncoder, PreparedBatch } from './encoders/base.js';
import { VimlHeads } from './heads.js';
import { InFlightWork, setUpModelWorkerThread } from './worker-thread.js';
import { serializeError, type ControlOp, type EncoderKind, type FromWorker, type ItemResult, type TaskKind, type ToWorker, type WorkerInit } from './protocol.js';
import { referenceFrames, referenceWindows, REFERENCE_TEXTS } from './reference-set.js';
import type { DtypeCheck } from './dtype-choice.js';
import type { Dtype } from './types.js';
import { MIN_SPARE_BYTES } from './spare-buffers.js';
import { transferList } from './transfer.js';
import { cosineSimilarity } from './vectors.js';

const port = parentPort;
if (!port) throw new Error('model/worker.ts must run in a worker thread');
const init = (workerData as { init: WorkerInit }).init;

setUpModelWorkerThread(init);

const settings = { device: init.device, threads: init.threads, allowRemote: init.allowRemote };
const makers = {
  clipImage: (dtype: Dtype) => new ClipImageEncoder(init.clip, { ...settings, dtype }),
  clipText: (dtype: Dtype) => new ClipTextEncoder(init.clip, { ...settings, dtype }),
  clapAudio: (dtype: Dtype) => new ClapAudioEncoder(init.clap, { ...settings, dtype }),
  clapText: (dtype: Dtype) => new ClapTextEncoder(init.clap, { ...settings, dtype }),
} satisfies Record<EncoderKind, (dtype: Dtype) => OnnxEncoder<never, unknown>>;
const encoders: { [K in EncoderKind]: ReturnType<(typeof makers)[K]> } = {
  clipImage: makers.clipImage(init.dtypes.clipImage),
  clipText: makers.clipText(init.dtypes.clipText),
  clapAudio: makers.clapAudio(init.dtypes.clapAudio),
  clapText: makers.clapText(init.dtypes.clapText),
};
const dtypes: Record<EncoderKind, Dtype> = { ...init.dtypes };

let heads: Promise<VimlHeads> | undefined;

function send(message: FromWorker, transfer: ArrayBuffer[] = []): void {
  port!.postMessage(message, transfer);
}

function requireHeads(): Promise<VimlHeads> {
  if (!heads) throw new ModelError('MODEL_MISSING', 'ViML heads are not loaded; load them with loadVimlHeads() first');
  return heads;
}

/** A batch's first phase: pre-processing for the encoders (the ViML heads have none). */
type Prepared = { readonly encoder: OnnxEncoder<never, unknown>; readonly batch: PreparedBatch } | { readonly heads: 'vimlQuery' | 'vimlMusic'; readonly items: readonly unknown[] };

async function prepareBatch(kind: TaskKind, items: readonly unknown[]): Promise<Prepared> {
  if (kind === 'vimlQuery' || kind === 'vimlMusic') return { heads: kind, items };
  const encoder = Object.hasOwn(encoders, kind) ? encoders[kind] : undefined; // kind came over a message port
  if (!encoder) throw new InputError('INPUT_INVALID', `Unknown task "${kind}"`);
  const generic = encoder as OnnxEncoder<never, unknown>;
  return { encoder: generic, batch: await generic.prepareBatch(items as never[]) };
}

async function runPrepared(prepared: Prepared): Promise<ItemResult[]> {
  if ('heads' in prepared) {
    const loaded = await requireHeads();
    const vectors = prepared.heads === 'vimlQuery' ? await loaded.encodeQueries(prepared.items as never) : await loaded.encodeMusic(prepared.items as never);
    return vectors.map((value) => ({ ok: true, value }));
  }
  return prepared.encoder.run(prepared.batch);
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
    case 'checkDtype':
      return checkDtype(op.kind);
    case 'setDtype': {
      if (dtypes[op.kind] === op.dtype) return null;
      const previous = encoders[op.kind];
      (encoders as Record<EncoderKind, OnnxEncoder<never, unknown>>)[op.kind] = makers[op.kind](op.dtype);
      dtypes[op.kind] = op.dtype;
      await previous.dispose();
      return null;
    }
  }
}

/** The encoder's reference inputs: frames, 10 s windows at the model's rate, or texts. */
async function referenceItems(kind: EncoderKind, probe: OnnxEncoder<never, unknown>): Promise<unknown[]> {
  if (kind === 'clipImage') return referenceFrames();
  if (kind === 'clapAudio') {
    const { sampleRate, windowSeconds } = (await probe.describe()) as unknown as { sampleRate: number; windowSeconds: number };
    return referenceWindows(sampleRate, windowSeconds);
  }
  return [...REFERENCE_TEXTS];
}

/** Runs the encoder in fp32 and q8 side by side on the reference set (fresh sessions, disposed after). */
async function checkDtype(kind: EncoderKind): Promise<DtypeCheck> {
  const q8 = makers[kind]('q8') as OnnxEncoder<unknown, unknown>;
  const fp32 = makers[kind]('fp32') as OnnxEncoder<unknown, unknown>;
  try {
    try {
      await q8.load();
    } catch (error) {
      return { ok: false, reason: (error as Error).message };
    }
    const items = await referenceItems(kind, fp32);
    const a = await fp32.encode(items);
    const b = await q8.encode(items);
    const cosines = a.map((x, i) => {
      const y = b[i]!;
      if (!x.ok || !y.ok) throw new ModelError('MODEL_FAILED', `the ${kind} reference input ${i} failed: ${!x.ok ? x.error.message : !y.ok ? y.error.message : ''}`);
      return cosineSimilarity(x.value, y.value);
    });
    return { ok: true, minCosine: Math.min(...cosines), meanCosine: cosines.reduce((s, c) => s + c, 0) / cosines.length, items: cosines.length };
  } finally {
    await Promise.allSettled([q8.dispose(), fp32.dispose()]);
  }
}

/** Input buffers worth handing back: large enough to be kept (spare-buffers.ts), still attached, not a result's. */
function spentInputs(inputs: readonly ArrayBuffer[], results: readonly ArrayBuffer[]): ArrayBuffer[] {
  return inputs.filter((buffer) => buffer.byteLength >= MIN_SPARE_BYTES && !results.includes(buffer));
}

const inFlight = new InFlightWork();
let stopping = false;
/** Settles when every batch received so far has run. */
let batchesDone: Promise<unknown> = Promise.resolve();

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
    // The pool may send a batch in reserve while one runs: it is pre-processed as soon as this thread is
    // free (onnxruntime-node's run blocks it, so only asynchronous steps such as sharp's decoding overlap
    // a run), and batches run one after another, in order.
    let started = 0;
    // The inputs' buffers, moved here by the pool: once the batch is done, nothing reads them. Not those of
    // encoded images (JPEG/PNG bytes): their lengths vary, so a spare of exactly one would seldom be used.
    const inputs = transferList(message.items.filter((item) => !(typeof item === 'object' && item !== null && 'encoded' in item)));
    const previous = batchesDone;
    const run = prepareBatch(message.kind, message.items).then(async (ready) => {
      await previous;
      started = performance.now();
      return runPrepared(ready);
    });
    batchesDone = Promise.all([previous, run.catch(() => undefined)]);
    inFlight.track(run).then(
      (results) => {
        const transfer = results.flatMap((r) => (r.ok ? [r.value.buffer as ArrayBuffer] : []));
        const spent = spentInputs(inputs, transfer);
        send({ type: 'batch', id: message.id, results, runMs: performance.now() - started, spent }, [...transfer, ...spent]);
      },
      (error: unknown) => {
        const failed: ItemResult = { ok: false, error: serializeError(error) };
        const spent = spentInputs(inputs, []);
        send({ type: 'batch', id: message.id, results: message.items.map(() => failed), runMs: performance.now() - (started || performance.now()), spent }, spent);
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
