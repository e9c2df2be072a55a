import { InputError, MediaError } from '../core/errors.js';

export type ImageFormat = 'jpeg' | 'png' | 'webp';

export interface ImageHeader {
  readonly format: ImageFormat;
  readonly width: number;
  readonly height: number;
}

export interface ImageLimits {
  readonly maxBytes: number;
  /** Largest width * height accepted: a small file may still decode to a huge bitmap. */
  readonly maxPixels: number;
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

function startsWith(bytes: Uint8Array, prefix: readonly number[], at = 0): boolean {
  return prefix.every((value, i) => bytes[at + i] === value);
}

const ascii = (bytes: Uint8Array, at: number, length: number): string => String.fromCharCode(...bytes.subarray(at, at + length));

export function sniffFormat(bytes: Uint8Array): ImageFormat | undefined {
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return 'jpeg';
  if (startsWith(bytes, PNG_SIGNATURE)) return 'png';
  if (bytes.length >= 12 && ascii(bytes, 0, 4) === 'RIFF' && ascii(bytes, 8, 4) === 'WEBP') return 'webp';
  return undefined;
}

function pngSize(bytes: Uint8Array, view: DataView): [number, number] | undefined {
  // Signature, then the IHDR chunk: length (4), type (4), width (4), height (4).
  if (bytes.length < 24 || ascii(bytes, 12, 4) !== 'IHDR') return undefined;
  return [view.getUint32(16), view.getUint32(20)];
}

const JPEG_FRAME_MARKERS = new Set([0xc0, 0xc1, 0xc2, 0xc3, 0xc5, 0xc6, 0xc7, 0xc9, 0xca, 0xcb, 0xcd, 0xce, 0xcf]);

function jpegSize(bytes: Uint8Array, view: DataView): [number, number] | undefined {
  let at = 2;
  while (at + 4 <= bytes.length) {
    if (bytes[at] !== 0xff) return undefined;
    const marker = bytes[at + 1]!;
    if (marker === 0xff) {
      at += 1; // fill byte
      continue;
    }
    if (marker === 0xd8 || (marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) {
      at += 2;
      continue;
    }
    const length = view.getUint16(at + 2);
    if (length < 2) return undefined;
    if (JPEG_FRAME_MARKERS.has(marker)) {
      if (at + 9 > bytes.length) return undefined;
      return [view.getUint16(at + 7), view.getUint16(at + 5)];
    }
    if (marker === 0xd9 || marker === 0xda) return undefined; // end or scan data before any frame header
    at += 2 + length;
  }
  return undefined;
}

function webpSize(bytes: Uint8Array, view: DataView): [number, number] | undefined {
  const chunk = ascii(bytes, 12, 4);
  if (chunk === 'VP8 ' && bytes.length >= 30 && startsWith(bytes, [0x9d, 0x01, 0x2a], 23)) {
    return [view.getUint16(26, true) & 0x3fff, view.getUint16(28, true) & 0x3fff];
  }
  if (chunk === 'VP8L' && bytes.length >= 25 && bytes[20] === 0x2f) {
    const bits = view.getUint32(21, true);
    return [(bits & 0x3fff) + 1, ((bits >>> 14) & 0x3fff) + 1];
  }
  if (chunk === 'VP8X' && bytes.length >= 30) {
    const w = 1 + (bytes[24]! | (bytes[25]! << 8) | (bytes[26]! << 16));
    const h = 1 + (bytes[27]! | (bytes[28]! << 8) | (bytes[29]! << 16));
    return [w, h];
  }
  return undefined;
}

/**
 * Checks a frame before anything decodes it: size, magic bytes, and the dimensions its header
 * declares. Throws INPUT_INVALID for anything that is not JPEG/PNG/WebP, MEDIA_TOO_LARGE for too many
 * bytes or pixels, MEDIA_UNREADABLE for a recognised format whose header is broken.
 */
export function checkImage(bytes: Uint8Array, limits: ImageLimits): ImageHeader {
  if (bytes.length === 0) throw new InputError('INPUT_INVALID', 'The frame is empty');
  if (bytes.length > limits.maxBytes) {
    throw new MediaError('MEDIA_TOO_LARGE', `The frame is ${bytes.length} bytes; the limit is ${limits.maxBytes}`, {
      bytes: bytes.length,
      maxBytes: limits.maxBytes,
    });
  }
  const format = sniffFormat(bytes);
  if (!format) throw new InputError('INPUT_INVALID', 'The frame is not a JPEG, PNG or WebP image');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const size = format === 'png' ? pngSize(bytes, view) : format === 'jpeg' ? jpegSize(bytes, view) : webpSize(bytes, view);
  if (!size || size[0] === 0 || size[1] === 0) {
    throw new MediaError('MEDIA_UNREADABLE', `The ${format.toUpperCase()} frame has a broken header`, { format });
  }
  const [width, height] = size;
  if (width * height > limits.maxPixels) {
    throw new MediaError('MEDIA_TOO_LARGE', `The frame is ${width}x${height}; the limit is ${limits.maxPixels} pixels`, {
      width,
      height,
      maxPixels: limits.maxPixels,
    });
  }
  return { format, width, height };
}
