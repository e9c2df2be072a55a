import { describe, expect, it } from 'vitest';
import { MIN_SPARE_BYTES, SpareBuffers } from '../../model/spare-buffers.js';

describe('spare input buffers (model/spare-buffers.ts)', () => {
  it('gives back a held buffer of exactly the asked length, once', () => {
    const spares = new SpareBuffers();
    const a = new ArrayBuffer(MIN_SPARE_BYTES * 2);
    const b = new ArrayBuffer(MIN_SPARE_BYTES * 3);
    spares.give([a, b, a]);
    expect(spares.heldBytes).toBe(MIN_SPARE_BYTES * 5);
    expect(spares.take(MIN_SPARE_BYTES * 4)).toBeUndefined();
    expect(spares.take(MIN_SPARE_BYTES * 3)).toBe(b);
    expect(spares.take(MIN_SPARE_BYTES * 3)).toBeUndefined();
    expect(spares.take(MIN_SPARE_BYTES * 2)).toBe(a);
    expect(spares.heldBytes).toBe(0);
  });

  it('keeps no small or detached buffers', () => {
    const spares = new SpareBuffers();
    const detached = new ArrayBuffer(MIN_SPARE_BYTES);
    structuredClone(detached, { transfer: [detached] });
    spares.give([new ArrayBuffer(MIN_SPARE_BYTES - 1), detached]);
    expect(spares.heldBytes).toBe(0);
    expect(spares.take(MIN_SPARE_BYTES - 1)).toBeUndefined();
  });

  it('drops the oldest past its byte budget', () => {
    const spares = new SpareBuffers(MIN_SPARE_BYTES * 2);
    const [first, second, third] = [new ArrayBuffer(MIN_SPARE_BYTES), new ArrayBuffer(MIN_SPARE_BYTES), new ArrayBuffer(MIN_SPARE_BYTES)];
    spares.give([first, second]);
    spares.give([third]);
    expect(spares.heldBytes).toBe(MIN_SPARE_BYTES * 2);
    const taken = [spares.take(MIN_SPARE_BYTES), spares.take(MIN_SPARE_BYTES), spares.take(MIN_SPARE_BYTES)];
    expect(taken).toEqual([third, second, undefined]);
  });
});
