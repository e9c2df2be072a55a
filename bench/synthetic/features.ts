/**
 * Turns the synthetic corpus (videos with soundtracks + descriptions) into a training dataset in the
 * shard format of docs/training-data.md, with the encoders the services use and the feature contract
 * of features/: CLIP image embeddings of frames by the frame spec, CLIP text features of the
 * description (pooled), CLAP audio embeddings of the consecutive exact windows of the soundtrack (each
 * item is one segment: the whole clip).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RgbFrame } from '../../core/media/types.js';
import { frameSpec, type FrameSpec } from '../../features/frame-spec.js';
import { cutWindow, holdsWindow, type WindowFormat } from '../../features/music-windows.js';
import { windowStarts } from '../../features/segments.js';
import { shardName, writeDataset, writeShard, type ShardDims, type ShardRow } from '../../features/shards.js';
import type { Encoders } from '../../model/index.js';

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
  frames(file: string, spec: FrameSpec): Promise<RgbFrame[]>;
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

/** The whole clip's windows by the contract's layout (segments.ts `windowStarts`), each held whole (a tail shorter than a window is dropped). */
export function clipWindows(samples: Float32Array, format: WindowFormat): Float32Array[] {
  return windowStarts(0, samples.length / format.sampleRate, format.windowSeconds)
    .filter((start) => holdsWindow(samples, format, start))
    .map((start) => cutWindow(samples, format, start));
}

async function itemRow(item: CorpusItem, spec: FrameSpec, options: FeatureOptions, encoders: Encoders, decoder: Decoder): Promise<ShardRow> {
  const file = join(options.corpusDir, item.file);
  const { clapAudio } = encoders;
  const [frames, samples] = await Promise.all([decoder.frames(file, spec), decoder.audio(file, clapAudio.sampleRate)]);
  if (frames.length === 0) throw new Error(`${file}: no video frames decoded`);
  const windows = clipWindows(samples, clapAudio);
  if (windows.length === 0) throw new Error(`${file}: soundtrack shorter than one ${clapAudio.windowSeconds} s window`);
  const [frameVectors, textVectors, musicVectors] = await Promise.all([encoders.clipImage.encodeImages(frames), encoders.clipText.encodeTexts([item.text]), clapAudio.encodeWindows(windows)]);
  const { id, trackId, split, text, tags, attributes } = item;
  return { frames: frameVectors, text: textVectors, music: musicVectors, item: { id, trackId, split, text, tags, segmentStart: 0, attributes } };
}

/** Encodes every corpus item and writes `outDir/dataset.json` + shards. Returns the item count. */
export async function extractFeatures(options: FeatureOptions, encoders: Encoders, decoder: Decoder): Promise<number> {
  const items = await readCorpus(options.corpusDir);
  const dims: ShardDims = { frames: encoders.clipImage.info.dim, text: encoders.clipText.info.dim, music: encoders.clapAudio.info.dim };
  if (dims.text !== dims.frames) throw new Error(`CLIP text dim ${dims.text} differs from CLIP image dim ${dims.frames}`);
  const spec = frameSpec(options, encoders.clipImage);
  const shards: string[] = [];
  let done = 0;
  for (let start = 0; start < items.length; start += options.shardSize) {
    const chunk = items.slice(start, start + options.shardSize);
    const rows: ShardRow[] = [];
    // A few items in flight keep the worker pool's batches full without decoding everything at once.
    for (let i = 0; i < chunk.length; i += 4) {
      rows.push(...(await Promise.all(chunk.slice(i, i + 4).map((item) => itemRow(item, spec, options, encoders, decoder)))));
      done += Math.min(4, chunk.length - i);
      options.onProgress?.(done, items.length);
    }
    const name = shardName(shards.length);
    await writeShard(join(options.outDir, name), rows, dims);
    shards.push(name);
  }
  await writeDataset(options.outDir, {
    clip: { modelId: encoders.clipImage.info.modelId, dim: dims.frames },
    clap: { modelId: encoders.clapAudio.info.modelId, dim: dims.music },
    textDim: dims.text,
    textMode: 'pooled',
    fps: options.fps,
    maxFrames: options.maxFrames,
    windowSeconds: encoders.clapAudio.windowSeconds,
    segmentSeconds: 20,
    hopSeconds: 20,
    textSource: 'synthetic',
    shards,
  });
  return items.length;
}
