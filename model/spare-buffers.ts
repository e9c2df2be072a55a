/**
 * Input buffers the workers hand back once a batch is done with them, for the next copies of that size.
 * Every input crosses to a worker in a buffer of its own (transfer.ts), and a fresh one costs its page
 * faults on first touch: 13 ms for 16 frames of 398x224 on the VMs measured, against about 1 ms to copy
 * into memory already mapped. Small buffers come from malloc's heap and cost little, so only large ones
 * are kept; the oldest go first past `maxBytes`.
 */
export const MIN_SPARE_BYTES = 64 * 1024;

export class SpareBuffers {
  private readonly held: ArrayBuffer[] = [];
  private bytes = 0;

  constructor(private readonly maxBytes = 32 * 1024 * 1024) {}

  /** A held buffer of exactly `byteLength` bytes (its contents are an earlier input's), or undefined. */
  take(byteLength: number): ArrayBuffer | undefined {
    if (byteLength < MIN_SPARE_BYTES) return undefined;
    for (let i = this.held.length - 1; i >= 0; i--) {
      const buffer = this.held[i]!;
      if (buffer.byteLength !== byteLength) continue;
      this.held.splice(i, 1);
      this.bytes -= byteLength;
      return buffer;
    }
    return undefined;
  }

  /** Keeps the large ones of `buffers` (detached or small ones are ignored). */
  give(buffers: readonly ArrayBuffer[]): void {
    for (const buffer of buffers) {
      if (!(buffer instanceof ArrayBuffer) || buffer.byteLength < MIN_SPARE_BYTES || buffer.byteLength > this.maxBytes || this.held.includes(buffer)) continue;
      this.held.push(buffer);
      this.bytes += buffer.byteLength;
    }
    while (this.bytes > this.maxBytes) this.bytes -= this.held.shift()!.byteLength;
  }

  get heldBytes(): number {
    return this.bytes;
  }
}
