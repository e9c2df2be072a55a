/** Row-wise L2 normalisation into fresh, independently transferable arrays. */
export function l2normalizeRows(data: Float32Array, rows: number, dim: number): Float32Array[] {
  const out: Float32Array[] = [];
  for (let r = 0; r < rows; r++) {
    const row = data.slice(r * dim, (r + 1) * dim);
    let sum = 0;
    for (let i = 0; i < dim; i++) sum += row[i]! * row[i]!;
    const norm = Math.sqrt(sum);
    if (norm > 0) for (let i = 0; i < dim; i++) row[i] = row[i]! / norm;
    out.push(row);
  }
  return out;
}

/** Cosine similarity of two equal-length vectors (0 when either is all zeros). */
export function cosineSimilarity(a: Float32Array, b: Float32Array): number {
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < a.length; i++) {
    ab += a[i]! * b[i]!;
    aa += a[i]! * a[i]!;
    bb += b[i]! * b[i]!;
  }
  return aa === 0 || bb === 0 ? 0 : ab / Math.sqrt(aa * bb);
}
