import { describe, expect, it } from 'vitest';
import { setTimeout as sleep } from 'node:timers/promises';
import { BusyMeter, busyFrameEncoder } from '../../bench/timed.js';
import type { FrameEncoder } from '../../model/types.js';

describe('BusyMeter', () => {
  it('counts overlapping calls once and idle gaps not at all', async () => {
    const meter = new BusyMeter();
    const begin = performance.now();
    await Promise.all([meter.timeAsync(() => sleep(120)), meter.timeAsync(() => sleep(120))]);
    await sleep(150);
    await meter.timeAsync(() => sleep(60));
    const wall = performance.now() - begin;
    // Two overlapping 120 ms calls + one 60 ms call: about 180 ms busy in about 330 ms of wall time.
    expect(meter.ms).toBeGreaterThanOrEqual(175);
    expect(meter.ms).toBeLessThan(wall - 120);
  });

  it('stops counting when a call fails', async () => {
    const meter = new BusyMeter();
    await expect(
      meter.timeAsync(async () => {
        await sleep(30);
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    const after = meter.ms;
    expect(after).toBeGreaterThanOrEqual(25);
    await sleep(50);
    expect(meter.ms).toBe(after);
  });

  it('wraps a frame encoder without changing its results', async () => {
    const meter = new BusyMeter();
    const inner: FrameEncoder = {
      info: { modelId: 'm', dim: 2 } as FrameEncoder['info'],
      encodeImages: async (images) => {
        await sleep(20);
        return images.map(() => new Float32Array([1, 0]));
      },
    };
    const out = await busyFrameEncoder(inner, meter).encodeImages([{} as never, {} as never]);
    expect(out).toHaveLength(2);
    expect(meter.ms).toBeGreaterThanOrEqual(15);
  });
});
