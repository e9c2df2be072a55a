/**
 * Run as a child by dispose-mid-run.test.ts: disposes fixture encoders again and again while a batch
 * is running in onnxruntime. Terminating a worker thread mid-run aborts the whole process, so this
 * child only prints "survived" when disposal waits for the run.
 */
import { fileURLToPath } from 'node:url';
import { createTextGenerator } from '../../model/text-generation.js';
import { createFixtureEncoders } from '../support/models.js';

const llmDir = fileURLToPath(new URL('../fixtures/models/llm', import.meta.url));

const rounds = Number(process.argv[2] ?? 10);
const generatorRounds = Number(process.argv[3] ?? 3);
for (let round = 0; round < rounds; round++) {
  const encoders = await createFixtureEncoders({ 'encoders.workers': 2 });
  const frames = Array.from({ length: 16 }, (_, i) => ({ width: 64, height: 64, time: i, data: new Uint8Array(64 * 64 * 3).fill(round * 16 + i) }));
  const inFlight = encoders.clipImage.encodeImages(frames).catch(() => undefined);
  // Different points of the run: session loading, then the batch itself.
  await new Promise((resolve) => setTimeout(resolve, 5 + round * 4));
  await encoders.dispose();
  await inFlight;
}
// The same for the text-generation worker, disposed while it generates (after its model loaded).
for (let round = 0; round < generatorRounds; round++) {
  const generator = await createTextGenerator({ model: llmDir, allowRemote: false, threads: 1, logLevel: 'silent' });
  const generating = generator.generate(`Tags: lo-fi, piano ${round}\nDescription:`, { maxNewTokens: 48 }).catch(() => undefined);
  await new Promise((resolve) => setTimeout(resolve, 10 + round * 10));
  await generator.dispose();
  await generating;
}
console.log('survived');
