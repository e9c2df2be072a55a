/**
 * Moving big inputs (frames, audio windows, feature sequences) to a worker without stalling the
 * event loop. Structured-cloning a batch of 720p frames costs the main thread tens of milliseconds in
 * one go; instead the inputs are copied in slices of at most CHUNK_BYTES, yielding between slices, and
 * the copies' buffers are then transferred (zero-copy) with the batch. Callers keep their own arrays.
 */
import { setImmediate as nextTurn } from 'node:timers/promises';

/** Most bytes copied before the event loop gets a turn. */
const CHUNK_BYTES = 256 * 1024;

type CopyableArray = Uint8Array | Float32Array;

/**
 * Copies one array in slices, so a 2.7 MB frame never holds the event loop for long; into `spare` (a
 * buffer of exactly the source's byte length, e.g. from SpareBuffers) when one is given.
 */
export async function copyArray<T extends CopyableArray>(source: T, spare?: ArrayBuffer): Promise<T> {
  if (spare && spare.byteLength !== source.byteLength) throw new RangeError(`copyArray: a spare of ${spare.byteLength} bytes for ${source.byteLength}`);
  const memory = spare ?? new ArrayBuffer(source.byteLength);
  // By element type, not source.constructor: a Node Buffer (socket.io's binary) would call the deprecated Buffer(size).
  const target = (source instanceof Float32Array ? new Float32Array(memory) : new Uint8Array(memory)) as T;
  const step = Math.max(1, Math.floor(CHUNK_BYTES / source.BYTES_PER_ELEMENT));
  for (let offset = 0; offset < source.length; offset += step) {
    if (offset > 0) await nextTurn();
    target.set(source.subarray(offset, offset + step), offset);
  }
  return target;
}

/** Maps items to owned copies one at a time (`copy` may yield, e.g. through copyArray). */
export async function copyItems<T, U>(items: readonly T[], copy: (item: T, index: number) => U | Promise<U>): Promise<U[]> {
  const out: U[] = [];
  for (const [i, item] of items.entries()) out.push(await copy(item, i));
  return out;
}

/** The distinct, transferable ArrayBuffers inside the items (typed arrays up to two levels deep). */
export function transferList(items: readonly unknown[]): ArrayBuffer[] {
  const buffers = new Set<ArrayBuffer>();
  const visit = (value: unknown, depth: number): void => {
    if (ArrayBuffer.isView(value)) {
      if (value.buffer instanceof ArrayBuffer) buffers.add(value.buffer);
    } else if (depth < 3 && typeof value === 'object' && value !== null) {
      for (const child of Object.values(value)) visit(child, depth + 1);
    }
  };
  for (const item of items) visit(item, 0);
  return [...buffers];
}

/** Whether `array` spans its whole ArrayBuffer (as a freshly made array does), so transferring the buffer moves nothing more than it. */
export function ownsItsBuffer(array: Float32Array | Uint8Array): boolean {
  return array.buffer instanceof ArrayBuffer && array.byteOffset === 0 && array.byteLength === array.buffer.byteLength;
}

/** Whether `array` lives in a SharedArrayBuffer: posted to a worker, it is shared, neither copied nor moved. */
export function inSharedMemory(array: Float32Array | Uint8Array): boolean {
  return array.buffer instanceof SharedArrayBuffer;
}
