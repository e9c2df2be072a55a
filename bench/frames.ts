import type { RgbFrame } from '../core/media/types.js';
import { seededRandom } from './vectors.js';

/**
 * Synthetic video frames (packed RGB24) for encoder timings: smooth gradients with moving shapes and
 * a little noise, so preprocessing does the same work as on real frames. Seeded: the same frames
 * every run.
 */
export function syntheticFrames(count: number, width = 1280, height = 720, seed = 42): RgbFrame[] {
  const random = seededRandom(seed);
  const frames: RgbFrame[] = [];
  for (let f = 0; f < count; f++) {
    const data = new Uint8Array(width * height * 3);
    const cx = random() * width;
    const cy = random() * height;
    const radius = (0.1 + random() * 0.3) * height;
    const hue = [random() * 255, random() * 255, random() * 255];
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const i = (y * width + x) * 3;
        const inside = (x - cx) ** 2 + (y - cy) ** 2 < radius ** 2;
        const noise = (random() - 0.5) * 16;
        data[i] = inside ? hue[0]! : ((x * 255) / width + noise) & 255;
        data[i + 1] = inside ? hue[1]! : ((y * 255) / height + noise) & 255;
        data[i + 2] = inside ? hue[2]! : (((x + y + f * 40) * 255) / (width + height) + noise) & 255;
      }
    }
    frames.push({ width, height, data, time: f });
  }
  return frames;
}
