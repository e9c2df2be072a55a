/**
 * A transformers.js text-generation model for the `local` description backend
 * (index-data/describe/local.ts). Like every model call it runs off the main thread: the model lives
 * in its own worker (model/text-generation-worker.ts), which continues one prompt at a time; this side
 * only resolves where the model is, queues prompts and posts them. It is not part of the encoder pool
 * because a generation holds its thread for seconds, which would stall the batched encoders.
 */
import { existsSync, statSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import type { Worker } from 'node:worker_threads';
import { CuecastError, InputError, ModelError } from '../core/errors.js';
import { logger } from '../core/logger.js';
import { siblingModule, startWorker } from '../core/worker-entry.js';
import { deserializeError, type ModelSource } from './protocol.js';
import type { Continuation, FromGenerationWorker, GenerationWorkerInit, LoadedModel, ToGenerationWorker } from './text-generation-protocol.js';
import type { Device, DtypeSetting, Percentiles } from './types.js';
import { RecentDurations, WORKER_NICENESS } from './worker-supervision.js';
import { stopWorker } from './worker-stop.js';

export type { Continuation } from './text-generation-protocol.js';

export interface GenerateOptions {
  /** Most tokens to add (default 120). */
  readonly maxNewTokens?: number;
  /** Drops a queued prompt, or stops a running generation at its next token. */
  readonly signal?: AbortSignal;
}

export interface TextGenerator {
  readonly model: string;
  /** Continues `prompt` greedily (deterministic); returns only the new text. */
  generate(prompt: string, options?: GenerateOptions): Promise<string>;
  dispose(): Promise<void>;
}

export interface TextGeneratorOptions {
  /** Hub id or local directory (transformers.js layout: config.json, tokenizer.json, onnx/model.onnx). */
  readonly model: string;
  /** Directory holding downloaded models (transformers.js cacheDir), e.g. `<dataDir>/hub`. */
  readonly cacheDir?: string;
  readonly allowRemote?: boolean;
  /** `auto` means fp32 here: the q8 agreement check (dtype-choice.ts) compares embeddings, not generations. */
  readonly dtype?: DtypeSetting;
  readonly device?: Device;
  /** Intra-op threads; 0 (default): one per core (threading.ts). */
  readonly threads?: number;
  readonly logLevel?: string;
  /** How long the worker may take to import its libraries and load the model. */
  readonly startTimeoutMs?: number;
  /** Worker entry speaking text-generation-protocol.ts; default model/text-generation-worker. Tests pass a stand-in. */
  readonly workerModule?: URL;
}

export interface TextGenerationStats {
  readonly modelId: string;
  /** Thread the model runs in (the main thread is 0). */
  readonly workerThreadId: number;
  readonly requests: number;
  readonly completed: number;
  readonly failed: number;
  readonly cancelled: number;
  readonly queued: number;
  readonly busy: boolean;
  readonly promptTokens: number;
  readonly generatedTokens: number;
  readonly runMs: Percentiles;
  readonly workerRestarts: number;
}

export const DEFAULT_MAX_NEW_TOKENS = 120;
const RECENT = 256;
const log = logger('model.text-generation');

function isDirectory(path: string): boolean {
  return existsSync(path) && statSync(path).isDirectory();
}

/**
 * A configured directory must exist; a hub id is used as is when downloads are allowed, else it must
 * already be in the download cache. Anything else is MODEL_MISSING naming the id and the fix.
 */
export function resolveTextModel(configured: string, cacheDir: string | undefined, allowRemote: boolean): ModelSource {
  const path = isAbsolute(configured) || configured.startsWith('.') || configured.startsWith('~') || isDirectory(configured);
  if (path) {
    const location = resolve(configured.replace(/^~(?=\/)/, process.env.HOME ?? '~'));
    if (!isDirectory(location)) {
      throw new ModelError(
        'MODEL_MISSING',
        `The text-generation model directory ${location} does not exist; point CUECAST_LLM_MODEL (llm.model) at a transformers.js text-generation export (config.json, tokenizer.json, onnx/model.onnx) or at a hub id`,
        { model: configured, location },
      );
    }
    return { location, local: true, configured };
  }
  if (!allowRemote && cacheDir && !isDirectory(join(cacheDir, configured))) {
    throw new ModelError(
      'MODEL_MISSING',
      `The text-generation model "${configured}" is not in the download cache ${join(cacheDir, configured)} and downloads are disabled; allow them once with CUECAST_ALLOW_REMOTE_MODELS=true, or point CUECAST_LLM_MODEL (llm.model) at a local folder holding its transformers.js export`,
      { model: configured, location: join(cacheDir, configured) },
    );
  }
  return { location: configured, local: false, configured };
}

/** Starts the worker, loads the model in it (MODEL_MISSING / MODEL_INVALID surface here) and returns the generator. */
export async function createTextGenerator(options: TextGeneratorOptions): Promise<WorkerTextGenerator> {
  const allowRemote = options.allowRemote ?? false;
  const source = resolveTextModel(options.model, options.cacheDir, allowRemote);
  const init: GenerationWorkerInit = {
    source,
    dtype: options.dtype === 'q8' ? 'q8' : 'fp32',
    device: options.device ?? 'cpu',
    threads: options.threads ?? 0,
    allowRemote,
    ...(options.cacheDir ? { cacheDir: options.cacheDir } : {}),
    logLevel: options.logLevel ?? 'info',
    niceness: WORKER_NICENESS,
  };
  const entry = options.workerModule ?? siblingModule(import.meta.url, 'text-generation-worker');
  const generator = new WorkerTextGenerator(init, entry, options.startTimeoutMs ?? 120_000);
  await generator.start();
  log.info({ model: source.configured, location: source.location, dtype: init.dtype, device: init.device }, 'text-generation model ready');
  return generator;
}

interface Job {
  readonly id: number;
  readonly prompt: string;
  readonly maxNewTokens: number;
  readonly signal: AbortSignal | undefined;
  readonly resolve: (value: Continuation) => void;
  readonly reject: (error: unknown) => void;
  readonly onAbort: () => void;
  settled: boolean;
}

/** The generator on the main thread: a queue in front of one worker, which is replaced if it dies. */
export class WorkerTextGenerator implements TextGenerator {
  readonly model: string;
  #loaded: LoadedModel | undefined;
  #worker: Worker | undefined;
  #ready = false;
  #starting: Promise<void> | undefined;
  #running: Job | undefined;
  readonly #queue: Job[] = [];
  #nextId = 1;
  #disposed = false;
  readonly #counts = { requests: 0, completed: 0, failed: 0, cancelled: 0, promptTokens: 0, generatedTokens: 0, restarts: 0 };
  readonly #runMs = new RecentDurations(RECENT);

  constructor(
    private readonly init: GenerationWorkerInit,
    private readonly entry: URL,
    private readonly startTimeoutMs: number,
  ) {
    this.model = init.source.configured;
  }

  /** What the worker loaded: model id, context length, its thread id. */
  get loaded(): LoadedModel | undefined {
    return this.#loaded;
  }

  async generate(prompt: string, options: GenerateOptions = {}): Promise<string> {
    return (await this.continue(prompt, options)).text;
  }

  /** Like generate(), with token counts and why generation stopped. */
  continue(prompt: string, { maxNewTokens = DEFAULT_MAX_NEW_TOKENS, signal }: GenerateOptions = {}): Promise<Continuation> {
    if (this.#disposed) return Promise.reject(new CuecastError('SHUTTING_DOWN', 'The text generator has been disposed'));
    if (typeof prompt !== 'string' || prompt.length === 0) return Promise.reject(new InputError('INPUT_INVALID', 'The prompt must be a non-empty string'));
    if (!Number.isInteger(maxNewTokens) || maxNewTokens < 1) return Promise.reject(new InputError('INPUT_INVALID', `maxNewTokens must be a positive integer, got ${maxNewTokens}`));
    // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- an aborted call rejects with the signal's reason, as fetch and node's timers do
    if (signal?.aborted) return Promise.reject(signal.reason);
    this.#counts.requests++;
    return new Promise<Continuation>((resolve, reject) => {
      const job: Job = { id: this.#nextId++, prompt, maxNewTokens, signal, resolve, reject, onAbort: () => this.#abort(job), settled: false };
      signal?.addEventListener('abort', job.onAbort, { once: true });
      this.#queue.push(job);
      this.#pump();
    });
  }

  stats(): TextGenerationStats {
    const { requests, completed, failed, cancelled, promptTokens, generatedTokens, restarts } = this.#counts;
    return {
      modelId: this.#loaded?.modelId ?? this.model,
      workerThreadId: this.#loaded?.threadId ?? -1,
      requests,
      completed,
      failed,
      cancelled,
      queued: this.#queue.length,
      busy: this.#running !== undefined,
      promptTokens,
      generatedTokens,
      runMs: this.#runMs.summary(),
      workerRestarts: restarts,
    };
  }

  /** Rejects queued and running prompts with SHUTTING_DOWN and terminates the worker. */
  async dispose(): Promise<void> {
    if (this.#disposed) return;
    this.#disposed = true;
    const shutdown = new CuecastError('SHUTTING_DOWN', 'The text generator is shutting down');
    for (const job of this.#queue.splice(0)) this.#settle(job, shutdown);
    const running = this.#running;
    this.#running = undefined;
    const worker = this.#worker;
    this.#worker = undefined;
    if (running) this.#settle(running, shutdown);
    // The worker stops a running generation at its next token, then exits (see worker-stop.ts).
    if (worker) await stopWorker(worker);
  }

  /** Starts (or restarts) the worker and waits until its model is loaded. */
  start(): Promise<void> {
    this.#starting ??= this.#spawn().finally(() => {
      this.#starting = undefined;
    });
    return this.#starting;
  }

  #spawn(): Promise<void> {
    const worker = startWorker(this.entry, { workerData: { init: this.init } });
    this.#worker = worker;
    this.#ready = false;
    return new Promise<void>((resolve, reject) => {
      let ready = false;
      const timer = setTimeout(() => fail(new ModelError('MODEL_FAILED', `The text-generation worker did not load ${this.model} within ${this.startTimeoutMs} ms`)), this.startTimeoutMs);
      const fail = (error: Error): void => {
        clearTimeout(timer);
        if (this.#worker === worker) this.#worker = undefined;
        void stopWorker(worker);
        reject(error);
      };
      worker.on('message', (message: FromGenerationWorker) => {
        if (message.type === 'ready') {
          ready = true;
          clearTimeout(timer);
          this.#ready = true;
          this.#loaded = message.model;
          resolve();
          this.#pump();
        } else if (message.type === 'failed') fail(deserializeError(message.error));
        else this.#finish(message.id, message.ok ? { ok: true, value: message.value } : { ok: false, error: deserializeError(message.error) });
      });
      const onDeath = (reason: string): void => {
        if (this.#worker !== worker || this.#disposed) return;
        this.#worker = undefined;
        this.#ready = false;
        if (!ready) {
          fail(new ModelError('MODEL_FAILED', `The text-generation worker stopped while loading ${this.model}: ${reason}`));
          return;
        }
        log.error({ model: this.model, reason }, 'text-generation worker stopped');
        const running = this.#running;
        this.#running = undefined;
        if (running) this.#settle(running, new ModelError('MODEL_FAILED', `The text-generation worker stopped: ${reason}`));
        this.#counts.restarts++;
        this.#pump();
      };
      worker.on('error', (error) => onDeath(error.message));
      worker.on('exit', (code) => onDeath(`exit code ${code}`));
    });
  }

  /** Sends the next queued prompt when the worker is idle; restarts a dead worker first. */
  #pump(): void {
    if (this.#disposed || this.#running || this.#queue.length === 0) return;
    if (!this.#worker) {
      this.start().catch((error: unknown) => {
        for (const job of this.#queue.splice(0)) this.#settle(job, error);
      });
      return;
    }
    if (!this.#ready) return; // the ready message pumps
    const job = this.#queue.shift()!;
    this.#running = job;
    this.#worker.postMessage({ type: 'generate', id: job.id, prompt: job.prompt, maxNewTokens: job.maxNewTokens } satisfies ToGenerationWorker);
  }

  #finish(id: number, result: { ok: true; value: Continuation } | { ok: false; error: unknown }): void {
    const job = this.#running;
    if (job?.id !== id) return;
    this.#running = undefined;
    if (result.ok) {
      // Counted even for a job aborted while running: the worker did generate these tokens.
      this.#counts.promptTokens += result.value.promptTokens;
      this.#counts.generatedTokens += result.value.newTokens;
      this.#runMs.add(result.value.runMs);
    }
    this.#settle(job, result.ok ? undefined : result.error, result.ok ? result.value : undefined);
    this.#pump();
  }

  #abort(job: Job): void {
    const queued = this.#queue.indexOf(job);
    if (queued >= 0) this.#queue.splice(queued, 1);
    else if (this.#running === job) {
      // The worker stops at its next token; its late result is ignored.
      this.#worker?.postMessage({ type: 'cancel', id: job.id } satisfies ToGenerationWorker);
    }
    this.#counts.cancelled++;
    this.#settle(job, job.signal?.reason);
  }

  #settle(job: Job, error: unknown, value?: Continuation): void {
    if (job.settled) return;
    job.settled = true;
    job.signal?.removeEventListener('abort', job.onAbort);
    if (value) {
      this.#counts.completed++;
      job.resolve(value);
    } else {
      if (!(error instanceof CuecastError && error.code === 'SHUTTING_DOWN') && !job.signal?.aborted) this.#counts.failed++;
      job.reject(error);
    }
  }
}
