import { describe, expect, it } from 'vitest';
import { estimateBpm } from '../../index-data/bpm.js';

const RATE = 22_050;

/** Decaying noise bursts on every beat (a kick-like click track), with a quieter off-beat. */
function clickTrack(bpm: number, seconds: number, offbeat = 0): Float32Array {
  const out = new Float32Array(RATE * seconds);
  const period = (60 / bpm) * RATE;
  let seed = 1;
  const noise = (): number => ((seed = (seed * 16807) % 2147483647) / 2147483647) * 2 - 1;
  for (let beat = 0; beat * period < out.length; beat++) {
    for (const [at, gain] of [[beat * period, 1], [(beat + 0.5) * period, offbeat]] as const) {
      if (gain === 0) continue;
      const start = Math.round(at);
      for (let i = 0; i < 0.05 * RATE && start + i < out.length; i++) out[start + i]! += gain * noise() * Math.exp(-i / (0.01 * RATE));
    }
  }
  return out;
}

describe('estimateBpm', () => {
  it.each([72, 96, 128, 150])('given a click track at %i BPM, estimates it within 2 BPM', (bpm) => {
    const estimate = estimateBpm(clickTrack(bpm, 30), RATE);
    expect(estimate).toBeDefined();
    expect(Math.abs(estimate!.bpm - bpm)).toBeLessThanOrEqual(2);
  });

  it('given beats with quieter off-beats, still reports the beat rate', () => {
    expect(Math.abs(estimateBpm(clickTrack(100, 30, 0.3), RATE)!.bpm - 100)).toBeLessThanOrEqual(2);
  });

  it('given silence or a clip under 4 s, returns undefined instead of a guess', () => {
    expect(estimateBpm(new Float32Array(RATE * 20), RATE)).toBeUndefined();
    expect(estimateBpm(clickTrack(120, 2), RATE)).toBeUndefined();
  });
});
