/**
 * Messages between the main thread (model/text-generation.ts) and the text-generation worker
 * (model/text-generation-worker.ts). Plain, structured-clonable data only.
 */
import type { ModelSource, SerializedError } from './protocol.js';
import type { Device, Dtype } from './types.js';
import type { ShutdownMessage } from './worker-stop.js';

export interface GenerationWorkerInit {
  readonly source: ModelSource;
  readonly dtype: Dtype;
  readonly device: Device;
  /** Intra-op threads; 0: one per core (threading.ts). */
  readonly threads: number;
  readonly allowRemote: boolean;
  /** transformers.js download cache; absent: the library's default. */
  readonly cacheDir?: string;
  readonly logLevel: string;
  readonly niceness: number;
}

/** What the worker reports once the tokenizer and model are loaded. */
export interface LoadedModel {
  /** `_name_or_path` of config.json when present, else the configured id or path. */
  readonly modelId: string;
  /** Longest sequence (prompt + new tokens) the model takes. */
  readonly contextTokens: number;
  /** The worker's thread id (never the main thread's 0). */
  readonly threadId: number;
}

/** One finished generation. */
export interface Continuation {
  /** The new text only, special tokens removed. */
  readonly text: string;
  readonly newTokens: number;
  /** Prompt tokens the model saw (after dropping the oldest ones to fit the context). */
  readonly promptTokens: number;
  /** Prompt tokens dropped from the start so prompt + new tokens fit the context. */
  readonly droppedTokens: number;
  /** `eos`: the model ended the text; `length`: max new tokens reached; `cancelled`: stopped on request. */
  readonly stop: 'eos' | 'length' | 'cancelled';
  readonly runMs: number;
}

export type ToGenerationWorker =
  { readonly type: 'generate'; readonly id: number; readonly prompt: string; readonly maxNewTokens: number } | { readonly type: 'cancel'; readonly id: number } | ShutdownMessage;

export type FromGenerationWorker =
  | { readonly type: 'ready'; readonly model: LoadedModel }
  | { readonly type: 'failed'; readonly error: SerializedError }
  | { readonly type: 'result'; readonly id: number; readonly ok: true; readonly value: Continuation }
  | { readonly type: 'result'; readonly id: number; readonly ok: false; readonly error: SerializedError };
