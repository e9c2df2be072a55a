import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import { intraOpThreads, threadingOptions } from '../../model/threading.js';

describe('onnxruntime session threading', () => {
  it('shares the cores among the workers unless a count is configured', () => {
    const cores = availableParallelism();
    expect(intraOpThreads(0)).toBe(cores);
    expect(intraOpThreads(0, 2)).toBe(Math.max(1, Math.floor(cores / 2)));
    expect(intraOpThreads(0, cores * 4)).toBe(1);
    expect(intraOpThreads(3, 2)).toBe(3);
  });

  it('sets the threads and turns spinning off', () => {
    expect(threadingOptions(2)).toEqual({ intraOpNumThreads: 2, interOpNumThreads: 1, extra: { session: { intra_op: { allow_spinning: '0' } } } });
  });
});
