import { CuecastError, toCuecastError } from '../core/errors.js';
import type { FrameEncoder, ImageInput } from '../model/types.js';

export type EncodeOutcome = { readonly status: 'encoded'; readonly embedding: Float32Array } | { readonly status: 'dropped'; readonly reason: 'superseded' | 'cancelled' };

export interface EncodeQueueOptions {
  /**
   * Frames handed to the encoder and not yet back. The encoder (the worker pool) does the batching;
   * this only keeps enough frames with it to fill its batches (workers x encoders.maxBatch), so the
   * rest wait here, where a newer frame of the same stream can still replace them.
   */
  readonly maxInFlight: number;
  /** A frame still encoding after this long is abandoned (it fails with MODEL_FAILED). */
  readonly timeoutMs: number;
  /** Called with each encoded frame's time from hand-over to embedding. */
  readonly onEncoded?: (seconds: number) => void;
}

interface Waiting {
  readonly image: ImageInput;
  readonly resolve: (outcome: EncodeOutcome) => void;
  readonly reject: (error: CuecastError) => void;
}

/**
 * Shares one (pooled, batching) frame encoder between all sessions: admission, not batching. Each
 * session has ONE waiting slot: a newer frame replaces the waiting one (latest wins) instead of
 * queueing behind it, so a session that outruns the encoder loses frames, not memory. Sessions with
 * a waiting frame are handed to the encoder in the order they first became ready (round-robin), one
 * frame per call and at most one frame per session at the encoder at a time, so a flooding session
 * cannot starve another and one unreadable frame fails alone.
 */
export class EncodeQueue {
  private readonly waiting = new Map<string, Waiting>();
  /** Sessions with a frame at the encoder: one each, so a fast stream cannot take every slot. */
  private readonly inFlight = new Set<string>();
  private closed = false;
  private readonly idleWaiters: (() => void)[] = [];

  constructor(
    private readonly encoder: FrameEncoder,
    private readonly options: EncodeQueueOptions,
  ) {}

  /** Frames waiting for the encoder (at most one per session). */
  get pending(): number {
    return this.waiting.size;
  }

  get busy(): boolean {
    return this.inFlight.size > 0 || this.waiting.size > 0;
  }

  /** Queues a session's frame, replacing (and resolving as dropped) the one it had waiting. */
  submit(key: string, image: ImageInput): Promise<EncodeOutcome> {
    if (this.closed) return Promise.reject(new CuecastError('SHUTTING_DOWN', 'The server is shutting down'));
    return new Promise<EncodeOutcome>((resolve, reject) => {
      const previous = this.waiting.get(key);
      // Map.set on an existing key keeps its position: a replaced frame does not jump the queue.
      this.waiting.set(key, { image, resolve, reject });
      previous?.resolve({ status: 'dropped', reason: 'superseded' });
      this.pump();
    });
  }

  /** Drops a session's waiting frame (the session ended). */
  cancel(key: string): void {
    const previous = this.waiting.get(key);
    if (!previous) return;
    this.waiting.delete(key);
    previous.resolve({ status: 'dropped', reason: 'cancelled' });
  }

  /** Refuses new frames and resolves once everything accepted so far has been encoded. */
  async drain(): Promise<void> {
    this.closed = true;
    if (!this.busy) return;
    await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  private pump(): void {
    for (const [key, item] of this.waiting) {
      if (this.inFlight.size >= this.options.maxInFlight) break;
      if (this.inFlight.has(key)) continue;
      this.waiting.delete(key);
      this.inFlight.add(key);
      void this.run(item).finally(() => {
        this.inFlight.delete(key);
        this.pump();
        if (!this.busy) for (const resolve of this.idleWaiters.splice(0)) resolve();
      });
    }
  }

  private async run(item: Waiting): Promise<void> {
    const started = performance.now();
    try {
      const embedding = await this.encode(item.image);
      this.options.onEncoded?.((performance.now() - started) / 1000);
      item.resolve({ status: 'encoded', embedding });
    } catch (error) {
      item.reject(toCuecastError(error));
    }
  }

  private async encode(image: ImageInput): Promise<Float32Array> {
    const controller = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        controller.abort();
        reject(new CuecastError('MODEL_FAILED', `The frame encoder took longer than ${this.options.timeoutMs} ms`));
      }, this.options.timeoutMs);
    });
    // Race as well as abort: an encoder that ignores the signal must not hold an in-flight slot forever.
    const embeddings = await Promise.race([this.encoder.encodeImages([image], controller.signal), deadline]).finally(() => clearTimeout(timer));
    if (embeddings.length !== 1) throw new CuecastError('MODEL_FAILED', `The frame encoder returned ${embeddings.length} embeddings for 1 image`);
    return embeddings[0]!;
  }
}
