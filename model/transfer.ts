/**
 * Moving big inputs (frames, audio windows, feature sequences) to a worker without stalling the
 * event loop. Structured-cloning a batch of 720p frames costs the main thread tens of milliseconds in
 * one go; instead each item is copied on its own, yielding between large ones, and the copies'
 * buffers are then transferred (zero-copy) with the batch. Callers keep their own arrays intact.
 */
import { setImmediate as nextTurn } from 'node:timers/promises';

/** Bytes copied before giving the event loop a turn. */
const YIELD_EVERY_BYTES = 1 << 20;

/** Copies items with `copy` (returning the copy and its size in bytes), yielding between large ones. */
export async function copyItems<T, U>(items: readonly T[], copy: (item: T, index: number) => { value: U; bytes: number }): Promise<U[]> {
  const out: U[] = [];
  let sinceYield = 0;
  for (const [i, item] of items.entries()) {
    const { value, bytes } = copy(item, i);
    out.push(value);
    sinceYield += bytes;
    if (sinceYield >= YIELD_EVERY_BYTES && i < items.length - 1) {
      sinceYield = 0;
      await nextTurn();
    }
  }
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
