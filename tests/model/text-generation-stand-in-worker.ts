/**
 * A stand-in text-generation worker speaking model/text-generation-protocol.ts, for testing the main
 * thread's queue and restart logic without a model: it echoes the prompt upper-cased; "crash" ends the
 * thread; "throw" throws from the message handler; "slow:N" takes N ms. Its model id carries the
 * thread id, so a restarted worker is visible. For the model id "silent" it never reports ready.
 */
import { parentPort, threadId, workerData } from 'node:worker_threads';
import type { FromGenerationWorker, GenerationWorkerInit, ToGenerationWorker } from '../../model/text-generation-protocol.js';

const port = parentPort!;
const send = (message: FromGenerationWorker): void => port.postMessage(message);

port.on('message', (message: ToGenerationWorker) => {
  if (message.type === 'shutdown') process.exit(0);
  if (message.type === 'cancel') return;
  const { id, prompt, maxNewTokens } = message;
  if (prompt === 'crash') process.exit(3);
  if (prompt === 'throw') throw new Error('stand-in worker blew up');
  const delay = prompt.startsWith('slow:') ? Number(prompt.slice(5)) : 0;
  setTimeout(() => {
    send({ type: 'result', id, ok: true, value: { text: prompt.toUpperCase(), newTokens: maxNewTokens, promptTokens: prompt.length, droppedTokens: 0, stop: 'length', runMs: delay } });
  }, delay);
});

const { init } = workerData as { init: GenerationWorkerInit };
if (init.source.configured !== 'silent') send({ type: 'ready', model: { modelId: `stand-in-${threadId}`, contextTokens: 64, threadId } });
