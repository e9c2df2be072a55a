import { describe, expect, it } from 'vitest';
import { estimateBpm, OnsetEnvelope, estimateTempo, type TempoResult } from '../../index-data/bpm.js';

const bpmOf = (r: TempoResult): number | undefined => ('bpm' in r ? r.bpm : undefined);

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
    const estimate = bpmOf(estimateBpm(clickTrack(bpm, 30), RATE));
    expect(estimate).toBeDefined();
    expect(Math.abs(estimate! - bpm)).toBeLessThanOrEqual(2);
  });

  /** A tone whose loudness swells on every beat (the bot's and the demo's generated tracks). */
  function pulsedTone(bpm: number, seconds: number, freq: number): Float32Array {
    const out = new Float32Array(RATE * seconds);
    const beat = 60 / bpm;
    for (let i = 0; i < out.length; i++) {
      const t = i / RATE;
      out[i] = 0.5 * (0.2 + 0.8 * Math.exp((-6 * (t % beat)) / beat)) * Math.sin(2 * Math.PI * freq * t);
    }
    return out;
  }

  it.each([60, 70])('given a slow pulsed tone at %i BPM, reports it, not its double (whose half-beat lag does not repeat)', (bpm) => {
    const estimate = bpmOf(estimateBpm(pulsedTone(bpm, 20, 330), RATE));
    expect(estimate).toBeDefined();
    expect(Math.abs(estimate! - bpm)).toBeLessThanOrEqual(2);
  });

  it('given beats with quieter off-beats, still reports the beat rate', () => {
    expect(Math.abs(bpmOf(estimateBpm(clickTrack(100, 30, 0.3), RATE))! - 100)).toBeLessThanOrEqual(2);
  });

  it('given silence, near-silence or a clip under 6 s, gives a reason instead of a guess', () => {
    expect(estimateBpm(new Float32Array(RATE * 20), RATE)).toEqual({ reason: 'silent' });
    const hiss = clickTrack(120, 20).map((v) => v * 1e-4); // about -80 dBFS, as a real "silent" file
    expect(estimateBpm(hiss, RATE)).toEqual({ reason: 'silent' });
    expect(estimateBpm(clickTrack(120, 2), RATE)).toEqual({ reason: 'too-short' });
  });

  it('given beatless audio (a slowly swelling drone, as the demo\'s "Slow Tide"), refuses with no-steady-beat', () => {
    const out = new Float32Array(RATE * 40);
    for (let i = 0; i < out.length; i++) {
      const t = i / RATE;
      out[i] = 0.5 * Math.sin(2 * Math.PI * 220 * t) * (0.6 + 0.4 * Math.sin(2 * Math.PI * 0.2 * t));
    }
    expect(estimateBpm(out, RATE)).toMatchObject({ reason: 'no-steady-beat' });
  });

  it('gives the same tempo whether the audio arrives at once or in chunks', () => {
    const track = clickTrack(110, 30);
    const chunked = new OnsetEnvelope(RATE);
    for (let at = 0; at < track.length; at += 12_345) chunked.push(track.subarray(at, at + 12_345));
    expect(estimateTempo(chunked.snapshot())).toEqual(estimateBpm(track, RATE));
  });
});
