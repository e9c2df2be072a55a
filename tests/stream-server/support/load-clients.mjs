// Runs the load test's producers in a worker thread, so the server's event loop (the main thread)
// is measured without the clients' own work. workerData: { url, streams: [{ streamId, token, image }], seconds }.
import { parentPort, workerData } from 'node:worker_threads';
import { io } from 'socket.io-client';

const { url, streams, seconds } = workerData;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

const sockets = streams.map(({ streamId, token }) => io(`${url}/stream`, { auth: { streamId, token }, transports: ['websocket'], reconnection: false, forceNew: true }));
await Promise.all(sockets.map((socket) => new Promise((resolve, reject) => {
  socket.once('connect', resolve);
  socket.once('connect_error', reject);
})));

const t0 = Date.now();
const results = [];
await Promise.all(
  sockets.map(async (socket, i) => {
    const offset = (i * 1000) / sockets.length; // spread the streams over the second
    await sleep(offset);
    for (let s = 0; s < seconds; s += 1) {
      const sentAt = Date.now();
      const ack = await socket.timeout(10_000).emitWithAck('frame', { image: streams[i].image, capturedAt: sentAt });
      results.push({ ack, ackMs: Date.now() - sentAt });
      await sleep(t0 + offset + (s + 1) * 1000 - Date.now());
    }
  }),
);
for (const socket of sockets) socket.disconnect();
parentPort.postMessage(results);
