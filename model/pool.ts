/**
 * Worker-thread pool with dynamic batching. Callers' items are queued per task kind and merged into
 * batches of up to `maxBatch` items, sent when a batch is full or its oldest item has waited
 * `maxWaitMs`, to whichever worker is idle. Each request gets its own results or error. The main thread
 * only queues and posts messages; onnxruntime runs in the workers.
 *
 * A busy worker is also sent the next batch when a full one is waiting (one in reserve), so it starts
 * it as soon as its current batch ends, even while the main thread is busy (the indexer's tempo
 * analysis, decoding): the worker's next batch never waits for a main-thread round trip. Only a full
 * batch goes in reserve, as it could not grow by waiting. Bulk kinds (CLAP windows of whole tracks)
 * yield to any other kind that is due, so a short text or frame request never waits behind a track.
 */
import type { Worker } from 'node:worker_threads';
import { CuecastError, ModelError } from '../core/errors.js';
import { logger } from '../core/logger.js';
import { siblingModule, startWorker } from '../core/worker-entry.js';
import { deserializeError, type ControlOp, type FromWorker, type SerializedError, type TaskItems, type TaskKind, type ToWorker, type WorkerInit } from './protocol.js';
import { SpareBuffers } from './spare-buffers.js';
import { transferList } from './transfer.js';
import { stopWorker } from './worker-stop.js';
import type { PoolStats } from './types.js';
import { RecentDurations } from './worker-supervision.js';

export interface PoolOptions {
  readonly workers: number;
  readonly maxBatch: number;
  readonly maxWaitMs: number;
  readonly init: WorkerInit;
  /** How long a worker may take to start (import its libraries). */
  readonly startTimeoutMs?: number;
  /** How long a worker may take to finish its batch and exit when the pool is disposed. */
  readonly stopTimeoutMs?: number;
  /** Worker entry speaking protocol.ts; default model/worker. Tests pass a small stand-in. */
  readonly workerModule?: URL;
}

interface Request {
  readonly startedAt: number;
  readonly results: Float32Array[];
  remaining: number;
  settled: boolean;
  readonly resolve: (value: Float32Array[]) => void;
  readonly reject: (error: unknown) => void;
  readonly cleanup: () => void;
}

interface Entry {
  readonly request: Request;
  readonly index: number;
  readonly item: unknown;
  readonly enqueuedAt: number;
}

interface Batch {
  readonly id: number;
  readonly kind: TaskKind;
  readonly entries: readonly Entry[];
}

interface Call {
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
}

interface Slot {
  worker: Worker;
  ready: boolean;
  exited: boolean;
  readonly whenReady: Promise<void>;
  /** The batch the worker is running first, then at most one in reserve. */
  readonly batches: Batch[];
  readonly calls: Map<number, Call>;
}

const RECENT = 1024;
/** Kinds queued by the dozen by batch jobs (the indexer, prepare-training). */
const BULK_KINDS: ReadonlySet<TaskKind> = new Set<TaskKind>(['clapAudio']);
const log = logger('model.pool');

export class InferencePool {
  private readonly slots: Slot[] = [];
  private readonly queues = new Map<TaskKind, Entry[]>();
  /** Control ops every worker must have seen (replayed on a restarted worker). */
  private readonly setup: ControlOp[] = [];
  private timer: NodeJS.Timeout | undefined;
  private nextId = 1;
  private disposed = false;
  private readonly counters = { batches: 0, items: 0, failedItems: 0, largestBatch: 0, restarts: 0 };
  private readonly batchSizes: Record<number, number> = {};
  private readonly byKind: Record<string, { batches: number; items: number }> = {};
  private readonly queueWait = new RecentDurations(RECENT);
  private readonly runTime = new RecentDurations(RECENT);
  private readonly latency = new RecentDurations(RECENT);

  /** Input buffers the workers handed back, for the callers' next copies (see transfer.ts). */
  readonly spares = new SpareBuffers();

  private constructor(private readonly options: PoolOptions) {}

  /** Starts the workers and waits until each has loaded its libraries. */
  static async start(options: PoolOptions): Promise<InferencePool> {
    const pool = new InferencePool(options);
    for (let i = 0; i < options.workers; i++) pool.slots.push(pool.spawn());
    try {
      await Promise.all(pool.slots.map((slot) => pool.untilReady(slot)));
    } catch (error) {
      await pool.dispose();
      throw error;
    }
    return pool;
  }

  get workerCount(): number {
    return this.slots.length;
  }

  /**
   * Queues `items` for batching; resolves with one vector per item, in order. The items become the
   * pool's: their typed-array buffers are transferred to a worker (see transfer.ts), so pass copies.
   */
  run<K extends TaskKind>(kind: K, items: readonly TaskItems[K][], signal?: AbortSignal): Promise<Float32Array[]> {
    if (this.disposed) return Promise.reject(new CuecastError('SHUTTING_DOWN', 'The inference pool has been disposed'));
    // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- an aborted call rejects with the signal's reason, as fetch and node's timers do
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (items.length === 0) return Promise.resolve([]);
    return new Promise<Float32Array[]>((resolve, reject) => {
      const onAbort = (): void => this.abort(request, signal!.reason);
      const request: Request = {
        startedAt: performance.now(),
        results: new Array<Float32Array>(items.length),
        remaining: items.length,
        settled: false,
        resolve,
        reject,
        cleanup: () => signal?.removeEventListener('abort', onAbort),
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      const queue = this.queue(kind);
      const now = performance.now();
      items.forEach((item, index) => queue.push({ request, index, item, enqueuedAt: now }));
      this.schedule();
    });
  }

  /** Sends a control op to one worker (the first). */
  async ask(op: ControlOp): Promise<unknown> {
    const slot = this.slots[0];
    if (!slot || this.disposed) throw new CuecastError('SHUTTING_DOWN', 'The inference pool has been disposed');
    return this.call(slot, op);
  }

  /** Sends a control op to every worker; with `remember`, restarted workers get it too. */
  async broadcast(op: ControlOp, remember = false): Promise<unknown[]> {
    if (this.disposed) throw new CuecastError('SHUTTING_DOWN', 'The inference pool has been disposed');
    const results = await Promise.all(this.slots.map((slot) => this.call(slot, op)));
    if (remember) this.setup.push(op);
    return results;
  }

  stats(): PoolStats {
    let queuedItems = 0;
    for (const queue of this.queues.values()) queuedItems += queue.length;
    const { batches, items, failedItems, largestBatch, restarts } = this.counters;
    return {
      workers: this.slots.filter((s) => !s.exited).length,
      busyWorkers: this.slots.filter((s) => s.batches.length > 0).length,
      queuedItems,
      batches,
      items,
      failedItems,
      meanBatchSize: batches === 0 ? 0 : items / batches,
      largestBatch,
      batchSizes: { ...this.batchSizes },
      queueWaitMs: this.queueWait.summary(),
      runMs: this.runTime.summary(),
      latencyMs: this.latency.summary(),
      byKind: Object.fromEntries(Object.entries(this.byKind).map(([k, v]) => [k, { ...v }])),
      workerRestarts: restarts,
      spareBytes: this.spares.heldBytes,
    };
  }

  /**
   * Rejects queued and in-flight work with SHUTTING_DOWN at once, then stops every worker once the
   * batch it is running is done (see worker-stop.ts).
   */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    clearTimeout(this.timer);
    const shutdown = new CuecastError('SHUTTING_DOWN', 'The inference pool is shutting down');
    for (const queue of this.queues.values()) for (const entry of queue.splice(0)) this.fail(entry.request, shutdown);
    const workers = this.slots.map((slot) => {
      for (const entry of slot.batches.flatMap((b) => b.entries)) this.fail(entry.request, shutdown);
      slot.batches.length = 0;
      for (const call of slot.calls.values()) call.reject(shutdown);
      slot.calls.clear();
      return stopWorker(slot.worker, this.options.stopTimeoutMs);
    });
    await Promise.all(workers);
  }

  private queue(kind: TaskKind): Entry[] {
    let queue = this.queues.get(kind);
    if (!queue) this.queues.set(kind, (queue = []));
    return queue;
  }

  private spawn(): Slot {
    const entry = this.options.workerModule ?? siblingModule(import.meta.url, 'worker');
    const worker = startWorker(entry, { workerData: { init: this.options.init } });
    let markReady!: () => void;
    let failStart!: (error: unknown) => void;
    const whenReady = new Promise<void>((resolve, reject) => {
      markReady = resolve;
      failStart = reject;
    });
    whenReady.catch(() => undefined);
    const slot: Slot = { worker, ready: false, exited: false, whenReady, batches: [], calls: new Map() };
    worker.on('message', (message: FromWorker) => {
      if (message.type === 'ready') {
        slot.ready = true;
        markReady();
        this.schedule();
      } else if (message.type === 'batch') {
        this.spares.give(message.spent ?? []);
        this.finishBatch(slot, message.id, message.results, message.runMs);
      } else {
        const call = slot.calls.get(message.id);
        slot.calls.delete(message.id);
        if (message.ok) call?.resolve(message.value);
        else call?.reject(deserializeError(message.error));
      }
    });
    const onDeath = (reason: string): void => {
      if (this.disposed || !this.slots.includes(slot)) return;
      const error = new ModelError('MODEL_FAILED', `An inference worker stopped: ${reason}`);
      log.error({ reason }, 'inference worker stopped');
      failStart(error);
      for (const entry of slot.batches.flatMap((b) => b.entries)) this.fail(entry.request, error);
      slot.batches.length = 0;
      for (const call of slot.calls.values()) call.reject(error);
      slot.calls.clear();
      if (slot.ready) this.replace(slot);
    };
    worker.on('error', (error) => onDeath(error.message));
    worker.on('exit', (code) => {
      slot.exited = true;
      onDeath(`exit code ${code}`);
    });
    return slot;
  }

  /** A worker that died after starting is replaced, and gets the remembered setup (e.g. ViML heads). */
  private replace(dead: Slot): void {
    const index = this.slots.indexOf(dead);
    void stopWorker(dead.worker, this.options.stopTimeoutMs);
    const slot = this.spawn();
    this.slots[index] = slot;
    this.counters.restarts++;
    void (async () => {
      try {
        await this.untilReady(slot);
        for (const op of this.setup) await this.call(slot, op);
      } catch (error) {
        log.error({ err: error }, 'replacement inference worker failed to start');
      }
    })();
  }

  private async untilReady(slot: Slot): Promise<void> {
    const timeoutMs = this.options.startTimeoutMs ?? 60_000;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new ModelError('MODEL_FAILED', `An inference worker did not start within ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      await Promise.race([slot.whenReady, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  private async call(slot: Slot, op: ControlOp): Promise<unknown> {
    await this.untilReady(slot);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      slot.calls.set(id, { resolve, reject });
      slot.worker.postMessage({ type: 'control', id, ...op } satisfies ToWorker);
    });
  }

  private schedule(): void {
    if (this.disposed) return;
    clearTimeout(this.timer);
    this.timer = undefined;
    const now = performance.now();
    for (const slot of this.slots) {
      if (!slot.ready || slot.batches.length > 0) continue;
      const kind = this.readyKind(now);
      if (!kind) break;
      this.dispatch(slot, kind, now);
    }
    // Idle workers are served first; then a busy worker gets a full batch in reserve.
    for (const slot of this.slots) {
      if (!slot.ready || slot.batches.length !== 1) continue;
      const kind = this.fullKind();
      if (!kind) break;
      this.dispatch(slot, kind, now);
    }
    const idle = this.slots.some((s) => s.ready && s.batches.length === 0);
    let earliest = Infinity;
    for (const queue of this.queues.values()) if (queue[0]) earliest = Math.min(earliest, queue[0].enqueuedAt);
    if (idle && earliest < Infinity) {
      this.timer = setTimeout(() => this.schedule(), Math.max(0, earliest + this.options.maxWaitMs - now));
    }
  }

  /** The kind whose batch is due: full, or its oldest item has waited maxWaitMs; oldest first, bulk kinds last. */
  private readyKind(now: number): TaskKind | undefined {
    return this.pick((queue) => queue.length >= this.options.maxBatch || now - queue[0]!.enqueuedAt >= this.options.maxWaitMs);
  }

  /** The kind with a full batch waiting (for a worker's reserve), by the same order. */
  private fullKind(): TaskKind | undefined {
    return this.pick((queue) => queue.length >= this.options.maxBatch);
  }

  private pick(due: (queue: readonly Entry[]) => boolean): TaskKind | undefined {
    let best: TaskKind | undefined;
    let bestKey: [number, number] = [Infinity, Infinity];
    for (const [kind, queue] of this.queues) {
      const head = queue[0];
      if (!head || !due(queue)) continue;
      const key: [number, number] = [BULK_KINDS.has(kind) ? 1 : 0, head.enqueuedAt];
      if (key[0] < bestKey[0] || (key[0] === bestKey[0] && key[1] < bestKey[1])) {
        best = kind;
        bestKey = key;
      }
    }
    return best;
  }

  private dispatch(slot: Slot, kind: TaskKind, now: number): void {
    const entries = this.queue(kind).splice(0, this.options.maxBatch);
    const batch: Batch = { id: this.nextId++, kind, entries };
    slot.batches.push(batch);
    for (const entry of entries) this.queueWait.add(now - entry.enqueuedAt);
    this.counters.batches++;
    this.counters.items += entries.length;
    this.counters.largestBatch = Math.max(this.counters.largestBatch, entries.length);
    this.batchSizes[entries.length] = (this.batchSizes[entries.length] ?? 0) + 1;
    const perKind = (this.byKind[kind] ??= { batches: 0, items: 0 });
    perKind.batches++;
    perKind.items += entries.length;
    try {
      const items = entries.map((e) => e.item);
      slot.worker.postMessage({ type: 'batch', id: batch.id, kind, items } satisfies ToWorker, transferList(items));
    } catch (error) {
      slot.batches.splice(slot.batches.indexOf(batch), 1);
      const failure = new ModelError('MODEL_FAILED', `Could not send a batch to an inference worker: ${(error as Error).message}`);
      for (const entry of entries) this.fail(entry.request, failure);
    }
  }

  private finishBatch(slot: Slot, id: number, results: readonly ({ ok: true; value: Float32Array } | { ok: false; error: SerializedError })[], runMs: number): void {
    const at = slot.batches.findIndex((b) => b.id === id);
    if (at < 0) return;
    const [batch] = slot.batches.splice(at, 1) as [Batch];
    this.runTime.add(runMs);
    batch.entries.forEach((entry, i) => {
      const result = results[i];
      if (!result) this.fail(entry.request, new ModelError('MODEL_FAILED', 'An inference worker returned too few results'));
      else if (result.ok) this.deliver(entry, result.value);
      else {
        this.counters.failedItems++;
        this.fail(entry.request, deserializeError(result.error));
      }
    });
    this.schedule();
  }

  private deliver(entry: Entry, value: Float32Array): void {
    const request = entry.request;
    if (request.settled) return;
    request.results[entry.index] = value;
    if (--request.remaining === 0) {
      request.settled = true;
      request.cleanup();
      this.latency.add(performance.now() - request.startedAt);
      request.resolve(request.results);
    }
  }

  private fail(request: Request, error: unknown): void {
    if (request.settled) return;
    request.settled = true;
    request.cleanup();
    this.dropQueued(request);
    request.reject(error);
  }

  private abort(request: Request, reason: unknown): void {
    this.fail(request, reason);
  }

  /** Removes a settled request's items that are still waiting, so no worker spends time on them. */
  private dropQueued(request: Request): void {
    for (const [kind, queue] of this.queues) {
      const kept = queue.filter((e) => e.request !== request);
      if (kept.length !== queue.length) this.queues.set(kind, kept);
    }
  }
}
