import sharp from 'sharp';
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Encoders } from '../../model/index.js';
import { createFixtureEncoders, FIXTURE_CLAP_ID, FIXTURE_CLIP_ID } from '../support/models.js';
import type { RgbFrame } from '../../core/media/types.js';
import { encodePng, patternFrame } from './images.js';
import { audioWindow, cosine, maxAbsDiff, norm } from './vectors.js';
import { ifSet } from '../support/if-set.js';

/** Encodes an RGB frame as a JPEG or WebP file with the ffmpeg on PATH (lossy, near the original). */
function encodeWithFfmpeg(frame: RgbFrame, codec: 'mjpeg' | 'libwebp'): Uint8Array {
  const args = ['-hide_banner', '-loglevel', 'error', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-s', `${frame.width}x${frame.height}`, '-i', '-'];
  const quality = codec === 'mjpeg' ? ['-q:v', '2'] : ['-quality', '95'];
  return new Uint8Array(execFileSync('ffmpeg', [...args, '-frames:v', '1', '-c:v', codec, ...quality, '-f', 'image2pipe', '-'], { input: frame.data, timeout: 20_000 }));
}

const TEXTS = ['a dog running on the beach at sunset', 'dreamy lo-fi with soft piano, no vocals', '', 'fast drums'];
const LONG_WORDS = Array.from({ length: 700 }, (_, i) => ['guitar', 'slow', 'bright', 'drum', 'mellow'][i % 5]).join(' ');

let fp32: Encoders;
let q8: Encoders;

beforeAll(async () => {
  [fp32, q8] = await Promise.all([createFixtureEncoders({ 'encoders.maxWaitMs': 2, 'encoders.dtype': 'fp32' }), createFixtureEncoders({ 'encoders.dtype': 'q8' })]);
}, 60_000);

afterAll(async () => {
  await Promise.all([ifSet(fp32)?.dispose(), ifSet(q8)?.dispose()]);
});

function expectUnitVectors(vectors: readonly Float32Array[], count: number, dim: number): void {
  expect(vectors).toHaveLength(count);
  for (const v of vectors) {
    expect(v).toBeInstanceOf(Float32Array);
    expect(v).toHaveLength(dim);
    expect(norm(v)).toBeCloseTo(1, 5);
  }
}

describe('encoder info', () => {
  it('reports the fixture model ids, dimensions, limits and the explicit dtype/device', () => {
    expect(fp32.clipImage.info).toEqual({ modelId: FIXTURE_CLIP_ID, dim: 64, dtype: 'fp32', device: 'cpu' });
    expect(fp32.clipText.info.dim).toBe(64);
    expect(fp32.clipText.maxTokens).toBe(77);
    expect(fp32.clapText.info).toEqual({ modelId: FIXTURE_CLAP_ID, dim: 32, dtype: 'fp32', device: 'cpu' });
    expect(fp32.clapText.maxTokens).toBe(512);
    expect(fp32.clapAudio.sampleRate).toBe(48_000);
    expect(fp32.clapAudio.windowSeconds).toBe(10);
    expect(q8.clipImage.info.dtype).toBe('q8');
  });
});

describe('CLIP image encoder', () => {
  it('given frames of any size, returns one L2-normalised 64-d embedding each, distinct per image', async () => {
    const frames = [patternFrame(320, 240, 1), patternFrame(64, 64, 2), patternFrame(1280, 720, 3)];
    const vectors = await fp32.clipImage.encodeImages(frames);
    expectUnitVectors(vectors, 3, 64);
    expect(cosine(vectors[0]!, vectors[1]!)).toBeLessThan(0.9999);
  });

  it('is deterministic: the same frame gives the same embedding', async () => {
    const frame = patternFrame(200, 150, 4);
    const [a] = await fp32.clipImage.encodeImages([frame]);
    const [b] = await fp32.clipImage.encodeImages([frame]);
    expect(maxAbsDiff(a!, b!)).toBe(0);
  });

  it('batched equals one by one within 1e-5', async () => {
    const frames = [1, 2, 3, 4, 5].map((seed) => patternFrame(160, 120, seed));
    const batched = await fp32.clipImage.encodeImages(frames);
    for (const [i, frame] of frames.entries()) {
      const [single] = await fp32.clipImage.encodeImages([frame]);
      expect(maxAbsDiff(batched[i]!, single!)).toBeLessThan(1e-5);
    }
  });

  it('given PNG bytes, decodes them in the worker and matches the raw frame', async () => {
    const frame = patternFrame(96, 80, 6);
    const [fromPng, fromFrame] = await fp32.clipImage.encodeImages([{ encoded: encodePng(frame) }, frame]);
    expect(maxAbsDiff(fromPng!, fromFrame!)).toBeLessThan(1e-5);
  });

  it.each(['mjpeg', 'libwebp'] as const)('given %s-encoded bytes, decodes them in the worker close to the raw frame', async (codec) => {
    const frame = patternFrame(120, 90, 10);
    const [decoded, raw, other] = await fp32.clipImage.encodeImages([{ encoded: encodeWithFfmpeg(frame, codec) }, frame, patternFrame(120, 90, 11)]);
    // Random weights put all images near each other, so compare distances: the decoded file must be
    // far closer to its source frame than another image is.
    expect(1 - cosine(decoded!, raw!)).toBeLessThan(0.2 * (1 - cosine(other!, raw!)));
  });

  it('given corrupt image bytes, rejects that request with INPUT_INVALID while a request batched with it succeeds', async () => {
    const bad = fp32.clipImage.encodeImages([{ encoded: new Uint8Array([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]) }]);
    const good = fp32.clipImage.encodeImages([patternFrame(32, 32, 7)]);
    await expect(bad).rejects.toMatchObject({ code: 'INPUT_INVALID' });
    expectUnitVectors(await good, 1, 64);
  });

  it('given a frame whose buffer does not match its size, rejects with INPUT_INVALID', async () => {
    await expect(fp32.clipImage.encodeImages([{ width: 10, height: 10, data: new Uint8Array(299), time: 0 }])).rejects.toMatchObject({ code: 'INPUT_INVALID' });
    await expect(fp32.clipImage.encodeImages([{ encoded: new Uint8Array(0) }])).rejects.toMatchObject({ code: 'INPUT_INVALID' });
  });
});

describe.each(['clipText', 'clapText'] as const)('%s encoder', (kind) => {
  it('returns L2-normalised embeddings, deterministic and batched == one by one within 1e-5', async () => {
    const encoder = fp32[kind];
    const batched = await encoder.encodeTexts(TEXTS);
    expectUnitVectors(batched, TEXTS.length, encoder.info.dim);
    for (const [i, text] of TEXTS.entries()) {
      const [single] = await encoder.encodeTexts([text]);
      expect(maxAbsDiff(batched[i]!, single!)).toBeLessThan(1e-5);
    }
    expect(cosine(batched[0]!, batched[1]!)).toBeLessThan(0.9999);
  });

  it('truncates at maxTokens: texts that differ only after the limit embed identically', async () => {
    const encoder = fp32[kind];
    const [a, b, short] = await encoder.encodeTexts([`${LONG_WORDS} happy ending`, `${LONG_WORDS} sad ending`, 'guitar slow']);
    expect(maxAbsDiff(a!, b!)).toBe(0);
    expect(maxAbsDiff(a!, short!)).toBeGreaterThan(1e-3);
  });
});

describe('CLAP audio encoder', () => {
  it('given exact 10 s windows, returns L2-normalised embeddings, deterministic and batched == one by one', async () => {
    const windows = [audioWindow(1), audioWindow(2), audioWindow(3)];
    const batched = await fp32.clapAudio.encodeWindows(windows);
    expectUnitVectors(batched, 3, 32);
    for (const [i, window] of windows.entries()) {
      const [single] = await fp32.clapAudio.encodeWindows([window]);
      expect(maxAbsDiff(batched[i]!, single!)).toBeLessThan(1e-5);
    }
    expect(cosine(batched[0]!, batched[2]!)).toBeLessThan(0.9999);
  });

  it.each([
    ['9.5 s', 456_000],
    ['10.01 s', 480_480],
    ['empty', 0],
  ])('given a %s window, rejects with INPUT_INVALID naming the required length', async (_, samples) => {
    await expect(fp32.clapAudio.encodeWindows([new Float32Array(samples)])).rejects.toMatchObject({
      code: 'INPUT_INVALID',
      message: expect.stringContaining('480000 samples') as string,
    });
  });

  it('with transfer, moves windows that own their buffer to the worker (detached here) and copies views of a larger buffer; same embeddings', async () => {
    const copied = await fp32.clapAudio.encodeWindows([audioWindow(1), audioWindow(2)]);
    const owned = audioWindow(1);
    const track = new Float32Array(owned.length * 2);
    track.set(audioWindow(2), owned.length);
    const view = track.subarray(owned.length);
    const moved = await fp32.clapAudio.encodeWindows([owned, view], undefined, { transfer: true });
    expect(maxAbsDiff(moved[0]!, copied[0]!)).toBe(0);
    expect(maxAbsDiff(moved[1]!, copied[1]!)).toBe(0);
    expect(owned.length).toBe(0);
    expect(view.length).toBe(audioWindow(2).length);
    expect(track.length).toBe(2 * audioWindow(2).length);
  });

  it('with transfer, reads windows in shared memory in place: same embeddings, the windows left as they were', async () => {
    const copied = await fp32.clapAudio.encodeWindows([audioWindow(7), audioWindow(8)]);
    const track = new Float32Array(new SharedArrayBuffer(2 * 480_000 * 4));
    track.set(audioWindow(7));
    track.set(audioWindow(8), 480_000);
    const views = [track.subarray(0, 480_000), track.subarray(480_000)];
    const shared = await fp32.clapAudio.encodeWindows(views, undefined, { transfer: true });
    expect(maxAbsDiff(shared[0]!, copied[0]!)).toBe(0);
    expect(maxAbsDiff(shared[1]!, copied[1]!)).toBe(0);
    expect(views.map((v) => v.length)).toEqual([480_000, 480_000]);
    expect(maxAbsDiff(views[1]!, audioWindow(8))).toBe(0);
  });

  it('keeps the input buffers a batch hands back and copies the next inputs into them; the embeddings stay exact', async () => {
    const fresh = await createFixtureEncoders({ 'encoders.dtype': 'fp32' });
    try {
      const windowBytes = 480_000 * 4;
      const reference = await fresh.clapAudio.encodeWindows([audioWindow(5), audioWindow(6)]);
      expect(fresh.stats().spareBytes).toBe(2 * windowBytes);
      // Copied into the two held buffers (not new ones), which come back again after the batch.
      const again = await fresh.clapAudio.encodeWindows([audioWindow(6), audioWindow(5)]);
      expect(fresh.stats().spareBytes).toBe(2 * windowBytes);
      expect(maxAbsDiff(again[0]!, reference[1]!)).toBe(0);
      expect(maxAbsDiff(again[1]!, reference[0]!)).toBe(0);
    } finally {
      await fresh.dispose();
    }
  });

  it('keeps raw frames handed back, not encoded images', async () => {
    // Copied frames come back too, and a frame copied into reused memory embeds as it did before.
    const frame = { time: 0, width: 320, height: 240, data: new Uint8Array(320 * 240 * 3).map((_, i) => (i * 7) % 251) };
    const [before] = await fp32.clipImage.encodeImages([frame]);
    expect(fp32.stats().spareBytes).toBeGreaterThanOrEqual(frame.data.byteLength);
    const [after] = await fp32.clipImage.encodeImages([{ ...frame, data: frame.data.slice() }]);
    expect(maxAbsDiff(after!, before!)).toBe(0);
    // Encoded images are not kept: their lengths vary. (A 320x240 PNG of this pattern is over 64 KiB.)
    const png = await sharp(Buffer.from(frame.data), { raw: { width: 320, height: 240, channels: 3 } })
      .png({ compressionLevel: 0 })
      .toBuffer();
    expect(png.length).toBeGreaterThan(64 * 1024);
    const spare = fp32.stats().spareBytes;
    await fp32.clipImage.encodeImages([{ encoded: new Uint8Array(png) }]);
    expect(fp32.stats().spareBytes).toBe(spare);
  });

  it('given a window with NaN samples, rejects with INPUT_INVALID', async () => {
    const window = audioWindow(4);
    window[1000] = Number.NaN;
    await expect(fp32.clapAudio.encodeWindows([window])).rejects.toMatchObject({ code: 'INPUT_INVALID' });
  });
});

describe('q8 (dynamically quantised) models', () => {
  it('run and track fp32: each q8 embedding is nearest to the fp32 embedding of the same input', async () => {
    const frames = [patternFrame(224, 224, 8), patternFrame(300, 200, 9), patternFrame(64, 64, 2)];
    const windows = [audioWindow(5), audioWindow(6)];
    const pairs = await Promise.all([
      Promise.all([fp32.clipImage.encodeImages(frames), q8.clipImage.encodeImages(frames)]),
      Promise.all([fp32.clipText.encodeTexts(TEXTS), q8.clipText.encodeTexts(TEXTS)]),
      Promise.all([fp32.clapText.encodeTexts(TEXTS), q8.clapText.encodeTexts(TEXTS)]),
      Promise.all([fp32.clapAudio.encodeWindows(windows), q8.clapAudio.encodeWindows(windows)]),
    ]);
    for (const [full, quantised] of pairs) {
      quantised.forEach((q, i) => {
        expect(norm(q)).toBeCloseTo(1, 5);
        expect(maxAbsDiff(q, full[i]!)).toBeGreaterThan(0);
        const same = cosine(q, full[i]!);
        expect(same).toBeGreaterThan(0.95);
        full.forEach((other, j) => {
          if (j !== i) expect(same).toBeGreaterThan(cosine(q, other));
        });
      });
    }
  });
});
