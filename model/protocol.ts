/**
 * Messages between the main thread (model/pool.ts) and inference workers (model/worker.ts). Only plain,
 * structured-clonable data crosses; errors travel as `{ code, message, details }`.
 */
import { CuecastError, InputError, ModelError, type ErrorCode, type ErrorDetails } from '../core/errors.js';
import type { Device, Dtype } from './types.js';
import type { ShutdownMessage } from './worker-stop.js';

/** The pretrained encoders a worker owns. */
export type EncoderKind = 'clipImage' | 'clipText' | 'clapAudio' | 'clapText';

/** The batched operations a worker can run. */
export type TaskKind = EncoderKind | 'vimlQuery' | 'vimlMusic';

/** One image as it crosses to the worker: raw RGB24 pixels or encoded file bytes. */
export type ImageItem = { readonly width: number; readonly height: number; readonly data: Uint8Array } | { readonly encoded: Uint8Array };

/** A feature sequence: `length` rows of `dim` floats, row-major. */
export interface Sequence {
  readonly data: Float32Array;
  readonly length: number;
  readonly dim: number;
}

export interface QueryItem {
  readonly video: Sequence;
  /** Absent or empty (length 0): no text. */
  readonly text?: Sequence;
}

export interface TaskItems {
  clipImage: ImageItem;
  clipText: string;
  clapAudio: Float32Array;
  clapText: string;
  vimlQuery: QueryItem;
  vimlMusic: Sequence;
}

/** Where a model's files are: a local directory, or a hub id fetched into the cache. */
export interface ModelSource {
  readonly location: string;
  readonly local: boolean;
  /** What the user configured (hub id or path), for messages. */
  readonly configured: string;
}

export interface WorkerInit {
  readonly clip: ModelSource;
  readonly clap: ModelSource;
  /** The dtype each encoder starts with (`setDtype` changes one later, e.g. after an auto check). */
  readonly dtypes: Readonly<Record<EncoderKind, Dtype>>;
  readonly device: Device;
  /** Intra-op threads per session; 0 leaves onnxruntime's default. */
  readonly threads: number;
  readonly allowRemote: boolean;
  /** transformers.js download cache. */
  readonly cacheDir: string;
  /** The model hub (transformers.js remoteHost). */
  readonly hubUrl?: string | undefined;
  readonly logLevel: string;
  /** Nice value for the worker thread (and the onnxruntime threads it starts): inference yields to the event loop. */
  readonly niceness: number;
}

export interface ModelDescription {
  /** `_name_or_path` of the model's config.json when present, else the configured id or path. */
  readonly modelId: string;
  readonly dim: number;
}

export interface TextModelDescription extends ModelDescription {
  readonly maxTokens: number;
}

export interface AudioModelDescription extends ModelDescription {
  readonly sampleRate: number;
  readonly windowSeconds: number;
}

export interface ImageModelDescription extends ModelDescription {
  /** preprocessor_config.json `size.shortest_edge` (or the crop size). */
  readonly imageSize: number;
}

export interface Descriptions {
  readonly clipImage: ImageModelDescription;
  readonly clipText: TextModelDescription;
  readonly clapAudio: AudioModelDescription;
  readonly clapText: TextModelDescription;
}

/** What a worker needs to open the ViML heads (from manifest.json, checked on the main thread). */
export interface HeadsSpec {
  readonly dir: string;
  readonly queryFile: string;
  readonly queryOutput: string;
  readonly musicFile: string;
  readonly musicOutput: string;
  readonly videoDim: number;
  readonly textDim: number;
  readonly musicDim: number;
}

export type ControlOp =
  | { readonly op: 'describe' }
  | { readonly op: 'warmup'; readonly kinds: readonly TaskKind[] }
  | { readonly op: 'loadHeads'; readonly spec: HeadsSpec }
  /** Runs the encoder in fp32 and in q8 on the reference set and reports their agreement (a DtypeCheck). */
  | { readonly op: 'checkDtype'; readonly kind: EncoderKind }
  | { readonly op: 'setDtype'; readonly kind: EncoderKind; readonly dtype: Dtype };

export type ToWorker =
  { readonly type: 'batch'; readonly id: number; readonly kind: TaskKind; readonly items: readonly unknown[] } | ({ readonly type: 'control'; readonly id: number } & ControlOp) | ShutdownMessage;

export interface SerializedError {
  readonly code: ErrorCode;
  readonly message: string;
  readonly details: ErrorDetails;
}

export type ItemResult = { readonly ok: true; readonly value: Float32Array } | { readonly ok: false; readonly error: SerializedError };

export type FromWorker =
  | { readonly type: 'ready' }
  /** `spent`: the batch's input buffers, handed back (transferred) once nothing in the worker reads them. */
  | { readonly type: 'batch'; readonly id: number; readonly results: readonly ItemResult[]; readonly runMs: number; readonly spent?: readonly ArrayBuffer[] }
  | { readonly type: 'control'; readonly id: number; readonly ok: true; readonly value: unknown }
  | { readonly type: 'control'; readonly id: number; readonly ok: false; readonly error: SerializedError };

export function serializeError(error: unknown): SerializedError {
  if (error instanceof CuecastError) return { code: error.code, message: error.message, details: error.details };
  const message = error instanceof Error ? error.message : String(error);
  return { code: 'MODEL_FAILED', message: `Inference failed: ${message}`, details: {} };
}

export function deserializeError(error: SerializedError): CuecastError {
  if (error.code === 'INPUT_INVALID') return new InputError(error.code, error.message, error.details);
  if (error.code.startsWith('MODEL_')) return new ModelError(error.code, error.message, error.details);
  return new CuecastError(error.code, error.message, error.details);
}
