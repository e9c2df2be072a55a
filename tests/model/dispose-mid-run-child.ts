/**
 * Run as a child by dispose-mid-run.test.ts: disposes fixture encoders again and again while a batch
 * is running in onnxruntime. Terminating a worker thread mid-run aborts the whole process, so this
 * child only prints "survived" when disposal waits for the run.
 */
import { createFixtureEncoders } from '../support/models.js';

const rounds = Number(process.argv[2] ?? 10);
for (let round = 0; round < rounds; round++) {
  const encoders = await createFixtureEncoders({ 'encoders.workers': 2 });
  const frames = Array.from({ length: 16 }, (_, i) => ({ width: 64, height: 64, time: i, data: new Uint8Array(64 * 64 * 3).fill(round * 16 + i) }));
  const inFlight = encoders.clipImage.encodeImages(frames).catch(() => undefined);
  // Different points of the run: session loading, then the batch itself.
  await new Promise((resolve) => setTimeout(resolve, 5 + round * 4));
  await encoders.dispose();
  await inFlight;
}
console.log('survived');
