/** Small float-vector helpers shared by the index, the tagger and the builder. */

export function l2Norm(v: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < v.length; i++) sum += v[i]! * v[i]!;
  return Math.sqrt(sum);
}

/** A unit-length copy of `v` (a zero vector stays zero). */
export function normalize(v: Float32Array): Float32Array {
  const norm = l2Norm(v);
  const out = new Float32Array(v.length);
  if (norm === 0) return out;
  for (let i = 0; i < v.length; i++) out[i] = v[i]! / norm;
  return out;
}

export function dot(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) sum += a[i]! * b[i]!;
  return sum;
}

/** Element-wise mean of equal-length vectors, L2-normalised. */
export function meanNormalized(vectors: readonly Float32Array[]): Float32Array {
  const first = vectors[0];
  if (!first) throw new RangeError('meanNormalized needs at least one vector');
  const acc = new Float32Array(first.length);
  for (const v of vectors) for (let i = 0; i < acc.length; i++) acc[i]! += v[i]!;
  for (let i = 0; i < acc.length; i++) acc[i]! /= vectors.length;
  return normalize(acc);
}

export function toBlob(v: Float32Array): Buffer {
  return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
}

export function fromBlob(blob: Uint8Array): Float32Array {
  // Copy so the result is aligned and independent of SQLite's buffer.
  const copy = new Uint8Array(blob.byteLength);
  copy.set(blob);
  return new Float32Array(copy.buffer);
}
