/** Worker side of the ViML heads: pads feature sequences into masked batches and runs the two graphs. */
import { join } from 'node:path';
import { ModelError } from '../core/errors.js';
import { checkSessionNames, createSession, OrtTensor, type InferenceSession, type RuntimeSettings } from './runtime.js';
import type { HeadsSpec, QueryItem, Sequence } from './protocol.js';
import { l2normalizeRows } from './vectors.js';

export const QUERY_INPUTS = ['video', 'video_mask', 'text', 'text_mask'] as const;
export const MUSIC_INPUTS = ['music', 'music_mask'] as const;

/** Pads sequences to the longest (at least 1 step) and builds `[B,T,D]` features and a `[B,T]` bool mask. */
function padded(sequences: readonly (Sequence | undefined)[], dim: number): { features: OrtTensor; mask: OrtTensor } {
  const steps = Math.max(1, ...sequences.map((s) => s?.length ?? 0));
  const features = new Float32Array(sequences.length * steps * dim);
  const mask = new Uint8Array(sequences.length * steps);
  sequences.forEach((s, b) => {
    if (!s || s.length === 0) return;
    features.set(s.data.subarray(0, s.length * dim), b * steps * dim);
    mask.fill(1, b * steps, b * steps + s.length);
  });
  return {
    features: new OrtTensor('float32', features, [sequences.length, steps, dim]),
    mask: new OrtTensor('bool', mask, [sequences.length, steps]),
  };
}

export class VimlHeads {
  private constructor(
    private readonly spec: HeadsSpec,
    private readonly query: InferenceSession,
    private readonly music: InferenceSession,
  ) {}

  static async load(spec: HeadsSpec, settings: RuntimeSettings): Promise<VimlHeads> {
    const queryPath = join(spec.dir, spec.queryFile);
    const musicPath = join(spec.dir, spec.musicFile);
    const query = await createSession(queryPath, settings);
    const music = await createSession(musicPath, settings).catch(async (error: unknown) => {
      await query.release();
      throw error;
    });
    try {
      checkSessionNames(query, queryPath, QUERY_INPUTS, [spec.queryOutput]);
      checkSessionNames(music, musicPath, MUSIC_INPUTS, [spec.musicOutput]);
    } catch (error) {
      await Promise.all([query.release(), music.release()]);
      throw error;
    }
    return new VimlHeads(spec, query, music);
  }

  async encodeQueries(items: readonly QueryItem[]): Promise<Float32Array[]> {
    const video = padded(
      items.map((i) => i.video),
      this.spec.videoDim,
    );
    const text = padded(
      items.map((i) => i.text),
      this.spec.textDim,
    );
    const out = await this.query.run({ video: video.features, video_mask: video.mask, text: text.features, text_mask: text.mask });
    return this.rows(out[this.spec.queryOutput], items.length, 'query');
  }

  async encodeMusic(items: readonly Sequence[]): Promise<Float32Array[]> {
    const music = padded(items, this.spec.musicDim);
    const out = await this.music.run({ music: music.features, music_mask: music.mask });
    return this.rows(out[this.spec.musicOutput], items.length, 'music');
  }

  async dispose(): Promise<void> {
    await Promise.all([this.query.release(), this.music.release()]);
  }

  private rows(tensor: OrtTensor | undefined, batch: number, name: string): Float32Array[] {
    if (!tensor || tensor.dims.length !== 2 || tensor.dims[0] !== batch) {
      throw new ModelError('MODEL_INVALID', `ViML ${name} head returned shape [${tensor?.dims.join(', ') ?? ''}], expected [${batch}, D]`);
    }
    return l2normalizeRows(tensor.data as Float32Array, batch, tensor.dims[1]!);
  }
}
