import { describe, expect, it } from 'vitest';
import { cutWindow, encoderWindow, holdsWindow, windowLength, windowSlack } from '../../features/music-windows.js';
import { planSegments, windowStarts } from '../../features/segments.js';
import { clipWindows } from '../../bench/synthetic/features.js';

/** 10 s windows at 100 Hz: 1,000 samples, 0.1 sample of slack rounds to 0. */
const slow = { sampleRate: 100, windowSeconds: 10 };
/** CLAP's format: 48 kHz, 10 s windows, 48 samples of slack. */
const clap = { sampleRate: 48_000, windowSeconds: 10 };

/** Samples whose value is their own index, so a cut shows where it came from. */
const ramp = (length: number): Float32Array => Float32Array.from({ length }, (_, i) => i);

describe('music windows (features/music-windows.ts)', () => {
  it('measures a window and its slack in samples', () => {
    expect(windowLength(clap)).toBe(480_000);
    expect(windowSlack(clap)).toBe(48);
    expect(windowLength(slow)).toBe(1000);
  });

  it('cuts the window at its start, relative to where the decoded samples begin', () => {
    const samples = ramp(3000);
    const window = cutWindow(samples, slow, 25, 10);
    expect(window.length).toBe(1000);
    expect([window[0], window[999]]).toEqual([1500, 2499]);
    // A copy, not a view: the decoded chunk can be dropped while the window waits for the encoder.
    expect(window.buffer).not.toBe(samples.buffer);
  });

  it('zero-pads a window that runs past the decoded samples', () => {
    const window = cutWindow(ramp(1500), slow, 10);
    expect([window[0], window[499], window[500], window[999]]).toEqual([1000, 1499, 0, 0]);
  });

  it('gives the encoder a view of samples in shared memory, and a copy of anything else or of a window past their end', () => {
    const shared = new Float32Array(new SharedArrayBuffer(3000 * 4));
    shared.set(ramp(3000));
    const view = encoderWindow(shared, slow, 25, 10);
    expect(view.buffer).toBe(shared.buffer);
    expect([view.length, view[0], view[999]]).toEqual([1000, 1500, 2499]);
    const samples = ramp(3000);
    const copied = encoderWindow(samples, slow, 25, 10);
    expect(copied.buffer).not.toBe(samples.buffer);
    expect([copied[0], copied[999]]).toEqual([1500, 2499]);
    const padded = encoderWindow(shared, slow, 25, 0);
    expect(padded.buffer).not.toBe(shared.buffer);
    expect([padded[0], padded[499], padded[500], padded[999]]).toEqual([2500, 2999, 0, 0]);
  });

  it('holds a window only when the samples cover it, up to the slack', () => {
    expect(holdsWindow(ramp(480_000 - 48), clap, 0)).toBe(true);
    expect(holdsWindow(ramp(480_000 - 49), clap, 0)).toBe(false);
    expect(holdsWindow(ramp(960_000), clap, 20, 10)).toBe(true);
    expect(holdsWindow(ramp(960_000), clap, 20.5, 10)).toBe(false);
  });

  it('lays windows out as the segments do: consecutive from the segment start, at least one', () => {
    expect(windowStarts(17, 47, 10)).toEqual([17, 27, 37]);
    expect(windowStarts(0, 24.5, 10)).toEqual([0, 10]);
    expect(windowStarts(0, 4, 10)).toEqual([0]);
    const plans = planSegments(47, { segmentSeconds: 30, hopSeconds: 15, windowSeconds: 10 });
    expect(plans.map((p) => p.windowStarts)).toEqual(plans.map((p) => windowStarts(p.start, p.end, 10)));
  });

  it('gives a synthetic clip its whole windows and drops a shorter tail', () => {
    const windows = clipWindows(ramp(2500), slow);
    expect(windows.map((w) => [w[0], w.length])).toEqual([
      [0, 1000],
      [1000, 1000],
    ]);
    expect(clipWindows(ramp(999), slow)).toEqual([]);
  });
});
