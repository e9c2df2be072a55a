import { CuecastError, toCuecastError } from '../core/errors.js';
import type { FrameEncoder, ImageInput } from '../model/types.js';

export type EncodeOutcome =
  | { readonly status: 'encoded'; readonly embedding: Float32Array }
  | { readonly status: 'dropped'; readonly reason: 'superseded' | 'cancelled' };

export interface EncodeQueueOptions {
  /** Most frames in one call to the encoder. */
  readonly maxBatch: number;
  /** Batches in flight at once (the number of encoder workers is a good value). */
  readonly concurrency: number;
  /** A batch still running after this long is abandoned (its frames fail with MODEL_FAILED). */
  readonly timeoutMs: number;
  readonly onBatch?: (size: number, seconds: number) => void;
}

interface Waiting {
  readonly image: ImageInput;
  readonly resolve: (outcome: EncodeOutcome) => void;
  readonly reject: (error: CuecastError) => void;
}

/**
 * Shares one (pooled, batching) frame encoder between all sessions. Each session has ONE waiting slot:
 * a newer frame replaces the waiting one (latest wins) instead of queueing behind it, so a session
 * that outruns the encoder loses frames, not memory. Sessions with a waiting frame are served in the
 * order they first became ready, one frame each per batch, so a flooding session cannot starve
 * another (round-robin).
 */
export class EncodeQueue {
  private readonly waiting = new Map<string, Waiting>();
  private inFlight = 0;
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
    return this.inFlight > 0 || this.waiting.size > 0;
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
    while (this.inFlight < this.options.concurrency && this.waiting.size > 0) {
      const batch: Waiting[] = [];
      for (const [key, item] of this.waiting) {
        if (batch.length >= this.options.maxBatch) break;
        batch.push(item);
        this.waiting.delete(key);
      }
      this.inFlight += 1;
      void this.run(batch).finally(() => {
        this.inFlight -= 1;
        this.pump();
        if (!this.busy) for (const resolve of this.idleWaiters.splice(0)) resolve();
      });
    }
  }

  private async run(batch: readonly Waiting[]): Promise<void> {
    const started = performance.now();
    try {
      const embeddings = await this.encode(batch.map((item) => item.image));
      this.options.onBatch?.(batch.length, (performance.now() - started) / 1000);
      batch.forEach((item, i) => item.resolve({ status: 'encoded', embedding: embeddings[i]! }));
    } catch (error) {
      if (batch.length === 1) {
        batch[0]!.reject(toCuecastError(error));
        return;
      }
      // One unreadable frame must not fail the other sessions' frames: retry each on its own.
      await Promise.all(
        batch.map(async (item) => {
          try {
            const [embedding] = await this.encode([item.image]);
            item.resolve({ status: 'encoded', embedding: embedding! });
          } catch (single) {
            item.reject(toCuecastError(single));
          }
        }),
      );
    }
  }

  private async encode(images: readonly ImageInput[]): Promise<Float32Array[]> {
    const controller = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        controller.abort();
        reject(new CuecastError('MODEL_FAILED', `The frame encoder took longer than ${this.options.timeoutMs} ms`));
      }, this.options.timeoutMs);
    });
    // Race as well as abort: an encoder that ignores the signal must not hold a batch slot forever.
    const embeddings = await Promise.race([this.encoder.encodeImages(images, controller.signal), deadline]).finally(() =>
      clearTimeout(timer),
    );
    if (embeddings.length !== images.length) {
      throw new CuecastError('MODEL_FAILED', `The frame encoder returned ${embeddings.length} embeddings for ${images.length} images`);
    }
    return embeddings;
  }
}
