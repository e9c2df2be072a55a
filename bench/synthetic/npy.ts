/** Writes NumPy `.npy` files (format 1.0, little-endian, C order): the training shard format. */
import { writeFile } from 'node:fs/promises';

type NpyData = Float32Array | Int32Array;

function header(dtype: '<f4' | '<i4', shape: readonly number[]): Buffer {
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  const dict = `{'descr': '${dtype}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  // magic (6) + version (2) + header length (2) + dict + padding + '\n' is a multiple of 64.
  const unpadded = 10 + dict.length + 1;
  const text = dict + ' '.repeat((64 - (unpadded % 64)) % 64) + '\n';
  const out = Buffer.alloc(10 + text.length);
  out.write('\x93NUMPY', 0, 'latin1');
  out[6] = 1;
  out[7] = 0;
  out.writeUInt16LE(text.length, 8);
  out.write(text, 10, 'latin1');
  return out;
}

export function encodeNpy(data: NpyData, shape: readonly number[]): Buffer {
  const expected = shape.reduce((a, b) => a * b, 1);
  if (data.length !== expected) throw new Error(`npy: ${data.length} values do not fill shape [${shape.join(', ')}]`);
  const dtype = data instanceof Float32Array ? '<f4' : '<i4';
  return Buffer.concat([header(dtype, shape), Buffer.from(data.buffer, data.byteOffset, data.byteLength)]);
}

export async function writeNpy(path: string, data: NpyData, shape: readonly number[]): Promise<void> {
  await writeFile(path, encodeNpy(data, shape));
}

/** Packs variable-length rows of `dim`-wide vectors into a zero-padded [N, longest, dim] array. */
export function packRows(rows: readonly (readonly Float32Array[])[], dim: number, minLength = 1): { data: Float32Array; shape: [number, number, number]; lengths: Int32Array } {
  const longest = Math.max(minLength, ...rows.map((r) => r.length));
  const data = new Float32Array(rows.length * longest * dim);
  const lengths = new Int32Array(rows.length);
  rows.forEach((row, i) => {
    lengths[i] = row.length;
    row.forEach((vector, j) => {
      if (vector.length !== dim) throw new Error(`row ${i} position ${j} has ${vector.length} values, expected ${dim}`);
      data.set(vector, (i * longest + j) * dim);
    });
  });
  return { data, shape: [rows.length, longest, dim], lengths };
}
