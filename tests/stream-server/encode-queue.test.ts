import { describe, expect, it } from 'vitest';
import { InputError } from '../../core/errors.js';
import type { EncoderInfo, FrameEncoder, ImageInput } from '../../model/types.js';
import { EncodeQueue } from '../../stream-server/encode-queue.js';

/** An encoder whose calls stay open until the test releases them; remembers each call's images. */
class GatedEncoder implements FrameEncoder {
  readonly info: EncoderInfo = { modelId: 'test/gated', dim: 1, dtype: 'fp32', device: 'cpu' };
  readonly calls: { images: readonly ImageInput[]; release: () => void }[] = [];

  encodeImages(images: readonly ImageInput[]): Promise<Float32Array[]> {
    return new Promise((resolve, reject) => {
      const first = images[0]!;
      const release = (): void => {
        if ('encoded' in first && first.encoded[0] === 0) reject(new InputError('INPUT_INVALID', 'Image could not be decoded'));
        else resolve(images.map((image) => Float32Array.of('encoded' in image ? image.encoded[0]! : 0)));
      };
      this.calls.push({ images, release });
    });
  }
}

const frame = (value: number): ImageInput => ({ encoded: Uint8Array.of(value) });
const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('EncodeQueue: admission for the batching encoder', () => {
  it('keeps up to maxInFlight frames with the encoder, one frame per call, and hands the rest over as calls return', async () => {
    const encoder = new GatedEncoder();
    const queue = new EncodeQueue(encoder, { maxInFlight: 3, timeoutMs: 5000 });
    const outcomes = [1, 2, 3, 4, 5].map((v) => queue.submit(`s${v}`, frame(v)));
    await tick();
    expect(encoder.calls.map((c) => c.images.length)).toEqual([1, 1, 1]);
    expect(queue.pending).toBe(2);
    encoder.calls[0]!.release();
    await tick();
    expect(encoder.calls).toHaveLength(4);
    for (const call of encoder.calls.slice(1)) call.release();
    await tick();
    encoder.calls[4]!.release();
    const results = await Promise.all(outcomes);
    expect(results.map((r) => (r.status === 'encoded' ? r.embedding[0] : r.status))).toEqual([1, 2, 3, 4, 5]);
  });

  it('given a newer frame of a waiting stream, drops the older one as superseded; an unreadable frame fails alone', async () => {
    const encoder = new GatedEncoder();
    const queue = new EncodeQueue(encoder, { maxInFlight: 1, timeoutMs: 5000 });
    const busy = queue.submit('a', frame(9));
    const older = queue.submit('b', frame(7));
    const newer = queue.submit('b', frame(8));
    const broken = queue.submit('c', frame(0));
    expect(await older).toEqual({ status: 'dropped', reason: 'superseded' });
    encoder.calls[0]!.release();
    await tick();
    encoder.calls[1]!.release();
    await tick();
    encoder.calls[2]!.release();
    await expect(broken).rejects.toMatchObject({ code: 'INPUT_INVALID' });
    expect(await busy).toMatchObject({ status: 'encoded' });
    expect(await newer).toMatchObject({ status: 'encoded', embedding: Float32Array.of(8) });
  });
});

describe('EncodeQueue: fairness', () => {
  it('gives a session at most one frame at the encoder, so a flooding stream leaves slots to the others', async () => {
    const encoder = new GatedEncoder();
    const queue = new EncodeQueue(encoder, { maxInFlight: 2, timeoutMs: 5000 });
    const first = queue.submit('fast', frame(1));
    await tick();
    const second = queue.submit('fast', frame(2));
    await tick();
    expect(encoder.calls).toHaveLength(1);
    const quiet = queue.submit('quiet', frame(3));
    await tick();
    expect(encoder.calls.map((c) => ('encoded' in c.images[0]! ? c.images[0].encoded[0] : -1))).toEqual([1, 3]);
    encoder.calls[0]!.release();
    encoder.calls[1]!.release();
    await tick();
    encoder.calls[2]!.release();
    expect((await Promise.all([first, second, quiet])).map((r) => r.status)).toEqual(['encoded', 'encoded', 'encoded']);
  });
});
