/**
 * The one owner of the frame specification: how a video becomes the frames the CLIP image encoder
 * sees, on every path (bot, CLI recommend, prepare-training, stream ingest, the benchmarks).
 *
 * - `fps` and `maxFrames`: the sampling, from config `video` (a clip longer than maxFrames / fps is
 *   sampled evenly over its length instead; core/media `frames` with `sampling: 'even'`).
 * - `size`: frames are decoded with their short side at the encoder's input size (its
 *   preprocessor_config.json `size.shortest_edge`, 224 for CLIP ViT-B/32), so ffmpeg scales once and
 *   the worker only center-crops: nothing decodes at full resolution to be shrunk later.
 *
 * Training data and serving must agree on it (DESIGN §4): prepare-training, the synthetic benchmark
 * and the services take it from here.
 */

/** What the frame size is read from: a frame encoder (model/types.ts `FrameEncoder`). */
export interface FrameSizeSource {
  /** The encoder's input size (short side, pixels), when it reports one. */
  readonly imageSize?: number;
}

export interface FrameSpec {
  /** Frames per second sampled. */
  readonly fps: number;
  /** Most frames per clip (or per training segment). */
  readonly maxFrames: number;
  /** Short side of decoded frames, pixels: the encoder's input size. */
  readonly size: number;
}

/** CLIP's input size, for encoders that do not report one (small test encoders). */
export const DEFAULT_FRAME_SIZE = 224;

/** The short side frames should be decoded at for this encoder. */
export function frameSize(encoder: FrameSizeSource): number {
  return encoder.imageSize ?? DEFAULT_FRAME_SIZE;
}

/** The frame specification of `video` settings (config `video`) for this encoder. */
export function frameSpec(video: { readonly fps: number; readonly maxFrames: number }, encoder: FrameSizeSource): FrameSpec {
  return { fps: video.fps, maxFrames: video.maxFrames, size: frameSize(encoder) };
}
