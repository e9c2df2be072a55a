/**
 * Turns the synthetic corpus (videos with soundtracks + descriptions) into a training dataset in the
 * shard format of docs/training-data.md, with the encoders the services use: CLIP image embeddings of
 * frames at `fps`, CLIP text features of the description (pooled), CLAP audio embeddings of
 * consecutive exact windows of the soundtrack.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RgbFrame } from '../../core/media/types.js';
import type { Encoders } from '../../model/index.js';
import { packRows, writeNpy } from './npy.js';

export interface CorpusItem {
  readonly id: string;
  readonly trackId: string;
  readonly split: 'train' | 'val' | 'test';
  readonly text: string;
  readonly tags: readonly string[];
  readonly file: string;
  readonly attributes: Readonly<Record<string, string | number>>;
}

/** What the feature extraction needs from core/media. */
export interface Decoder {
  frames(file: string, fps: number, maxFrames: number): Promise<RgbFrame[]>;
  /** Mono float samples at `sampleRate`. */
  audio(file: string, sampleRate: number): Promise<Float32Array>;
}

export interface FeatureOptions {
  readonly corpusDir: string;
  readonly outDir: string;
  readonly fps: number;
  readonly maxFrames: number;
  /** Items per shard. */
  readonly shardSize: number;
  readonly onProgress?: (done: number, total: number) => void;
}

export async function readCorpus(corpusDir: string): Promise<CorpusItem[]> {
  const text = await readFile(join(corpusDir, 'items.jsonl'), 'utf8');
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as CorpusItem);
}

/** Consecutive exact windows; a tail shorter than a window is dropped (DESIGN §4: exact crops). */
export function exactWindows(samples: Float32Array, windowSamples: number): Float32Array[] {
  const windows: Float32Array[] = [];
  for (let start = 0; start + windowSamples <= samples.length; start += windowSamples) windows.push(samples.subarray(start, start + windowSamples));
  return windows;
}

interface ItemFeatures {
  readonly frames: Float32Array[];
  readonly text: Float32Array[];
  readonly music: Float32Array[];
}

async function itemFeatures(item: CorpusItem, options: FeatureOptions, encoders: Encoders, decoder: Decoder): Promise<ItemFeatures> {
  const file = join(options.corpusDir, item.file);
  const { clapAudio } = encoders;
  const [frames, samples] = await Promise.all([decoder.frames(file, options.fps, options.maxFrames), decoder.audio(file, clapAudio.sampleRate)]);
  if (frames.length === 0) throw new Error(`${file}: no video frames decoded`);
  const windows = exactWindows(samples, Math.round(clapAudio.sampleRate * clapAudio.windowSeconds));
  if (windows.length === 0) throw new Error(`${file}: soundtrack shorter than one ${clapAudio.windowSeconds} s window`);
  const [frameVectors, textVectors, musicVectors] = await Promise.all([
    encoders.clipImage.encodeImages(frames),
    encoders.clipText.encodeTexts([item.text]),
    clapAudio.encodeWindows(windows),
  ]);
  return { frames: frameVectors, text: textVectors, music: musicVectors };
}

async function writeShard(dir: string, items: readonly CorpusItem[], features: readonly ItemFeatures[], dims: { clip: number; clap: number }): Promise<void> {
  await mkdir(dir, { recursive: true });
  const parts = [
    ['frames', packRows(features.map((f) => f.frames), dims.clip)],
    ['text', packRows(features.map((f) => f.text), dims.clip)],
    ['music', packRows(features.map((f) => f.music), dims.clap)],
  ] as const;
  for (const [name, packed] of parts) {
    await writeNpy(join(dir, `${name}.npy`), packed.data, packed.shape);
    await writeNpy(join(dir, `${name}_len.npy`), packed.lengths, [items.length]);
  }
  const lines = items.map((item) => JSON.stringify({ id: item.id, trackId: item.trackId, split: item.split, text: item.text, tags: item.tags, segmentStart: 0, attributes: item.attributes }));
  await writeFile(join(dir, 'items.jsonl'), lines.join('\n') + '\n');
}

/** Encodes every corpus item and writes `outDir/dataset.json` + shards. Returns the item count. */
export async function extractFeatures(options: FeatureOptions, encoders: Encoders, decoder: Decoder): Promise<number> {
  const items = await readCorpus(options.corpusDir);
  const dims = { clip: encoders.clipImage.info.dim, clap: encoders.clapAudio.info.dim };
  if (encoders.clipText.info.dim !== dims.clip) throw new Error(`CLIP text dim ${encoders.clipText.info.dim} differs from CLIP image dim ${dims.clip}`);
  const shards: string[] = [];
  let done = 0;
  for (let start = 0; start < items.length; start += options.shardSize) {
    const chunk = items.slice(start, start + options.shardSize);
    const features: ItemFeatures[] = [];
    // A few items in flight keep the worker pool's batches full without decoding everything at once.
    for (let i = 0; i < chunk.length; i += 4) {
      features.push(...(await Promise.all(chunk.slice(i, i + 4).map((item) => itemFeatures(item, options, encoders, decoder)))));
      done += Math.min(4, chunk.length - i);
      options.onProgress?.(done, items.length);
    }
    const name = `shard-${String(shards.length).padStart(5, '0')}`;
    await writeShard(join(options.outDir, name), chunk, features, dims);
    shards.push(name);
  }
  const spec = {
    formatVersion: 1,
    clip: { modelId: encoders.clipImage.info.modelId, dim: dims.clip },
    clap: { modelId: encoders.clapAudio.info.modelId, dim: dims.clap },
    textDim: dims.clip,
    textMode: 'pooled',
    fps: options.fps,
    maxFrames: options.maxFrames,
    windowSeconds: encoders.clapAudio.windowSeconds,
    segmentSeconds: 20,
    hopSeconds: 20,
    textSource: 'synthetic',
    shards,
  };
  await writeFile(join(options.outDir, 'dataset.json'), JSON.stringify(spec, null, 2) + '\n');
  return items.length;
}
