/** The feature extraction's decoder: frames and audio through core/media (the only ffmpeg caller). */
import { audio, frames, type RgbFrame } from '../../core/media/index.js';
import type { FrameSpec } from '../../features/frame-spec.js';
import type { Decoder } from './features.js';

/** Frames by the frame spec (short side at the encoder's input size, even sampling); CLIP's own preprocessing does the rest. */
export function mediaDecoder(): Decoder {
  return {
    async frames(file: string, spec: FrameSpec): Promise<RgbFrame[]> {
      const out: RgbFrame[] = [];
      for await (const frame of frames(file, { ...spec, sampling: 'even' })) out.push(frame);
      return out;
    },
    audio: (file: string, sampleRate: number) => audio(file, { sampleRate }),
  };
}
