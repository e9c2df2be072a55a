import { describe, expect, it } from 'vitest';
import type { TextEncoder } from '../../model/types.js';
import { cachedTextEncoder } from '../../recommend/text-embedding-cache.js';

/** An encoder whose vector for a text is [length, first char code], recording what it was asked. */
function countingEncoder(failFirst = false): TextEncoder & { calls: string[][] } {
  let fail = failFirst;
  const calls: string[][] = [];
  return {
    calls,
    info: { modelId: 'counting', dim: 2 } as TextEncoder['info'],
    maxTokens: 77,
    encodeTexts(texts) {
      calls.push([...texts]);
      if (fail) {
        fail = false;
        return Promise.reject(new Error('worker stopped'));
      }
      return Promise.resolve(texts.map((t) => Float32Array.of(t.length, t.charCodeAt(0))));
    },
  };
}

describe('cachedTextEncoder', () => {
  it('encodes a repeated text once, and sends only the texts it has not seen, each once', async () => {
    const inner = countingEncoder();
    const cached = cachedTextEncoder(inner);
    await cached.encodeTexts(['lofi']);
    const out = await cached.encodeTexts(['jazz', 'lofi', 'jazz']);
    expect(inner.calls).toEqual([['lofi'], ['jazz']]);
    expect(out.map((v) => Array.from(v))).toEqual([
      [4, 'j'.charCodeAt(0)],
      [4, 'l'.charCodeAt(0)],
      [4, 'j'.charCodeAt(0)],
    ]);
  });

  it('drops the least recently used text when full', async () => {
    const inner = countingEncoder();
    const cached = cachedTextEncoder(inner, 2);
    await cached.encodeTexts(['a']);
    await cached.encodeTexts(['b']);
    await cached.encodeTexts(['a']); // a is now the most recent
    await cached.encodeTexts(['c']); // evicts b
    await cached.encodeTexts(['a', 'b']);
    expect(inner.calls).toEqual([['a'], ['b'], ['c'], ['b']]);
  });

  it('returns copies, so a caller that changes or hands on (transfers) a vector leaves the cache intact', async () => {
    const cached = cachedTextEncoder(countingEncoder());
    const [first] = await cached.encodeTexts(['piano']);
    first!.fill(0);
    structuredClone(first, { transfer: [first!.buffer] });
    const [again] = await cached.encodeTexts(['piano']);
    expect(Array.from(again!)).toEqual([5, 'p'.charCodeAt(0)]);
  });

  it('does not remember a failure: the next call encodes again', async () => {
    const inner = countingEncoder(true);
    const cached = cachedTextEncoder(inner);
    await expect(cached.encodeTexts(['drums'])).rejects.toThrow('worker stopped');
    expect(Array.from((await cached.encodeTexts(['drums']))[0]!)).toEqual([5, 'd'.charCodeAt(0)]);
    expect(inner.calls).toEqual([['drums'], ['drums']]);
  });
});
