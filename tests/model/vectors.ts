/** Small helpers for comparing embeddings in tests. */
export function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return Infinity;
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
  return max;
}

export function norm(a: Float32Array): number {
  let sum = 0;
  for (const v of a) sum += v * v;
  return Math.sqrt(sum);
}

export function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  for (let i = 0; i < a.length; i++) dot += a[i]! * b[i]!;
  return dot / (norm(a) * norm(b));
}

/** A deterministic 10 s, 48 kHz window: a few tones plus seeded noise. */
export function audioWindow(seed: number, samples = 480_000, sampleRate = 48_000): Float32Array {
  const out = new Float32Array(samples);
  let state = seed * 7919 + 1;
  for (let i = 0; i < samples; i++) {
    state = (state * 1103515245 + 12345) % 2147483648;
    const t = i / sampleRate;
    out[i] = 0.3 * Math.sin(2 * Math.PI * (220 + 110 * seed) * t) + 0.1 * Math.sin(2 * Math.PI * 3 * (seed + 1) * t) + 0.05 * (state / 2147483648 - 0.5);
  }
  return out;
}
