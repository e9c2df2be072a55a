/**
 * The trained ViML heads (DESIGN §4) on the Node side: reads and checks `manifest.json`, refuses heads
 * trained on other encoders, and runs `query_encoder.onnx` / `music_encoder.onnx` in the encoders'
 * worker pool.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import type { Config } from '../core/config.js';
import { InputError, ModelError } from '../core/errors.js';
import type { Encoders } from './index.js';
import type { HeadsSpec, QueryItem, Sequence } from './protocol.js';
import { copyItems } from './transfer.js';

const MANIFEST_FORMAT = 1;
const modelRef = z.object({ modelId: z.string().min(1), dim: z.number().int().positive() });
const head = z.object({ file: z.string().min(1), inputs: z.array(z.string()), output: z.string().min(1) });

export const vimlManifestSchema = z.object({
  formatVersion: z.literal(MANIFEST_FORMAT),
  dim: z.number().int().positive(),
  clip: modelRef,
  clap: modelRef,
  textDim: z.number().int().positive(),
  fps: z.number().positive(),
  maxFrames: z.number().int().positive(),
  windowSeconds: z.number().positive(),
  segmentSeconds: z.number().positive(),
  hopSeconds: z.number().positive(),
  /** `pooled`: the prompt is one CLIP text embedding (the only mode the TextEncoder provides). */
  textMode: z.string(),
  heads: z.object({
    query: head,
    music: head,
    opset: z.number().int().min(17),
    /** Longest sequences the learned position tables cover. */
    maxFrames: z.number().int().positive(),
    maxTextTokens: z.number().int().positive(),
    maxMusicWindows: z.number().int().positive(),
    fusion: z.string().optional(),
  }),
  training: z.record(z.string(), z.unknown()).nullable().optional(),
  evaluation: z.record(z.string(), z.unknown()).nullable().optional(),
  exportedAt: z.string().optional(),
});

export type VimlManifest = z.infer<typeof vimlManifestSchema>;

/** A query: CLIP image embeddings of the frames, and the prompt's CLIP text embedding(s) if any. */
export interface VimlQuery {
  readonly frames: readonly Float32Array[];
  /** Omitted or empty: no text (an all-false text mask). */
  readonly text?: readonly Float32Array[];
}

export interface VimlHeads {
  readonly manifest: VimlManifest;
  readonly dir: string;
  /** Dimension of the joint space. */
  readonly dim: number;
  /** One L2-normalised query vector per (frames, text) query. */
  encodeQueries(queries: readonly VimlQuery[], signal?: AbortSignal): Promise<Float32Array[]>;
  /** One L2-normalised music vector per segment, given its CLAP window embeddings in order. */
  encodeMusic(segments: readonly (readonly Float32Array[])[], signal?: AbortSignal): Promise<Float32Array[]>;
}

/** Reads and validates `<dir>/manifest.json`; every invalid field is named in one MODEL_INVALID. */
export function readVimlManifest(dir: string): VimlManifest {
  const file = join(dir, 'manifest.json');
  if (!existsSync(file)) {
    throw new ModelError('MODEL_MISSING', `No ViML heads in ${dir} (manifest.json is missing); export them with the trainer (model/train/README.md) into <models>/viml, or run in zero-shot mode`, {
      path: file,
    });
  }
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new ModelError('MODEL_INVALID', `${file} is not valid JSON: ${(error as Error).message}`, { path: file });
  }
  const parsed = vimlManifestSchema.safeParse(raw);
  if (!parsed.success) {
    const fields = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new ModelError('MODEL_INVALID', `${file} is not a ViML manifest (format ${MANIFEST_FORMAT}):\n${fields.map((f) => `  - ${f}`).join('\n')}`, { path: file, fields });
  }
  return parsed.data;
}

/** Heads trained on other encoders cannot serve these: MODEL_MISMATCH naming both sides of each difference. */
export function checkManifestMatchesEncoders(manifest: VimlManifest, encoders: Pick<Encoders, 'clipImage' | 'clipText' | 'clapAudio'>, file = 'manifest.json'): void {
  const problems: string[] = [];
  const compare = (what: string, heads: unknown, loaded: unknown): void => {
    if (heads !== loaded) problems.push(`${what}: heads were trained with ${String(heads)}, the loaded encoder is ${String(loaded)}`);
  };
  compare('CLIP model', manifest.clip.modelId, encoders.clipImage.info.modelId);
  compare('CLIP image dimension', manifest.clip.dim, encoders.clipImage.info.dim);
  compare('CLIP text dimension', manifest.textDim, encoders.clipText.info.dim);
  compare('CLAP model', manifest.clap.modelId, encoders.clapAudio.info.modelId);
  compare('CLAP audio dimension', manifest.clap.dim, encoders.clapAudio.info.dim);
  compare('CLAP window seconds', manifest.windowSeconds, encoders.clapAudio.windowSeconds);
  if (manifest.textMode !== 'pooled') problems.push(`text mode: heads expect "${manifest.textMode}", the text encoder gives "pooled" embeddings`);
  if (problems.length > 0) {
    throw new ModelError(
      'MODEL_MISMATCH',
      `The ViML heads in ${file} do not fit the loaded encoders:\n${problems.map((p) => `  - ${p}`).join('\n')}\nRe-export the heads for these encoders, or configure the encoders they were trained with.`,
      { problems },
    );
  }
}

export interface LoadVimlOptions {
  /** Heads directory; default `<modelsDir>/viml`. */
  readonly dir?: string;
}

/** Loads the heads into every worker of the encoders' pool, after checking them against the encoders. */
export async function loadVimlHeads(encoders: Encoders, config: Pick<Config, 'modelsDir'>, options: LoadVimlOptions = {}): Promise<VimlHeads> {
  const dir = resolve(options.dir ?? join(config.modelsDir, 'viml'));
  const manifest = readVimlManifest(dir);
  checkManifestMatchesEncoders(manifest, encoders, join(dir, 'manifest.json'));
  const spec: HeadsSpec = {
    dir,
    queryFile: manifest.heads.query.file,
    queryOutput: manifest.heads.query.output,
    musicFile: manifest.heads.music.file,
    musicOutput: manifest.heads.music.output,
    videoDim: manifest.clip.dim,
    textDim: manifest.textDim,
    musicDim: manifest.clap.dim,
  };
  await encoders.pool.broadcast({ op: 'loadHeads', spec }, true);
  return new PooledVimlHeads(encoders, manifest, dir);
}

class PooledVimlHeads implements VimlHeads {
  readonly dim: number;

  constructor(
    private readonly encoders: Encoders,
    readonly manifest: VimlManifest,
    readonly dir: string,
  ) {
    this.dim = manifest.dim;
  }

  async encodeQueries(queries: readonly VimlQuery[], signal?: AbortSignal): Promise<Float32Array[]> {
    const { heads, clip, textDim } = this.manifest;
    const items = await copyItems(queries, (query, i): QueryItem => {
      const video = sequence(query.frames, clip.dim, `query ${i} frames`, 1, heads.maxFrames);
      const text = sequence(query.text ?? [], textDim, `query ${i} text`, 0, heads.maxTextTokens);
      return text.length > 0 ? { video, text } : { video };
    });
    return this.encoders.pool.run('vimlQuery', items, signal);
  }

  async encodeMusic(segments: readonly (readonly Float32Array[])[], signal?: AbortSignal): Promise<Float32Array[]> {
    const { heads, clap } = this.manifest;
    const items = await copyItems(segments, (windows, i) => sequence(windows, clap.dim, `segment ${i} windows`, 1, heads.maxMusicWindows));
    return this.encoders.pool.run('vimlMusic', items, signal);
  }
}

/** Packs vectors into one row-major sequence, checking count and dimension. */
function sequence(vectors: readonly Float32Array[], dim: number, what: string, min: number, max: number): Sequence {
  if (vectors.length < min || vectors.length > max) {
    throw new InputError('INPUT_INVALID', `${what}: ${vectors.length} given, the heads take ${min} to ${max}`);
  }
  const data = new Float32Array(vectors.length * dim);
  vectors.forEach((v, j) => {
    if (!(v instanceof Float32Array) || v.length !== dim)
      throw new InputError('INPUT_INVALID', `${what}: vector ${j} has ${(v as Partial<ArrayLike<unknown>> | undefined)?.length ?? 0} values, expected ${dim}`);
    data.set(v, j * dim);
  });
  return { data, length: vectors.length, dim };
}
