export interface WindowFrame {
  readonly embedding: Float32Array;
  /** Capture time, ms since epoch. */
  readonly capturedAt: number;
  /** When the server received it, ms (for frame-to-pick latency). */
  readonly receivedAt: number;
}

/**
 * The last `windowSeconds` of a session's frame embeddings, in capture order, in a fixed-size ring
 * (at most `maxFrames`), so a session's memory does not grow with the stream's length.
 */
export class FrameWindow {
  private readonly ring: (WindowFrame | undefined)[];
  private start = 0;
  private count = 0;

  constructor(
    private readonly windowMs: number,
    readonly maxFrames: number,
  ) {
    this.ring = new Array<WindowFrame | undefined>(maxFrames);
  }

  get size(): number {
    return this.count;
  }

  /** Capture time of the newest frame, or -Infinity when empty. */
  get newestCapturedAt(): number {
    return this.count === 0 ? -Infinity : this.at(this.count - 1).capturedAt;
  }

  get newest(): WindowFrame | undefined {
    return this.count === 0 ? undefined : this.at(this.count - 1);
  }

  push(frame: WindowFrame): void {
    if (this.count === this.maxFrames) {
      this.ring[this.start] = undefined;
      this.start = (this.start + 1) % this.maxFrames;
      this.count -= 1;
    }
    this.ring[(this.start + this.count) % this.maxFrames] = frame;
    this.count += 1;
    this.evictOlderThan(frame.capturedAt - this.windowMs);
  }

  /** Frames captured within the window ending at the newest frame, oldest first. */
  frames(): WindowFrame[] {
    return Array.from({ length: this.count }, (_, i) => this.at(i));
  }

  clear(): void {
    this.ring.fill(undefined);
    this.start = 0;
    this.count = 0;
  }

  private at(i: number): WindowFrame {
    return this.ring[(this.start + i) % this.maxFrames]!;
  }

  private evictOlderThan(limit: number): void {
    while (this.count > 0 && this.at(0).capturedAt < limit) {
      this.ring[this.start] = undefined;
      this.start = (this.start + 1) % this.maxFrames;
      this.count -= 1;
    }
  }
}
