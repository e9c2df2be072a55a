import { describe, expect, it } from 'vitest';
import { estimateBpm, OnsetEnvelope, estimateTempo, type TempoResult } from '../../index-data/bpm.js';

const bpmOf = (r: TempoResult): number | undefined => ('bpm' in r ? r.bpm : undefined);

const RATE = 22_050;

/** Decaying noise bursts on every beat (a kick-like click track), with a quieter off-beat. */
function clickTrack(bpm: number, seconds: number, offbeat = 0, rate = RATE): Float32Array {
  const out = new Float32Array(rate * seconds);
  const period = (60 / bpm) * rate;
  let seed = 1;
  const noise = (): number => ((seed = (seed * 16807) % 2147483647) / 2147483647) * 2 - 1;
  for (let beat = 0; beat * period < out.length; beat++) {
    for (const [at, gain] of [
      [beat * period, 1],
      [(beat + 0.5) * period, offbeat],
    ] as const) {
      if (gain === 0) continue;
      const start = Math.round(at);
      for (let i = 0; i < 0.05 * rate && start + i < out.length; i++) out[start + i]! += gain * noise() * Math.exp(-i / (0.01 * rate));
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

  describe("at the indexer's 48 kHz (analysed at half rate)", () => {
    const CLAP_RATE = 48_000;

    it.each([72, 128, 150])('given a click track at %i BPM, estimates it within 2 BPM, as at full rate', (bpm) => {
      const track = clickTrack(bpm, 30, 0, CLAP_RATE);
      const halved = bpmOf(estimateBpm(track, CLAP_RATE));
      const full = new OnsetEnvelope(CLAP_RATE, { decimate: false });
      full.push(track);
      expect(Math.abs(halved! - bpm)).toBeLessThanOrEqual(2);
      expect(Math.abs(bpmOf(estimateTempo(full.snapshot()))! - bpm)).toBeLessThanOrEqual(2);
    });

    it('gives the same envelope whether the audio arrives at once or in chunks of odd length', () => {
      const track = clickTrack(110, 12, 0.3, CLAP_RATE);
      const whole = new OnsetEnvelope(CLAP_RATE);
      whole.push(track);
      const chunked = new OnsetEnvelope(CLAP_RATE);
      chunked.push(new Float32Array(0)); // an empty push changes nothing
      for (let at = 0, i = 0; at < track.length; i++) {
        const size = [1, 4_801, 3, 96_001, 12_345][i % 5]!;
        chunked.push(track.subarray(at, at + size));
        at += size;
      }
      expect(chunked.frames).toBe(whole.frames);
      expect(chunked.snapshot()).toEqual(whole.snapshot());
    });
  });
});
