import type { RgbFrame } from '../core/media/types.js';

export type Dtype = 'fp32' | 'q8';
/** The `encoders.dtype` setting: a dtype, or `auto` (q8 where it agrees with fp32, see model/dtype-choice.ts). */
export type DtypeSetting = Dtype | 'auto';
export type Device = 'cpu' | 'cuda';

/** An image still in its file format (JPEG/PNG/WebP bytes), decoded in the worker. */
export interface EncodedImage {
  readonly encoded: Uint8Array;
}

export type ImageInput = RgbFrame | EncodedImage;

export interface EncoderInfo {
  /** Hub id or local directory the model came from, as configured. */
  readonly modelId: string;
  /** Embedding dimension. */
  readonly dim: number;
  readonly dtype: Dtype;
  readonly device: Device;
}

/** CLIP image encoder: one L2-normalised embedding per image. */
export interface FrameEncoder {
  readonly info: EncoderInfo;
  /** The model's input size (short side, pixels); frames decoded at it need no rescaling. See features/frame-spec.ts. */
  readonly imageSize?: number;
  encodeImages(images: readonly ImageInput[], signal?: AbortSignal): Promise<Float32Array[]>;
}

/** A text encoder (CLIP text or CLAP text): one L2-normalised embedding per text. */
export interface TextEncoder {
  readonly info: EncoderInfo;
  /** Longest input in tokens; longer texts are truncated. */
  readonly maxTokens: number;
  encodeTexts(texts: readonly string[], signal?: AbortSignal): Promise<Float32Array[]>;
}

/** CLAP audio encoder over exact windows of `windowSeconds` at `sampleRate`, mono. */
export interface AudioEncoder {
  readonly info: EncoderInfo;
  readonly sampleRate: number;
  readonly windowSeconds: number;
  /**
   * Each window must hold exactly sampleRate * windowSeconds samples. The windows are copied for the
   * inference worker unless `transfer` is set: then each window that spans its whole buffer moves to
   * the worker without a copy and is left empty (detached) here, for windows cut only to be embedded,
   * and a window in a SharedArrayBuffer is read there in place (leave it unchanged until the call settles).
   */
  encodeWindows(windows: readonly Float32Array[], signal?: AbortSignal, options?: { readonly transfer?: boolean }): Promise<Float32Array[]>;
}

export interface Disposable {
  dispose(): Promise<void>;
}

/** Latency summary over the most recent observations (milliseconds). */
export interface Percentiles {
  readonly count: number;
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
  readonly max: number;
}

/** Back-pressure and batching figures of the inference worker pool, for metrics and tests. */
export interface PoolStats {
  /** Worker threads alive (0 after dispose). */
  readonly workers: number;
  readonly busyWorkers: number;
  /** Items waiting to be batched, all kinds together. */
  readonly queuedItems: number;
  readonly batches: number;
  readonly items: number;
  readonly failedItems: number;
  readonly meanBatchSize: number;
  readonly largestBatch: number;
  /** Batch size -> number of batches of that size. */
  readonly batchSizes: Readonly<Record<number, number>>;
  /** Per item: enqueue to dispatch. */
  readonly queueWaitMs: Percentiles;
  /** Per batch: the worker's run time. */
  readonly runMs: Percentiles;
  /** Per request: call to result. */
  readonly latencyMs: Percentiles;
  readonly byKind: Readonly<Record<string, { readonly batches: number; readonly items: number }>>;
  readonly workerRestarts: number;
  /** Bytes of input buffers the workers handed back, held for the next copies (spare-buffers.ts). */
  readonly spareBytes: number;
}
