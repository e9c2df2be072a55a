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
