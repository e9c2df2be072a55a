/**
 * The training shard format (docs/training-data.md, version 1) that model/train reads: per shard,
 * zero-padded float32 `.npy` arrays of frames, text and music features with their int32 lengths, and
 * `items.jsonl`; `dataset.json` names the encoders, the frame and window layout and the shards. The
 * one writer for prepare-training and the synthetic benchmark.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { encodeNpy } from './npy.js';

/** docs/training-data.md, version 1 (model/train/viml/data.py FORMAT_VERSION). */
export const TRAINING_FORMAT_VERSION = 1;

export type Split = 'train' | 'val' | 'test';

/** One line of `items.jsonl`; fields beyond these are kept and ignored by the trainer. */
export interface ShardItem {
  readonly id: string;
  readonly trackId: string;
  readonly split: Split;
  readonly text: string;
  readonly tags: readonly string[];
  /** Seconds into the track where the segment starts. */
  readonly segmentStart?: number;
  readonly [extra: string]: unknown;
}

/** One row: a video clip's frame features, its text features and the paired music segment's window features. */
export interface ShardRow {
  readonly frames: readonly Float32Array[];
  readonly text: readonly Float32Array[];
  readonly music: readonly Float32Array[];
  readonly item: ShardItem;
}

/** Feature widths: CLIP image, text, CLAP audio. */
export interface ShardDims {
  readonly frames: number;
  readonly text: number;
  readonly music: number;
}

export interface EncoderId {
  readonly modelId: string;
  readonly dim: number;
}

/** dataset.json, without `formatVersion` (written by `writeDataset`). */
export interface DatasetSpec {
  readonly clip: EncoderId;
  readonly clap: EncoderId;
  readonly textDim: number;
  readonly textMode: 'pooled' | 'tokens';
  readonly fps: number;
  readonly maxFrames: number;
  readonly windowSeconds: number;
  readonly segmentSeconds: number;
  readonly hopSeconds: number;
  readonly textSource: string;
  readonly shards: readonly string[];
}

/** The name of the shard at `index`: shard-00000, shard-00001, ... */
export function shardName(index: number): string {
  return `shard-${String(index).padStart(5, '0')}`;
}

/** Packs variable-length rows of `dim`-wide vectors into a zero-padded [N, longest, dim] array with each row's length. */
export function packRows(rows: readonly (readonly Float32Array[])[], dim: number, minLength = 1): { data: Float32Array; shape: [number, number, number]; lengths: Int32Array } {
  const longest = Math.max(minLength, ...rows.map((r) => r.length));
  const data = new Float32Array(rows.length * longest * dim);
  const lengths = new Int32Array(rows.length);
  rows.forEach((row, i) => {
    lengths[i] = row.length;
    row.forEach((vector, j) => {
      if (vector.length !== dim) throw new RangeError(`row ${i} position ${j} has ${vector.length} values, expected ${dim}`);
      data.set(vector, (i * longest + j) * dim);
    });
  });
  return { data, shape: [rows.length, longest, dim], lengths };
}

/** Writes one shard folder: frames, text and music arrays with their lengths, and items.jsonl in row order. */
export async function writeShard(dir: string, rows: readonly ShardRow[], dims: ShardDims): Promise<void> {
  if (rows.length === 0) throw new RangeError(`shard ${dir}: no rows to write`);
  await mkdir(dir, { recursive: true });
  const parts = [
    [
      'frames',
      packRows(
        rows.map((r) => r.frames),
        dims.frames,
      ),
    ],
    [
      'text',
      packRows(
        rows.map((r) => r.text),
        dims.text,
      ),
    ],
    [
      'music',
      packRows(
        rows.map((r) => r.music),
        dims.music,
      ),
    ],
  ] as const;
  for (const [name, packed] of parts) {
    await writeFile(join(dir, `${name}.npy`), encodeNpy(packed.data, packed.shape));
    await writeFile(join(dir, `${name}_len.npy`), encodeNpy(packed.lengths, [rows.length]));
  }
  await writeFile(join(dir, 'items.jsonl'), rows.map((r) => JSON.stringify(r.item)).join('\n') + '\n');
}

/** Writes `dir/dataset.json` (fields in the documented order, formatVersion first). */
export async function writeDataset(dir: string, spec: DatasetSpec): Promise<void> {
  const dataset = {
    formatVersion: TRAINING_FORMAT_VERSION,
    clip: { modelId: spec.clip.modelId, dim: spec.clip.dim },
    clap: { modelId: spec.clap.modelId, dim: spec.clap.dim },
    textDim: spec.textDim,
    textMode: spec.textMode,
    fps: spec.fps,
    maxFrames: spec.maxFrames,
    windowSeconds: spec.windowSeconds,
    segmentSeconds: spec.segmentSeconds,
    hopSeconds: spec.hopSeconds,
    textSource: spec.textSource,
    shards: spec.shards,
  };
  await writeFile(join(dir, 'dataset.json'), `${JSON.stringify(dataset, null, 2)}\n`);
}
