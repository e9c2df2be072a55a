import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { clipPreprocessing, pixelValues, sizeImage } from '../../model/encoders/image-preprocess.js';
import { fixtureModelsDir } from '../support/models.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const steps = clipPreprocessing(JSON.parse(readFileSync(join(fixtureModelsDir, 'clip', 'preprocessor_config.json'), 'utf8')) as Record<string, unknown>, 'fixture');

function pattern(width: number, height: number): Uint8Array {
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < width * height; i++) {
    const x = i % width;
    const y = Math.floor(i / width);
    data[i * 3] = (x * 3) % 256;
    data[i * 3 + 1] = (y * 5) % 256;
    data[i * 3 + 2] = (x + y) % 256;
  }
  return data;
}

describe('CLIP image preprocessing (model/encoders/image-preprocess.ts)', () => {
  it('reads the CLIP ViT-B/32 steps from preprocessor_config.json', () => {
    expect(steps).toMatchObject({ shortEdge: 224, cropWidth: 224, cropHeight: 224 });
  });

  it('given a frame at the short side, center-crops and normalises it without resizing or copying it', async () => {
    const frame = { width: 398, height: 224, data: pattern(398, 224) };
    const sized = await sizeImage(frame, steps);
    expect(sized).toBe(frame);
    const pixels = pixelValues([sized], steps);
    expect(pixels).toHaveLength(3 * 224 * 224);
    const left = Math.floor((398 - 224) / 2);
    for (const [x, y] of [
      [0, 0],
      [100, 37],
      [223, 223],
    ] as const) {
      for (let c = 0; c < 3; c++) {
        const value = frame.data[(y * 398 + left + x) * 3 + c]!;
        expect(pixels[c * 224 * 224 + y * 224 + x]).toBeCloseTo((value / 255 - steps.mean[c]!) / steps.std[c]!, 5);
      }
    }
  });

  it('given a larger frame or a JPEG, resizes its short side to 224 (aspect kept) before the crop', async () => {
    const big = await sizeImage({ width: 640, height: 360, data: pattern(640, 360) }, steps);
    expect([big.width, big.height]).toEqual([398, 224]);
    const jpeg = new Uint8Array(
      await sharp(Buffer.from(pattern(640, 360)), { raw: { width: 640, height: 360, channels: 3 } })
        .jpeg({ quality: 95 })
        .toBuffer(),
    );
    const decoded = await sizeImage({ encoded: jpeg }, steps);
    expect([decoded.width, decoded.height]).toEqual([398, 224]);
    const a = pixelValues([big], steps);
    const b = pixelValues([decoded], steps);
    let diff = 0;
    for (let i = 0; i < a.length; i++) diff += Math.abs(a[i]! - b[i]!);
    expect(diff / a.length).toBeLessThan(0.1); // the same picture, through JPEG
  });

  it('gives every value of a batch the float32 of (v * rescale - mean) / std, image by image', () => {
    const images = [
      { width: 398, height: 224, data: pattern(398, 224) },
      { width: 224, height: 300, data: pattern(224, 300).map((v) => 255 - v) },
    ];
    const pixels = pixelValues(images, steps);
    const plane = 224 * 224;
    let mismatches = 0;
    images.forEach((image, n) => {
      const left = Math.floor((image.width - 224) / 2);
      const top = Math.floor((image.height - 224) / 2);
      for (let c = 0; c < 3; c++) {
        for (let y = 0; y < 224; y++) {
          for (let x = 0; x < 224; x++) {
            const value = image.data[((top + y) * image.width + left + x) * 3 + c]!;
            const expected = Math.fround(value * (steps.rescale / steps.std[c]!) - steps.mean[c]! / steps.std[c]!);
            if (pixels[(n * 3 + c) * plane + y * 224 + x] !== expected) mismatches++;
          }
        }
      }
    });
    expect(mismatches).toBe(0);
  });

  it('given bytes that are no image, fails that item with INPUT_INVALID', async () => {
    await expect(sizeImage({ encoded: Uint8Array.of(1, 2, 3, 4) }, steps)).rejects.toMatchObject({ code: 'INPUT_INVALID' });
  });
});
