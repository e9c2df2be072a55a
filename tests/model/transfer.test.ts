import { describe, expect, it, vi } from 'vitest';
import { copyArray, copyItems, transferList } from '../../model/transfer.js';

describe('copying inputs for a worker', () => {
  it('copies typed arrays and Node Buffers into owned arrays of the same element type, without the deprecated Buffer()', async () => {
    const warn = vi.spyOn(process, 'emitWarning');
    const bytes = Buffer.from(Array.from({ length: 600_000 }, (_, i) => i % 251));
    const copy = await copyArray(bytes);
    expect(copy).toBeInstanceOf(Uint8Array);
    expect(Buffer.isBuffer(copy)).toBe(false);
    expect(Buffer.compare(Buffer.from(copy), bytes)).toBe(0);
    const floats = Float32Array.from({ length: 100_000 }, (_, i) => i / 7);
    const floatCopy = await copyArray(floats);
    expect(floatCopy).toBeInstanceOf(Float32Array);
    expect(floatCopy).toEqual(floats);
    expect(floatCopy.buffer).not.toBe(floats.buffer);
    expect(warn).not.toHaveBeenCalled();
    warn.mockRestore();
  });

  it('copies into a spare buffer of the same byte length, and refuses one of another length', async () => {
    const source = Float32Array.from({ length: 50_000 }, (_, i) => i);
    const spare = new ArrayBuffer(source.byteLength);
    new Float32Array(spare).fill(-1);
    const copy = await copyArray(source, spare);
    expect(copy.buffer).toBe(spare);
    expect(copy).toEqual(source);
    await expect(copyArray(source, new ArrayBuffer(source.byteLength + 4))).rejects.toThrow(RangeError);
  });

  it('lists each transferable buffer once', async () => {
    const items = await copyItems([{ data: new Uint8Array(4) }, { data: new Uint8Array(4) }], async (item) => ({ data: await copyArray(item.data) }));
    expect(transferList([...items, items[0]])).toHaveLength(2);
  });
});
