import { AutoFeatureExtractor, type FeatureExtractor, type Tensor } from '@huggingface/transformers';
import { beforeAll, describe, expect, it } from 'vitest';
import { ClapAudioEncoder, clapLogMel } from '../../model/encoders/audio.js';
import type { LogMelSpectrogram } from '../../model/encoders/log-mel.js';
import { fixtureModelsDir } from '../support/models.js';
import { join } from 'node:path';

/** A seeded generator, so a failure can be reproduced. */
function noise(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32 - 0.5;
  };
}

const SAMPLES = 480_000;

function signals(): Record<string, Float32Array> {
  const random = noise(7);
  const chord = new Float32Array(SAMPLES);
  const noisy = new Float32Array(SAMPLES);
  const clicks = new Float32Array(SAMPLES);
  for (let i = 0; i < SAMPLES; i++) {
    const t = i / 48_000;
    chord[i] = 0.3 * Math.sin(2 * Math.PI * 220 * t) + 0.2 * Math.sin(2 * Math.PI * 277.2 * t) + 0.1 * Math.sin(2 * Math.PI * 3300 * t);
    noisy[i] = 0.5 * random();
    if (i % 24_000 < 40) clicks[i] = i % 2 === 0 ? 0.9 : -0.9;
  }
  // Loud edges exercise the reflect padding at both ends.
  chord[0] = 1;
  chord[SAMPLES - 1] = -1;
  return { chord, noise: noisy, clicks, silence: new Float32Array(SAMPLES) };
}

describe('CLAP log-mel features (model/encoders/log-mel.ts)', () => {
  let extractor: FeatureExtractor;
  let logMel: LogMelSpectrogram;

  beforeAll(async () => {
    extractor = await AutoFeatureExtractor.from_pretrained(join(fixtureModelsDir, 'clap'), { local_files_only: true });
    const fast = clapLogMel(extractor);
    if (!fast) throw new Error('clapLogMel did not accept the CLAP preprocessor config');
    logMel = fast;
  });

  it.each(Object.keys(signals()))('matches ClapFeatureExtractor on a 10 s window of %s to float rounding', async (name) => {
    const window = signals()[name]!;
    const { input_features: reference } = (await extractor(window)) as { input_features: Tensor };
    const ours = logMel.compute(window);
    expect(reference.dims).toEqual([1, 1, logMel.framesFor(SAMPLES), logMel.mels]);
    const expected = reference.data as Float32Array;
    expect(ours).toHaveLength(expected.length);
    let worst = 0;
    for (let i = 0; i < ours.length; i++) worst = Math.max(worst, Math.abs(ours[i]! - expected[i]!));
    // Values span about -100..+40 dB; float32 products in the extractor's filter step account for the rest.
    expect(worst).toBeLessThan(1e-3);
  });

  it('gives 1001 frames of 64 bands for a 10 s window at 48 kHz', () => {
    expect(logMel.framesFor(SAMPLES)).toBe(1001);
    expect(logMel.mels).toBe(64);
    expect(logMel.valuesFor(SAMPLES)).toBe(1001 * 64);
  });

  it('writes into a given slice of a batch exactly what it returns alone, and refuses a slice of the wrong size', () => {
    const { chord, noise: noisy } = signals();
    const values = logMel.valuesFor(SAMPLES);
    const batch = new Float32Array(2 * values).fill(Number.NaN);
    logMel.compute(chord!, batch.subarray(0, values));
    logMel.compute(noisy!, batch.subarray(values));
    expect(batch.subarray(0, values)).toEqual(logMel.compute(chord!));
    expect(batch.subarray(values)).toEqual(logMel.compute(noisy!));
    expect(() => logMel.compute(chord!, batch)).toThrow(RangeError);
  });

  it('declines a config it does not cover (fusion truncation), so the extractor is used', () => {
    const fusion = Object.create(extractor) as FeatureExtractor;
    Object.defineProperty(fusion, 'config', { value: { ...(extractor.config as Record<string, unknown>), truncation: 'fusion' } });
    expect(clapLogMel(fusion)).toBeUndefined();
  });
});

describe('CLAP audio encoder in its worker (model/encoders/audio.ts)', () => {
  it('gives a window of the wrong length its own INPUT_INVALID, and embeds the others of its batch as alone', async () => {
    const location = join(fixtureModelsDir, 'clap');
    const encoder = new ClapAudioEncoder({ location, local: true, configured: location }, { dtype: 'fp32', device: 'cpu', threads: 1, allowRemote: false });
    try {
      const window = signals().chord!;
      const [alone] = await encoder.encode([window]);
      const [short, whole] = await encoder.encode([window.subarray(0, SAMPLES - 1), window]);
      expect(short).toMatchObject({ ok: false, error: { code: 'INPUT_INVALID', message: expect.stringContaining(`${SAMPLES} samples`) as string } });
      expect(whole).toEqual(alone);
    } finally {
      await encoder.dispose();
    }
  }, 30_000);
});
