/**
 * A stand-in inference worker speaking model/protocol.ts, for testing the pool's own logic without
 * models: a text item becomes [length, batch size]; "crash" ends the thread; "slow:N" takes N ms;
 * a `loadHeads` op is remembered and reported by the `describe` op. Batches run one after another in
 * the order received (the pool may send one in reserve); on shutdown it exits once they are done, like
 * the real worker.
 */
import { parentPort } from 'node:worker_threads';
import type { FromWorker, ToWorker } from '../../model/protocol.js';

const port = parentPort!;
const setup: string[] = [];
const send = (message: FromWorker): void => port.postMessage(message);
let running = 0;
let batchesDone = Promise.resolve();
let stopping = false;
const exitIfDone = (): void => {
  if (stopping && running === 0) process.exit(0);
};

port.on('message', (message: ToWorker) => {
  if (message.type === 'shutdown') {
    stopping = true;
    exitIfDone();
    return;
  }
  if (message.type === 'control') {
    if (message.op === 'loadHeads') setup.push(message.spec.dir);
    send({ type: 'control', id: message.id, ok: true, value: { setup } });
    return;
  }
  const items = message.items as string[];
  if (items.includes('crash')) process.exit(3);
  const delay = Math.max(0, ...items.map((i) => (i.startsWith('slow:') ? Number(i.slice(5)) : 0)));
  running++;
  batchesDone = batchesDone.then(
    () =>
      new Promise<void>((resolve) =>
        setTimeout(() => {
          running--;
          send({
            type: 'batch',
            id: message.id,
            runMs: delay,
            results: items.map((item) =>
              item === 'bad' ? { ok: false, error: { code: 'INPUT_INVALID', message: 'bad item', details: {} } } : { ok: true, value: Float32Array.of(item.length, items.length) },
            ),
          });
          exitIfDone();
          resolve();
        }, delay),
      ),
  );
});

send({ type: 'ready' });
