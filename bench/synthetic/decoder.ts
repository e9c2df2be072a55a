/** The feature extraction's decoder: frames and audio through core/media (the only ffmpeg caller). */
import { audio, frames, type RgbFrame } from '../../core/media/index.js';
import type { Decoder } from './features.js';

/** Frames come at CLIP's input size (short side 224); CLIP's own preprocessing does the rest. */
export function mediaDecoder(frameSize = 224): Decoder {
  return {
    async frames(file: string, fps: number, maxFrames: number): Promise<RgbFrame[]> {
      const out: RgbFrame[] = [];
      for await (const frame of frames(file, { fps, maxFrames, size: frameSize })) out.push(frame);
      return out;
    },
    audio: (file: string, sampleRate: number) => audio(file, { sampleRate }),
  };
}
