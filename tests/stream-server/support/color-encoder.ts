import sharp from 'sharp';
import { ModelError } from '../../../core/errors.js';
import type { RgbFrame } from '../../../core/media/types.js';
import type { EncoderInfo, FrameEncoder, ImageInput } from '../../../model/types.js';

/**
 * A small, deterministic frame encoder for the server tests: it really decodes each image (sharp)
 * and embeds its mean colour, so "a red scene" and "a blue scene" land far apart, as two scenes do
 * for CLIP. Records every batch it ran; `delayMs` makes it slow to push the server into overload.
 */
export class ColorFrameEncoder implements FrameEncoder {
  readonly info: EncoderInfo = { modelId: 'test/mean-colour', dim: 4, dtype: 'fp32', device: 'cpu' };
  readonly batches: number[] = [];
  delayMs = 0;

  async encodeImages(images: readonly ImageInput[], signal?: AbortSignal): Promise<Float32Array[]> {
    this.batches.push(images.length);
    if (this.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.delayMs));
    signal?.throwIfAborted();
    return Promise.all(images.map((image) => this.encodeOne(image)));
  }

  private async encodeOne(image: ImageInput): Promise<Float32Array> {
    const rgb = 'encoded' in image ? await decode(image.encoded) : image;
    let r = 0;
    let g = 0;
    let b = 0;
    const pixels = rgb.width * rgb.height;
    for (let i = 0; i < pixels; i += 1) {
      r += rgb.data[i * 3]!;
      g += rgb.data[i * 3 + 1]!;
      b += rgb.data[i * 3 + 2]!;
    }
    return colorEmbedding(r / pixels / 255, g / pixels / 255, b / pixels / 255);
  }
}

async function decode(bytes: Uint8Array): Promise<RgbFrame> {
  try {
    const { data, info } = await sharp(bytes, { failOn: 'error' }).removeAlpha().resize(16, 16, { fit: 'fill' }).raw().toBuffer({ resolveWithObject: true });
    return { width: info.width, height: info.height, data, time: 0 };
  } catch (error) {
    throw new ModelError('MEDIA_UNREADABLE', 'The image could not be decoded', {}, { cause: error });
  }
}

/** The embedding of a colour (0..1 channels) in the encoder's space, L2-normalised. */
export function colorEmbedding(r: number, g: number, b: number): Float32Array {
  const v = new Float32Array([r, g, b, 0.05]);
  const norm = Math.hypot(...v);
  return v.map((x) => x / norm);
}

export type Rgb = readonly [number, number, number];

/** A solid-colour JPEG, as a capture page would send. */
export function jpegOf([r, g, b]: Rgb, width = 64, height = 48): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: { r, g, b } } })
    .jpeg({ quality: 80 })
    .toBuffer();
}

export function pngOf([r, g, b]: Rgb, width = 32, height = 32): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: { r, g, b } } })
    .png()
    .toBuffer();
}
