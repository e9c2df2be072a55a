// Runs exported heads in onnxruntime-node on the inputs of parity.json and prints the largest
// absolute difference from the PyTorch outputs as JSON. Used by test_export.py; the vitest parity
// test in the Node suite is the authoritative check.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';

const dir = process.argv[2];
const parity = JSON.parse(readFileSync(join(dir, 'parity.json'), 'utf8'));
const result = {};
for (const head of ['query', 'music']) {
  const { file, inputs, output } = parity[head];
  const session = await ort.InferenceSession.create(join(dir, file));
  const feeds = {};
  for (const [name, t] of Object.entries(inputs)) {
    feeds[name] = t.type === 'bool' ? new ort.Tensor('bool', Uint8Array.from(t.data.map(Number)), t.dims) : new ort.Tensor('float32', Float32Array.from(t.data), t.dims);
  }
  const got = (await session.run(feeds))[output.name];
  let maxAbs = 0;
  for (let i = 0; i < output.data.length; i++) maxAbs = Math.max(maxAbs, Math.abs(got.data[i] - output.data[i]));
  result[head] = { dims: got.dims, maxAbs, finite: Array.from(got.data).every(Number.isFinite) };
  await session.release();
}
console.log(JSON.stringify(result));
