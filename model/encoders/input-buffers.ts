/**
 * Float32 input buffers reused from batch to batch. A fresh batch-sized array costs more than the values
 * written into it: on the VMs measured, the first touch of a new 9.6 MB array (16 CLIP frames) faults in
 * its pages (about 28 ms), and it reaches the session cold in the cache. A buffer goes back once the run
 * that read it has returned. At most `keep` are held (the worker prepares one batch in reserve while
 * another runs), each as large as the largest batch asked for; smaller batches get a view of one.
 */
export class InputBuffers {
  private readonly free: Float32Array[] = [];
  private readonly own = new WeakMap<ArrayBufferLike, Float32Array>();

  constructor(private readonly keep = 2) {}

  /** `length` values (a view of a held buffer, or a new one), with whatever an earlier batch left in them. */
  acquire(length: number): Float32Array {
    const index = this.free.findIndex((buffer) => buffer.length >= length);
    if (index >= 0) return this.free.splice(index, 1)[0]!.subarray(0, length);
    const buffer = new Float32Array(length);
    this.own.set(buffer.buffer, buffer);
    return buffer;
  }

  /** Hands back what acquire() gave once nothing reads it; anything else is ignored. */
  release(values: unknown): void {
    if (!(values instanceof Float32Array)) return;
    const whole = this.own.get(values.buffer);
    if (!whole || this.free.includes(whole)) return;
    this.free.push(whole);
    // Keep the largest: a smaller one would only ever serve smaller batches.
    this.free.sort((a, b) => b.length - a.length);
    if (this.free.length > this.keep) this.free.length = this.keep;
  }
}
