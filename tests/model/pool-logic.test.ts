import { afterEach, describe, expect, it } from 'vitest';
import { InferencePool, type PoolOptions } from '../../model/pool.js';
import type { WorkerInit } from '../../model/protocol.js';

const init = { niceness: 0 } as unknown as WorkerInit;
const pools: InferencePool[] = [];

async function pool(options: Partial<PoolOptions> = {}): Promise<InferencePool> {
  const created = await InferencePool.start({
    workers: 1,
    maxBatch: 4,
    maxWaitMs: 5,
    init,
    workerModule: new URL('./stand-in-worker.ts', import.meta.url),
    ...options,
  });
  pools.push(created);
  return created;
}

afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.dispose()));
});

describe('inference pool (stand-in worker)', () => {
  it('returns results in request order and gives a failing item error only to its own request', async () => {
    const p = await pool({ maxWaitMs: 50 });
    const [good, bad, other] = await Promise.allSettled([p.run('clipText', ['a', 'bcd']), p.run('clipText', ['bad']), p.run('clipText', ['xy'])]);
    expect(good).toMatchObject({ status: 'fulfilled' });
    expect((good as PromiseFulfilledResult<Float32Array[]>).value.map((v) => Array.from(v))).toEqual([
      [1, 4],
      [3, 4],
    ]);
    expect(bad).toMatchObject({ status: 'rejected', reason: { code: 'INPUT_INVALID' } });
    expect(other).toMatchObject({ status: 'fulfilled' });
    expect(p.stats()).toMatchObject({ batches: 1, items: 4, failedItems: 1 });
  });

  it('sends a full batch at once, without waiting maxWaitMs', async () => {
    const p = await pool({ maxBatch: 3, maxWaitMs: 5_000 });
    const started = performance.now();
    await p.run('clapText', ['a', 'b', 'c']);
    expect(performance.now() - started).toBeLessThan(1_000);
  });

  it('sends a busy worker a full batch in reserve, but keeps a partial one queued to grow', async () => {
    const p = await pool({ maxBatch: 2, maxWaitMs: 1 });
    const slow = p.run('clipText', ['slow:300']);
    await new Promise((r) => setTimeout(r, 20));
    const partial = p.run('clipText', ['a']);
    expect(p.stats()).toMatchObject({ batches: 1, queuedItems: 1 });
    const full = p.run('clipText', ['b', 'c']);
    // The oldest full batch ('a' + 'b') went to the busy worker; 'c' waits.
    expect(p.stats()).toMatchObject({ batches: 2, queuedItems: 1 });
    await Promise.all([slow, partial, full]);
    expect(p.stats()).toMatchObject({ batches: 3, items: 4, queuedItems: 0 });
  });

  it('runs a due text request before bulk CLAP windows queued earlier', async () => {
    const p = await pool({ maxBatch: 4, maxWaitMs: 1 });
    const finished: string[] = [];
    const slow = p.run('clipText', ['slow:200']);
    await new Promise((r) => setTimeout(r, 20));
    const windows = p.run('clapAudio', ['w1', 'w2'] as unknown as Float32Array[]).then(() => finished.push('clapAudio'));
    await new Promise((r) => setTimeout(r, 20));
    const text = p.run('clipText', ['t']).then(() => finished.push('clipText'));
    await Promise.all([slow, windows, text]);
    expect(finished).toEqual(['clipText', 'clapAudio']);
  });

  it('keeps batching while the worker is busy: items queued meanwhile go out together', async () => {
    const p = await pool({ maxBatch: 8, maxWaitMs: 1 });
    const slow = p.run('clipText', ['slow:150']);
    await new Promise((r) => setTimeout(r, 20));
    const queued = await Promise.all(['a', 'b', 'c', 'd', 'e'].map((t) => p.run('clipText', [t])));
    await slow;
    expect(queued.map((r) => r[0]![1])).toEqual([5, 5, 5, 5, 5]);
    expect(p.stats().batchSizes).toEqual({ 1: 1, 5: 1 });
  });

  it('given a worker that dies mid-batch, fails that batch with MODEL_FAILED, replaces the worker and replays its setup', async () => {
    const p = await pool();
    await p.broadcast({ op: 'loadHeads', spec: { dir: 'heads-v1' } as never }, true);
    await expect(p.run('clipText', ['crash'])).rejects.toMatchObject({ code: 'MODEL_FAILED' });
    const [after] = await p.run('clipText', ['fine']);
    expect(Array.from(after!)).toEqual([4, 1]);
    expect(p.stats()).toMatchObject({ workers: 1, workerRestarts: 1 });
    expect(await p.ask({ op: 'describe' })).toEqual({ setup: ['heads-v1'] });
  });

  it('on dispose, fails in-flight work with SHUTTING_DOWN at once but lets the worker finish its batch before it exits', async () => {
    const p = await pool();
    const inFlight = p.run('clipText', ['slow:400']);
    inFlight.catch(() => undefined);
    await new Promise((r) => setTimeout(r, 50));
    const started = performance.now();
    const disposed = p.dispose();
    await expect(inFlight).rejects.toMatchObject({ code: 'SHUTTING_DOWN' });
    expect(performance.now() - started).toBeLessThan(300);
    await disposed;
    // the worker exited only when its batch was done (onnxruntime must not be torn down mid-run)
    expect(performance.now() - started).toBeGreaterThanOrEqual(300);
    expect(p.stats().workers).toBe(0);
  });

  it('on dispose, terminates a worker that does not finish within stopTimeoutMs', async () => {
    const p = await pool({ stopTimeoutMs: 100 });
    p.run('clipText', ['slow:20000']).catch(() => undefined);
    await new Promise((r) => setTimeout(r, 50));
    const started = performance.now();
    await p.dispose();
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(p.stats().workers).toBe(0);
  });

  it('given a worker module that never starts, rejects start-up with MODEL_FAILED', async () => {
    await expect(pool({ workerModule: new URL('data:text/javascript,process.exit(2)'), startTimeoutMs: 5_000 })).rejects.toMatchObject({ code: 'MODEL_FAILED' });
  });
});
