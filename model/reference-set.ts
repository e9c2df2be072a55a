/**
 * The built-in reference inputs on which `dtype: auto` compares a model's q8 outputs with its fp32
 * outputs: frames, audio windows and texts made here, deterministically (no files, nothing
 * downloaded), varied enough to exercise what a quantised model gets wrong (flat areas, edges,
 * noise, colour; tones, transients, noise, silence-like; short and long texts).
 */
import type { ImageItem } from './protocol.js';

/** The cosine every reference output of q8 must reach against fp32 for q8 to be chosen. */
export const Q8_AGREEMENT = 0.99;

function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1_664_525 + 1_013_904_223) >>> 0;
    return s / 2 ** 32;
  };
}

type Pixel = (x: number, y: number) => readonly [number, number, number];

function frame(width: number, height: number, pixel: Pixel): ImageItem {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const [r, g, b] = pixel(x / width, y / height);
      const i = (y * width + x) * 3;
      data[i] = Math.max(0, Math.min(255, Math.round(r)));
      data[i + 1] = Math.max(0, Math.min(255, Math.round(g)));
      data[i + 2] = Math.max(0, Math.min(255, Math.round(b)));
    }
  }
  return { width, height, data };
}

/** Six frames at the encoder's input scale (one 16:9, as frames reach it from video). */
export function referenceFrames(): ImageItem[] {
  const noise = seeded(7);
  const bars: readonly (readonly [number, number, number])[] = [
    [235, 235, 235],
    [235, 235, 16],
    [16, 235, 235],
    [16, 235, 16],
    [235, 16, 235],
    [235, 16, 16],
    [16, 16, 235],
  ];
  return [
    frame(224, 224, (x, y) => [255 * x, 255 * y, 128]),
    frame(224, 224, (x, y) => ((Math.floor(x * 8) + Math.floor(y * 8)) % 2 === 0 ? [20, 20, 20] : [230, 230, 230])),
    frame(398, 224, (x) => bars[Math.min(bars.length - 1, Math.floor(x * bars.length))]!),
    frame(224, 224, (x, y) => [128 + 100 * Math.sin(12 * x + 3 * y), 128 + 100 * Math.sin(9 * y), 128 + 100 * Math.cos(7 * (x + y))]),
    frame(224, 224, () => [noise() * 255, noise() * 255, noise() * 255]),
    frame(224, 224, (x, y) => (Math.hypot(x - 0.5, y - 0.55) < 0.3 ? [210, 170, 60] : [40, 60 + 80 * y, 120])),
  ];
}

/** Three windows of `seconds` at `sampleRate`, mono: a chord, drum-like noise bursts and a chirp. */
export function referenceWindows(sampleRate: number, seconds: number): Float32Array[] {
  const n = Math.round(sampleRate * seconds);
  const noise = seeded(11);
  const chord = new Float32Array(n);
  const drums = new Float32Array(n);
  const chirp = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const t = i / sampleRate;
    chord[i] = 0.2 * (Math.sin(2 * Math.PI * 220 * t) + Math.sin(2 * Math.PI * 277.18 * t) + Math.sin(2 * Math.PI * 329.63 * t));
    const beat = t % 0.5;
    drums[i] = (noise() * 2 - 1) * 0.8 * Math.exp(-beat * 30) + 0.3 * Math.sin(2 * Math.PI * 55 * t) * Math.exp(-beat * 8);
    chirp[i] = 0.5 * Math.sin(2 * Math.PI * (100 * t + (4000 / (2 * seconds)) * t * t));
  }
  return [chord, drums, chirp];
}

/** Prompts and descriptions of the kinds cuecast encodes (short queries, long catalog descriptions). */
export const REFERENCE_TEXTS: readonly string[] = [
  'dreamy lo-fi with soft piano, no vocals',
  'fast drums',
  'a dog running on the beach at sunset',
  'An upbeat electronic dance track with a driving four-on-the-floor kick, bright synth leads and a female vocal hook.',
  'slow melancholic acoustic guitar ballad with gentle male vocals and light strings in the background',
  'epic orchestral trailer music, brass and timpani building to a climax',
  'city street at night, neon lights and rain',
  'jazz',
];
