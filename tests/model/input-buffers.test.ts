import { describe, expect, it } from 'vitest';
import { InputBuffers } from '../../model/encoders/input-buffers.js';

describe('batch input buffers (model/encoders/input-buffers.ts)', () => {
  it('hands a released buffer out again, as a view when the next batch is smaller', () => {
    const buffers = new InputBuffers();
    const first = buffers.acquire(16);
    first.fill(7);
    buffers.release(first);
    const again = buffers.acquire(16);
    expect(again.buffer).toBe(first.buffer);
    buffers.release(again);
    const smaller = buffers.acquire(4);
    expect(smaller.buffer).toBe(first.buffer);
    expect(smaller).toHaveLength(4);
  });

  it('never hands one buffer to two batches at once', () => {
    const buffers = new InputBuffers();
    const a = buffers.acquire(8);
    const b = buffers.acquire(8);
    expect(b.buffer).not.toBe(a.buffer);
    buffers.release(a);
    buffers.release(a);
    const c = buffers.acquire(8);
    const d = buffers.acquire(8);
    expect(c.buffer).toBe(a.buffer);
    expect(d.buffer).not.toBe(a.buffer);
  });

  it('allocates anew for a batch larger than any it holds, and keeps at most `keep` buffers, the largest', () => {
    const buffers = new InputBuffers(2);
    const held = [buffers.acquire(4), buffers.acquire(8), buffers.acquire(12)];
    for (const buffer of held) buffers.release(buffer);
    const large = buffers.acquire(12);
    const next = buffers.acquire(8);
    const fresh = buffers.acquire(4);
    expect(large.buffer).toBe(held[2]!.buffer);
    expect(next.buffer).toBe(held[1]!.buffer);
    // The 4-value buffer was not kept.
    expect(fresh.buffer).not.toBe(held[0]!.buffer);
    expect(buffers.acquire(20)).toHaveLength(20);
  });

  it('ignores arrays it did not hand out', () => {
    const buffers = new InputBuffers();
    const foreign = new Float32Array(8);
    buffers.release(foreign);
    buffers.release(new Uint8Array(8));
    buffers.release(undefined);
    expect(buffers.acquire(8).buffer).not.toBe(foreign.buffer);
  });
});
